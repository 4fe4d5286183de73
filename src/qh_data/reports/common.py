"""Pieces both documents share: names of the province and agencies, the meeting, the recipients."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select

from ..collation import sort_key
from ..db import read_session
from ..models import AdminUnit, Agency
from ..queries.meetings import agenda_dicts, load_meeting_detail


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
        province = s.get(AdminUnit, m.province_code)
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
).where(Agency.province_code == bindparam("province"))


def agency_names(engine: Engine, province: str) -> dict[str, dict]:
    """The province's agencies by code: name, short name (the name when it has none), kind, role and
    whether it is a member of the committee."""
    with engine.connect() as c:
        rows = c.execute(AGENCIES, {"province": province}).mappings().all()
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


def without_province(name: str, province_name: str) -> str:
    """ "Sở Tài chính tỉnh Lạng Sơn" -> "Sở Tài chính" inside a document of that province."""
    for suffix in (f" tỉnh {province_name}", f" Tỉnh {province_name}"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
