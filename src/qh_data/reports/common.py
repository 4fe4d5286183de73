"""Pieces both documents share: names of the province and agencies, the meeting, the recipients."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select

from ..collation import sort_key
from ..db import read_session
from ..models import Agency, DocumentSigner
from ..queries import units
from ..queries.meetings import agenda_dicts, load_meeting_detail
from .docx_base import Signature


@dataclass
class MeetingInfo:
    id: int
    province: str
    province_name: str  # "Lạng Sơn"
    held_on: object
    starts_at: str | None
    title: str
    chair: str | None
    venue: str | None
    status: str
    notice_number: str | None
    version: int
    is_demo: bool
    invitees: list[dict]
    agenda: list[dict]
    conclusions: list[dict]


def province_short_name(name: str) -> str:
    for prefix in ("Tỉnh ", "tỉnh ", "Thành phố ", "TP. "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def load_meeting(engine: Engine, meeting_id: int) -> MeetingInfo:
    with read_session(engine) as s:
        m = load_meeting_detail(s, meeting_id)
        province = m.province_unit
        return MeetingInfo(
            id=m.id,
            province=m.province_code,
            province_name=province_short_name(province.name if province else m.province_code),
            held_on=m.held_on,
            starts_at=m.starts_at,
            title=m.title,
            chair=m.chair,
            venue=m.venue,
            status=m.status,
            notice_number=m.notice_number,
            version=m.version,
            is_demo=m.is_demo,
            invitees=[
                {"code": a.code, "name": a.name, "short_name": a.short_name, "kind": a.kind}
                for a in sorted(m.invitees, key=lambda a: sort_key(a.name))
            ],
            agenda=agenda_dicts(m),
            conclusions=[
                {
                    "id": c.id,
                    "number": c.number,
                    "text": c.text,
                    "lead_agency_code": c.lead_agency_code,
                    "lead_name": c.lead_agency.name if c.lead_agency else None,
                    "supporting": [{"code": a.code, "name": a.name} for a in c.supporting_agencies],
                    "due_on": c.due_on,
                    "all_members": c.all_members,
                    "version": c.version,
                }
                for c in sorted(m.conclusions, key=lambda c: c.number)
            ],
        )


AGENCIES = select(
    Agency.code,
    Agency.name,
    Agency.short_name,
    Agency.kind,
    Agency.role,
    Agency.is_committee_member.label("is_member"),
).where(Agency.province_unit_id.in_(bindparam("province_ids", expanding=True)))


def agency_names(engine: Engine, province: str) -> dict[str, dict]:
    """The province's agencies by code: name, short name (the name when it has none), kind, role and
    whether it is a member of the committee."""
    with engine.connect() as c:
        rows = c.execute(AGENCIES, {"province_ids": units.province_scope(c, province)}).mappings().all()
    return {
        r["code"]: {
            "name": r["name"],
            "short_name": r["short_name"] or r["name"],
            "kind": r["kind"],
            "role": r["role"],
            "is_member": r["is_member"],
        }
        for r in rows
    }


# Departments and boards are named without their province inside the province's own documents
# ("Sở Nội vụ", "Ban Dân tộc" in the 2020 notice); every other body keeps "tỉnh" as its legal name
# does ("Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh", "Cục Thống kê tỉnh", "Ủy ban nhân dân tỉnh").
_WITHOUT_TINH = ("Sở ", "Ban Dân tộc")


def local_name(name: str, province_name: str) -> str:
    """An agency's name inside a document of its own province, from its stored full name:
    "Sở Tài chính tỉnh Lạng Sơn" -> "Sở Tài chính", "Công an tỉnh Lạng Sơn" -> "Công an tỉnh"."""
    for tinh in ("tỉnh", "Tỉnh"):
        suffix = f" {tinh} {province_name}"
        if name.endswith(suffix):
            return name[: -len(suffix)] if name.startswith(_WITHOUT_TINH) else name[: -len(province_name) - 1]
    return name


def short_label(short_name: str | None, name: str, province_name: str) -> str:
    """A chart's label: the stored short form, with "tỉnh" where the legal name has it and the short
    form dropped it ("Cục Thống kê" -> "Cục Thống kê tỉnh")."""
    full = local_name(name, province_name)
    if not short_name:
        return full
    if full.endswith(" tỉnh") and not short_name.endswith("tỉnh"):
        return f"{short_name} tỉnh"
    return short_name


_NUMBER = re.compile(r"^\s*(\d+)\s*/\s*([A-ZĐ][A-ZĐ0-9-]*)")


def number_line(notice_number: str | None, symbol: str) -> str:
    """ "Số: 121/TB-UBND" from a stored number; anything else (none, or a note such as
    ".../TB-UBND (tháng 8/2020)") leaves the number blank for the clerk: "Số:      /TB-UBND"."""
    found = _NUMBER.match(notice_number or "")
    if found:
        return f"Số: {found.group(1)}/{found.group(2)}"
    return f"Số:      /{symbol}"


SIGNER = select(
    DocumentSigner.authority, DocumentSigner.deputy, DocumentSigner.title, DocumentSigner.name
).where(
    DocumentSigner.province_unit_id == bindparam("province_id"), DocumentSigner.document == bindparam("document")
)


def document_signer(engine: Engine, province: str, document: str, default: Signature) -> Signature:
    """Who signs ``document`` ("notice", "pack") of ``province``: the administrator's setting
    (``services.signers``), each line not set taken from ``default``; the name only from the setting
    (none prints "………" for the clerk)."""
    with engine.connect() as c:
        row = c.execute(SIGNER, {"province_id": units.province_id(c, province), "document": document}).mappings().first()
    if row is None:
        return default
    return Signature(
        authority=row["authority"] or default.authority,
        deputy=row["deputy"] or default.deputy,
        title=row["title"] or default.title,
        name=row["name"],
    )


SIGNERS = select(
    DocumentSigner.document,
    DocumentSigner.authority,
    DocumentSigner.deputy,
    DocumentSigner.title,
    DocumentSigner.name,
    DocumentSigner.version,
).where(DocumentSigner.province_unit_id == bindparam("province_id"))


def signer_settings(engine: Engine, province: str) -> dict[str, dict]:
    """The province's stored signers by document ("notice", "pack"), with their versions (the admin form)."""
    with engine.connect() as c:
        return {r["document"]: dict(r) for r in c.execute(SIGNERS, {"province_id": units.province_id(c, province)}).mappings()}
