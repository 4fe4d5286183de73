"""Meeting reads: the next and the last meeting (with invitees and agenda), a province's meetings, one
meeting in full (invitees, agenda, conclusions: an ORM object, as the meetings page and the documents
use it) and its agenda items. What a meeting is judged against (suggested agenda items, the standing
of each item, its conclusions' tasks) is in ``queries.meeting_briefing``. Writes are in
``qh_data.services.meetings``, ``.agenda`` and ``.conclusions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ..db import read_session
from ..errors import NotFound
from ..models import AdminUnitVersion, Agency, AgendaItem, Conclusion, Meeting, meeting_invitee
from . import units
from ._common import day_of, day_param, one, read_connection, records, sort_name

_MEETING_FIELDS = ("id", "province_code", "held_on", "starts_at", "title", "kind", "chair", "venue", "status",
                   "notice_number", "notes", "version", "is_demo")


def _meeting_columns():
    province_code = (select(AdminUnitVersion.code).where(AdminUnitVersion.id == Meeting.province_unit_id)
                     .scalar_subquery().label("province_code"))
    return [province_code if f == "province_code" else getattr(Meeting, f) for f in _MEETING_FIELDS]


_NEXT_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_unit_id.in_(bindparam("province_ids", expanding=True)), Meeting.status == "planned",
           Meeting.held_on >= day_param())
    .order_by(Meeting.held_on, Meeting.id).limit(1))

_LAST_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_unit_id.in_(bindparam("province_ids", expanding=True)),
           or_(Meeting.held_on < day_param(), and_(Meeting.held_on == day_param(), Meeting.status == "held")))
    .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))

_INVITEES = (
    select(Agency.code, Agency.name, Agency.short_name)
    .join(meeting_invitee, meeting_invitee.c.agency_code == Agency.code)
    .where(meeting_invitee.c.meeting_id == bindparam("meeting_id", type_=Integer)))

_presenter = aliased(Agency)
_AGENDA = (
    select(AgendaItem.id, AgendaItem.position, AgendaItem.kind, AgendaItem.ref, AgendaItem.title,
           AgendaItem.notes, AgendaItem.presenter_code, _presenter.name.label("presenter_name"),
           _presenter.short_name.label("presenter_short_name"), AgendaItem.minutes)
    .outerjoin(_presenter, _presenter.code == AgendaItem.presenter_code)
    .where(AgendaItem.meeting_id == bindparam("meeting_id", type_=Integer))
    .order_by(AgendaItem.position, AgendaItem.id))


def _meeting_dict(c: Connection, meeting: dict[str, Any], today: dt.date) -> dict[str, Any]:
    ref = {"meeting_id": meeting["id"]}
    invitees = records(c, _INVITEES, ref)
    invitees.sort(key=lambda a: sort_name(a["name"]))
    agenda = records(c, _AGENDA, ref)
    return {
        **meeting, "is_demo": bool(meeting["is_demo"]), "days_until": (meeting["held_on"] - today).days,
        "invitees": invitees, "agenda": agenda, "agenda_minutes": sum(int(a["minutes"] or 0) for a in agenda),
    }


def upcoming_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The next planned meeting on or after ``today``, or None. Keys: the meeting's fields,
    days_until, invitees [{code, name, short_name}], agenda [{id, position, kind, ref, title, notes,
    presenter_code, presenter_name, presenter_short_name, minutes}], agenda_minutes."""
    day = day_of(today)
    with read_connection(engine) as c:
        meeting = one(c, _NEXT_MEETING, {"province_ids": units.province_scope(c, province, day), "day": day})
        return None if meeting is None else _meeting_dict(c, meeting, day)


def last_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The latest meeting that has taken place: dated before ``today``, or dated ``today`` and marked
    held. Same keys as ``upcoming_meeting`` plus days_since."""
    day = day_of(today)
    with read_connection(engine) as c:
        meeting = one(c, _LAST_MEETING, {"province_ids": units.province_scope(c, province, day), "day": day})
        if meeting is None:
            return None
        out = _meeting_dict(c, meeting, day)
    out["days_since"] = -out["days_until"]
    return out


AGENDA_COLUMNS = ("id", "position", "kind", "ref", "title", "notes", "presenter_code", "minutes")


def _no_meeting(meeting_id) -> NotFound:
    return NotFound(f"Không tìm thấy cuộc họp số {meeting_id}.", f"Meeting {meeting_id} does not exist.")


# --- one meeting in full (ORM) ---------------------------------------------------------------------

MEETING_DETAIL = (
    select(Meeting)
    .where(Meeting.id == bindparam("meeting_id"))
    .options(
        selectinload(Meeting.invitees),
        selectinload(Meeting.agenda_items),
        selectinload(Meeting.conclusions).selectinload(Conclusion.supporting_agencies),
        selectinload(Meeting.conclusions).selectinload(Conclusion.lead_agency),
    )
)


def load_meeting_detail(session: Session, meeting_id: int) -> Meeting:
    """A meeting with its invitees, agenda and conclusions loaded in ``session``; NotFound if none."""
    meeting = session.scalar(MEETING_DETAIL, {"meeting_id": int(meeting_id)})
    if meeting is None:
        raise _no_meeting(meeting_id)
    return meeting


def get_meeting(engine: Engine, meeting_id: int) -> Meeting:
    """A meeting with its invitees, agenda and conclusions loaded (detached, read-only)."""
    with read_session(engine) as session:
        meeting = load_meeting_detail(session, meeting_id)
        session.expunge_all()
        return meeting


def agenda_dicts(meeting: Meeting) -> list[dict]:
    """The meeting's agenda items in order, as plain dicts (``AGENDA_COLUMNS``)."""
    return [
        {name: getattr(i, name) for name in AGENDA_COLUMNS}
        for i in sorted(meeting.agenda_items, key=lambda i: i.position)
    ]


# --- tables (Core) --------------------------------------------------------------------------------

MEETING_PROVINCE = (select(AdminUnitVersion.code).join(Meeting, Meeting.province_unit_id == AdminUnitVersion.id)
                    .where(Meeting.id == bindparam("meeting_id")))

AGENDA_ITEMS = (
    select(*(getattr(AgendaItem, name) for name in AGENDA_COLUMNS))
    .where(AgendaItem.meeting_id == bindparam("meeting_id"))
    .order_by(AgendaItem.position, AgendaItem.id)
)

CONCLUSIONS = (
    select(Conclusion.id, Conclusion.number, Conclusion.text)
    .where(Conclusion.meeting_id == bindparam("meeting_id"))
    .order_by(Conclusion.number)
)

_AGENDA_COUNT = (
    select(AgendaItem.meeting_id, func.count(AgendaItem.id).label("n"))
    .group_by(AgendaItem.meeting_id)
    .subquery()
)
_CONCLUSION_COUNT = (
    select(Conclusion.meeting_id, func.count(Conclusion.id).label("n"))
    .group_by(Conclusion.meeting_id)
    .subquery()
)
MEETINGS = (
    select(
        Meeting.id,
        Meeting.held_on,
        Meeting.starts_at,
        Meeting.title,
        Meeting.kind,
        Meeting.chair,
        Meeting.venue,
        Meeting.status,
        Meeting.notice_number,
        Meeting.version,
        Meeting.is_demo,
        func.coalesce(_AGENDA_COUNT.c.n, 0).label("agenda_items"),
        func.coalesce(_CONCLUSION_COUNT.c.n, 0).label("conclusions"),
    )
    .outerjoin(_AGENDA_COUNT, _AGENDA_COUNT.c.meeting_id == Meeting.id)
    .outerjoin(_CONCLUSION_COUNT, _CONCLUSION_COUNT.c.meeting_id == Meeting.id)
    .where(Meeting.province_unit_id.in_(bindparam("province_ids", expanding=True)))
    .order_by(Meeting.held_on.desc(), Meeting.id.desc())
)


def meeting_province(conn: Connection, meeting_id: int) -> str:
    """The province of the meeting; NotFound if there is no such meeting."""
    province = conn.execute(MEETING_PROVINCE, {"meeting_id": int(meeting_id)}).scalar()
    if province is None:
        raise _no_meeting(meeting_id)
    return province


def agenda_items(conn: Connection, meeting_id: int) -> list[dict]:
    """The meeting's agenda items in order, as ``agenda_dicts`` gives them."""
    return [dict(r) for r in conn.execute(AGENDA_ITEMS, {"meeting_id": int(meeting_id)}).mappings()]


def conclusions(conn: Connection, meeting_id: int) -> list[dict]:
    """The meeting's conclusions (id, number, text), by number."""
    return [dict(r) for r in conn.execute(CONCLUSIONS, {"meeting_id": int(meeting_id)}).mappings()]


def list_meetings(engine: Engine, *, province: str) -> list[dict]:
    """Every meeting of the province, newest first (held_on, then id), with its agenda and conclusion
    counts."""
    with engine.connect() as c:
        return [dict(r) for r in c.execute(MEETINGS, {"province_ids": units.province_scope(c, province)}).mappings()]


def split_meetings(meetings: list[dict], today: dt.date) -> tuple[list[dict], list[dict]]:
    """(upcoming, past): planned meetings from today on, soonest first; the rest (held, or whose day
    has passed) newest first."""
    upcoming = sorted(
        (m for m in meetings if m["status"] == "planned" and m["held_on"] >= today),
        key=lambda m: (m["held_on"], m["id"]),
    )
    past = [m for m in meetings if m not in upcoming]
    return upcoming, past
