"""The draft conclusions notice (Thông báo kết luận) of a meeting, as a .docx.

Modelled on the notice of the Lạng Sơn People's Committee after the 30/7/2020 conference
(data/reference/lang_son_thong_bao_ket_luan_2020.txt): issuing body and number "Số: .../TB-UBND",
place and date, "THÔNG BÁO" and its subject, the meeting in one paragraph, the numbered
conclusions, each followed by who leads, who supports and by when; "Nơi nhận:" built from the
agencies concerned; signature block "TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from .. import clock
from . import docx_base as d
from .common import agency_names, load_meeting, without_province

# As in the reference notice: signed by the Office for the Chairman.
OFFICE_SIGNATURE = d.Signature("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")


@dataclass(frozen=True)
class NoticeOptions:
    body_parent: str | None = None
    body: str | None = None  # default "ỦY BAN NHÂN DÂN\nTỈNH <PROVINCE>"
    symbol: str = "TB-UBND"
    signature: d.Signature = OFFICE_SIGNATURE
    notice_date: dt.date | None = None  # default: today, the day left blank for the clerk
    reporter: str = "Sở Kế hoạch và Đầu tư"


def _upper_vi(text: str) -> str:
    return text.upper()


def conclusion_lines(c: dict, names: dict[str, dict], province_name: str, members: int) -> str:
    """ "Cơ quan chủ trì: ...; phối hợp: ...; thời hạn: trước ngày 07/8/2020." for one conclusion."""
    parts = []
    lead = names.get(c["lead_agency_code"], {}).get("name") if c["lead_agency_code"] else None
    if c["all_members"]:
        who = f"các thành viên Ban Chỉ đạo ({members} cơ quan)"
        parts.append(f"Giao: {who}" + (f"; {without_province(lead, province_name)} tổng hợp" if lead else ""))
    elif lead:
        parts.append(f"Cơ quan chủ trì: {without_province(lead, province_name)}")
    if c["supporting"]:
        parts.append(
            "phối hợp: " + ", ".join(without_province(a["name"], province_name) for a in c["supporting"])
        )
    if c["due_on"]:
        parts.append(f"thời hạn: trước ngày {d.short_date(c['due_on'])}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def sentence(text: str) -> str:
    """The conclusion's text ending with a full stop, as the items of a notice do."""
    text = text.strip()
    return text if not text or text[-1] in ".;:!?…" else text + "."


def recipients(meeting, names: dict[str, dict], province_name: str) -> list[str]:
    """The distribution list: the invitees, the province's leaders, each agency concerned, the archive."""
    out = [
        "Như thành phần mời" if meeting.invitees else "Các thành viên Ban Chỉ đạo",
        "Chủ tịch, các Phó Chủ tịch UBND tỉnh",
    ]
    if any(c["all_members"] for c in meeting.conclusions) and meeting.invitees:
        out.append("Các thành viên Ban Chỉ đạo lập Quy hoạch tỉnh")
    concerned: list[str] = []
    for c in meeting.conclusions:
        for code in [c["lead_agency_code"], *(a["code"] for a in c["supporting"])]:
            if code and code not in concerned:
                concerned.append(code)
    invited = {a["code"] for a in meeting.invitees}
    for code in concerned:
        if code in invited:
            continue  # already "Như thành phần mời"
        name = names.get(code, {}).get("name", code)
        out.append(without_province(name, province_name))
    out.append("C, PVP UBND tỉnh, các phòng CM")
    out.append("Lưu: VT, KT")
    return out


def build_conclusions_notice(engine: Engine, meeting_id: int, options: NoticeOptions | None = None) -> bytes:
    """The draft notice of the meeting's conclusions (.docx bytes)."""
    opts = options or NoticeOptions()
    m = load_meeting(engine, meeting_id)
    names = agency_names(engine, m.province)
    members = sum(1 for a in names.values() if a["is_member"])
    province = m.province_name
    doc = d.new_document()
    number = m.notice_number or "     "
    number_line = f"Số: {number}" if "/" in number else f"Số: {number}/{opts.symbol}"
    day = opts.notice_date or clock.today()
    chair = m.chair or "Chủ tịch UBND tỉnh"
    if not chair.lower().startswith("đồng chí"):
        chair = f"đồng chí {chair}"  # as in the reference: "Kết luận của đồng chí Hồ Tiến Thiệu, Chủ tịch UBND tỉnh"
    d.heading(
        doc,
        d.Heading(
            parent_body=opts.body_parent,
            body=opts.body or f"ỦY BAN NHÂN DÂN\nTỈNH {_upper_vi(province)}",
            number_line=number_line,
            place=province,
            date=day,
            blank_day=opts.notice_date is None,
            doc_type="THÔNG BÁO",
            subject=f"Kết luận của {chair} tại {d.in_sentence(m.title)}",
        ),
    )
    if m.is_demo:
        d.demo_notice(doc)

    when = d.short_date(m.held_on)
    venue = f" tại {m.venue}" if m.venue else ""
    intro = f"Ngày {when}, UBND tỉnh tổ chức {d.in_sentence(m.title)}{venue}."
    if m.invitees:
        attendees = "; ".join(without_province(a["name"], province) for a in m.invitees)
        intro += f" Tham dự cuộc họp có đại diện lãnh đạo: {attendees}."
    d.body(doc, intro)
    d.body(
        doc,
        f"Sau khi nghe {opts.reporter} báo cáo tình hình triển khai lập Quy hoạch tỉnh {province} thời kỳ "
        f"2021 - 2030, tầm nhìn đến năm 2050 và ý kiến phát biểu của các thành phần dự họp, {chair} "
        "kết luận như sau:",
    )
    if not m.conclusions:
        d.body(doc, "(Chưa ghi kết luận nào cho cuộc họp này.)", italic=True)
    for c in m.conclusions:
        d.body(doc, f"{c['number']}. {sentence(c['text'])}")
        line = conclusion_lines(c, names, province, members)
        if line:
            d.detail(doc, line)
    closing = d.body(doc, "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.", before=8)
    closing.paragraph_format.keep_with_next = True  # never a page with the signature alone
    d.recipients_and_signature(doc, recipients(m, names, province), opts.signature)
    doc.core_properties.title = f"Thông báo kết luận — {m.title}"
    doc.core_properties.subject = "Thông báo kết luận cuộc họp Ban Chỉ đạo lập Quy hoạch tỉnh"
    return d.to_bytes(doc)
