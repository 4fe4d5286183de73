"""Documents built from the store: the meeting pack and the draft conclusions notice (.docx).

``build_meeting_pack(engine, meeting_id)`` and ``build_conclusions_notice(engine, meeting_id)`` return
the bytes of a Word document in the form of Decree 30/2020/NĐ-CP (figures as they stood on a past date
come from ``qh_data.queries.asof``).
"""

from .conclusions_notice import NoticeOptions, build_conclusions_notice
from .meeting_pack import build_meeting_pack
from .meeting_pack_data import PackData, pack_data

__all__ = ["NoticeOptions", "PackData", "build_conclusions_notice", "build_meeting_pack", "pack_data"]
