"""The draft conclusions notice (Thông báo kết luận) of a meeting, as a .docx.

Modelled on the notice of the Lạng Sơn People's Committee after the 30/7/2020 conference
(data/reference/lang_son_thong_bao_ket_luan_2020.txt): issuing body and number "Số: .../TB-UBND",
place and date, "THÔNG BÁO" and its subject, the meeting in one paragraph, the numbered
conclusions, each ending as a notice assigns work ("Giao Sở … chủ trì, phối hợp với … thực hiện,
hoàn thành trước ngày …"); "Nơi nhận:" built from the agencies concerned; signature block
"TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG" and the signer's name, "………" to fill in
when the store has none.

Dated from the meeting's record: the month and year the meeting was held, the day left for the clerk
(a notice is issued after its meeting), never the day the draft is printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine

from . import docx_base as d
from .common import agency_names, document_signer, load_meeting, local_name, number_line

# As in the reference notice: signed by the Office for the Chairman.
OFFICE_SIGNATURE = d.Signature("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG")


@dataclass(frozen=True)
class NoticeOptions:
    body_parent: str | None = None
    body: str | None = None  # default "ỦY BAN NHÂN DÂN\nTỈNH <PROVINCE>"
    symbol: str = "TB-UBND"
    signature: d.Signature | None = None  # default: the province's setting, else OFFICE_SIGNATURE
    notice_date: dt.date | None = None  # default: the meeting's month and year, the day blank
    reporter: str = "Sở Kế hoạch và Đầu tư"


def _upper_vi(text: str) -> str:
    return text.upper()


def _listed(names: list[str]) -> str:
    """ "A", "A và B", "A, B và C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " và " + names[-1]


def assignment(c: dict, names: dict[str, dict], province_name: str) -> str:
    """The sentence that gives a conclusion to its agencies, as a notice writes it: "Giao Sở Tài chính
    chủ trì, phối hợp với Sở Kế hoạch và Đầu tư thực hiện, hoàn thành trước ngày 15/5/2026." ("" when
    the conclusion names no agency and no deadline)."""
    lead = names.get(c["lead_agency_code"], {}).get("name") if c["lead_agency_code"] else None
    lead = local_name(lead, province_name) if lead else None
    helpers = [local_name(a["name"], province_name) for a in c["supporting"]]
    deadline = d.short_date(c["due_on"]) if c["due_on"] else ""
    # the deadline once: not again when the conclusion's own text already gives it
    due = f"hoàn thành trước ngày {deadline}" if deadline and deadline not in c["text"] else ""
    if c["all_members"]:
        text = "Giao các thành viên Ban Chỉ đạo thực hiện"
        if lead:
            text += f"; {lead} tổng hợp, báo cáo UBND tỉnh"
    elif lead:
        text = f"Giao {lead} chủ trì"
        text += f", phối hợp với {_listed(helpers)} thực hiện" if helpers else " thực hiện"
    elif due:
        return f"Thời hạn {due}."
    else:
        return ""
    return text + (f", {due}" if due else "") + "."


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
        out.append(local_name(name, province_name))
    out.append("C, PVP UBND tỉnh, các phòng CM")
    out.append("Lưu: VT, KT")
    return out


def build_conclusions_notice(engine: Engine, meeting_id: int, options: NoticeOptions | None = None) -> bytes:
    """The draft notice of the meeting's conclusions (.docx bytes)."""
    opts = options or NoticeOptions()
    m = load_meeting(engine, meeting_id)
    names = agency_names(engine, m.province)
    province = m.province_name
    doc = d.new_document()
    day = opts.notice_date or m.held_on
    chair = m.chair or "Chủ tịch UBND tỉnh"
    if not chair.lower().startswith("đồng chí"):
        chair = f"đồng chí {chair}"  # as in the reference: "Kết luận của đồng chí Hồ Tiến Thiệu, Chủ tịch UBND tỉnh"
    d.heading(
        doc,
        d.Heading(
            parent_body=opts.body_parent,
            body=opts.body or f"ỦY BAN NHÂN DÂN\nTỈNH {_upper_vi(province)}",
            number_line=number_line(m.notice_number, opts.symbol),
            place=province,
            date=day,
            blank_day=opts.notice_date is None,
            doc_type="THÔNG BÁO",
            subject=f"Kết luận của {chair} tại {d.in_sentence(m.title)}",
        ),
    )
    if m.is_demo:
        d.demo_header(doc)

    when = d.short_date(m.held_on)
    venue = f" tại {m.venue}" if m.venue else ""
    intro = f"Ngày {when}, UBND tỉnh tổ chức {d.in_sentence(m.title)}{venue}."
    if m.invitees:
        attendees = "; ".join(local_name(a["name"], province) for a in m.invitees)
        intro += f" Tham dự cuộc họp có đại diện lãnh đạo: {attendees}."
    d.body(doc, intro)
    d.body(
        doc,
        f"Sau khi nghe {opts.reporter} báo cáo tình hình triển khai lập Quy hoạch tỉnh {province} thời kỳ "
        f"2021 - 2030, tầm nhìn đến năm 2050 và ý kiến phát biểu của các thành phần dự họp, {chair} "
        "kết luận như sau:",
    )
    if not m.conclusions:
        d.body(doc, "Chưa ghi kết luận nào cho cuộc họp này.")
    for c in m.conclusions:
        given = assignment(c, names, province)
        d.body(doc, f"{c['number']}. {sentence(c['text'])}" + (f" {given}" if given else ""))
    closing = d.body(doc, "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.", before=8)
    closing.paragraph_format.keep_with_next = True  # never a page with the signature alone
    signature = opts.signature or document_signer(engine, m.province, "notice", OFFICE_SIGNATURE)
    d.recipients_and_signature(doc, recipients(m, names, province), signature)
    d.set_properties(doc, title=f"Thông báo kết luận — {m.title}",
                     subject="Thông báo kết luận cuộc họp Ban Chỉ đạo lập Quy hoạch tỉnh")
    return d.to_bytes(doc)
