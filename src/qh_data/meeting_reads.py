"""Reads of committee meetings as stored: the list of a province's meetings, one meeting in full
(invitees, agenda, conclusions), its agenda items.

Tables are read with SQLAlchemy Core (statements built once, ``engine.connect()``); the meeting in
full is an ORM object, as the meetings page and the documents use it. What a meeting is judged
against (suggested agenda items, the standing of each item, the tasks its conclusions created) is in
``qh_data.meeting_briefing_reads``. Writes are in ``qh_data.services.meetings``, ``.agenda`` and
``.conclusions``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from .db import read_session
from .errors import NotFound
from .models import AgendaItem, Conclusion, Meeting

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

MEETING_PROVINCE = select(Meeting.province_code).where(Meeting.id == bindparam("meeting_id"))

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
    .where(Meeting.province_code == bindparam("province"))
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
    """Every meeting of the province, newest first, with its agenda and conclusion counts."""
    with engine.connect() as c:
        return [dict(r) for r in c.execute(MEETINGS, {"province": province}).mappings()]


def split_meetings(meetings: list[dict], today: dt.date) -> tuple[list[dict], list[dict]]:
    """(upcoming, past): planned meetings from today on, soonest first; the rest (held, or whose day
    has passed) newest first."""
    upcoming = sorted(
        (m for m in meetings if m["status"] == "planned" and m["held_on"] >= today),
        key=lambda m: (m["held_on"], m["id"]),
    )
    past = [m for m in meetings if m not in upcoming]
    return upcoming, past
