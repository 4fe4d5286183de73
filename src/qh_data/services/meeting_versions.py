"""The expected-version checks of the meeting writes (the meeting and its agenda, a conclusion).

A write that carries the version the user saw is refused with ``StaleEdit`` when the row has moved
on since; the message names who changed it last and when, from the audit trail. These are the only
version checks of ``services.meetings``, ``services.agenda`` and ``services.conclusions``: swap them
here for the shared mechanism when there is one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..errors import StaleEdit
from ..models import AuditEntry, Conclusion, Meeting, User

SYSTEM = "hệ thống"

LAST_CHANGE = (
    select(AuditEntry.user_id, AuditEntry.username, AuditEntry.at)
    .where(AuditEntry.entity == bindparam("entity"), AuditEntry.entity_id == bindparam("entity_id"))
    .order_by(AuditEntry.id.desc())
    .limit(1)
)


def last_change(session: Session, entity: str, entity_id: int) -> tuple[str, dt.datetime | None]:
    """(who, when) of the latest audited change of the row; ("hệ thống", None) when there is none."""
    entry = session.execute(LAST_CHANGE, {"entity": entity, "entity_id": str(entity_id)}).first()
    if entry is None:
        return SYSTEM, None
    if entry.user_id:
        user = session.get(User, entry.user_id)
        return (user.display_name if user is not None else SYSTEM), entry.at
    return entry.username or SYSTEM, entry.at


def stale_edit(
    session: Session, entity: str, entity_id: int, version: int, what_vi: str, what_en: str
) -> StaleEdit:
    """The refusal of an edit made on an older version of the row (``what_*`` names the row)."""
    who, when = last_change(session, entity, entity_id)
    when_txt = when.strftime("%d/%m/%Y %H:%M") if when else "–"
    return StaleEdit(
        f"{what_vi} vừa được {who} thay đổi lúc {when_txt}; hãy tải lại để xem nội dung mới rồi sửa lại.",
        f"{what_en} was changed by {who} at {when_txt}; reload to see the new version, then edit again.",
        changed_by=who,
        changed_at=when,
        current_version=version,
    )


def check_meeting_version(session: Session, meeting: Meeting, expected_version: int | None) -> None:
    """Refuse the edit unless the meeting (its details or its agenda) is still at ``expected_version``."""
    if expected_version is None or meeting.version != int(expected_version):
        raise stale_edit(session, "meeting", meeting.id, meeting.version, "Cuộc họp này", "This meeting")


def check_conclusion_version(session: Session, conclusion: Conclusion, expected_version: int | None) -> None:
    """Refuse the edit unless the conclusion is still at ``expected_version``."""
    if expected_version is None or conclusion.version != int(expected_version):
        n = conclusion.number
        raise stale_edit(
            session, "conclusion", conclusion.id, conclusion.version, f"Kết luận số {n}", f"Conclusion {n}"
        )
