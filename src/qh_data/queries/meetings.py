"""Meeting queries: the next and the last meeting (with invitees and agenda), and the list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, bindparam, or_, select
from sqlalchemy.orm import aliased

from ..models import Agency, AgendaItem, Meeting, meeting_invitee
from ._common import day_of, day_param, one, read_connection, records, sort_name

_MEETING_FIELDS = ("id", "province_code", "held_on", "starts_at", "title", "kind", "chair", "venue", "status",
                   "notice_number", "notes", "version", "is_demo")


def _meeting_columns():
    return [getattr(Meeting, f) for f in _MEETING_FIELDS]


_NEXT_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_code == bindparam("province"), Meeting.status == "planned",
           Meeting.held_on >= day_param())
    .order_by(Meeting.held_on, Meeting.id).limit(1))

_LAST_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_code == bindparam("province"),
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
        meeting = one(c, _NEXT_MEETING, {"province": province, "day": day})
        return None if meeting is None else _meeting_dict(c, meeting, day)


def last_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The latest meeting that has taken place: dated before ``today``, or dated ``today`` and marked
    held. Same keys as ``upcoming_meeting`` plus days_since."""
    day = day_of(today)
    with read_connection(engine) as c:
        meeting = one(c, _LAST_MEETING, {"province": province, "day": day})
        if meeting is None:
            return None
        out = _meeting_dict(c, meeting, day)
    out["days_since"] = -out["days_until"]
    return out


_MEETINGS = (
    select(Meeting.id, Meeting.held_on, Meeting.title, Meeting.kind, Meeting.status, Meeting.notice_number)
    .where(Meeting.province_code == bindparam("province"))
    .order_by(Meeting.held_on.desc(), Meeting.id.desc()))


def meetings(engine: Engine, province: str) -> list[dict[str, Any]]:
    """All meetings of the province, latest first: id, held_on, title, kind, status, notice_number."""
    with read_connection(engine) as c:
        return records(c, _MEETINGS, {"province": province})

