"""Committee meetings: plan one, edit its details, record that it was held.

The agenda is written by ``services.agenda``, the conclusions and the tasks they create by
``services.conclusions``; what the pages read about meetings lives in ``qh_data.queries.meetings`` and
``qh_data.queries.meeting_briefing``.

Writes follow the house rules: ``permissions.require("meeting.manage")`` first, one
``session_scope`` transaction, the expected-version check of ``qh_data.versioning`` (a stale
edit is refused with who changed the meeting and when), and ``audit.record`` for every row written.
This module also holds what the agenda and conclusion writes share: the meeting loaded for update
and the agencies of the province by code.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import Agency, Meeting
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..units import versions
from ..units.scope import province_scope
from ..versioning import bump, check_expected

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

UNSET = object()
"""Default of an optional field of an edit: leave it as it is (None would clear it)."""


def meeting_snapshot(m: Meeting) -> dict:
    """The meeting's fields as the audit trail keeps them."""
    return {
        "held_on": m.held_on,
        "starts_at": m.starts_at,
        "title": m.title,
        "kind": m.kind,
        "chair": m.chair,
        "venue": m.venue,
        "status": m.status,
        "notice_number": m.notice_number,
        "notes": m.notes,
        "invitees": sorted(a.code for a in m.invitees),
        "version": m.version,
    }


# --- shared by the meeting, agenda and conclusion writes ----------------------------------------------


def meeting_for_update(session: Session, meeting_id: int) -> Meeting:
    """The meeting, locked for the rest of the transaction (PostgreSQL); NotFound if there is none."""
    meeting = session.get(Meeting, int(meeting_id), with_for_update=session.bind.dialect.name != "sqlite")
    if meeting is None:
        raise NotFound(f"Không tìm thấy cuộc họp số {meeting_id}.", f"Meeting {meeting_id} does not exist.")
    return meeting


def province_agencies(session: Session, codes, province: str, field_vi: str, field_en: str) -> list[Agency]:
    """The agencies of ``codes`` (in that order, each once), refused unless each is of ``province``
    (or national); ``field_*`` names the form field in the message."""
    codes = list(dict.fromkeys(c for c in (codes or []) if c))
    if not codes:
        return []
    found = {
        a.code: a
        for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))
        if a.province_code in (None, province)
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            f"{field_vi}: không có cơ quan {', '.join(missing)} trong tỉnh.",
            f"{field_en}: no agency {', '.join(missing)} in this province.",
        )
    return [found[c] for c in codes]


def member_agencies(session: Session, province: str) -> list[Agency]:
    """The committee's member agencies in a province (the fan-out of an "all members" conclusion)."""
    return list(
        session.scalars(
            select(Agency)
            .where(Agency.province_unit_id.in_(province_scope(session.connection(), province)),
                   Agency.is_committee_member.is_(True))
            .order_by(Agency.code)
        )
    )


def clean_notice_number(value) -> str | None:
    return clean_text(value, field="số thông báo / notice number", max_len=60)


def _clean_fields(title, chair, venue, starts_at, notes, kind) -> dict:
    out = {
        "title": clean_text(title, field="tên cuộc họp / title", max_len=500, required=True),
        "chair": clean_text(chair, field="chủ trì / chair", max_len=200),
        "venue": clean_text(venue, field="địa điểm / venue", max_len=300),
        "notes": clean_text(notes, field="ghi chú / notes", max_len=4000),
        "kind": clean_text(kind, field="loại / kind", max_len=20) or "regular",
        "starts_at": (starts_at or "").strip() or None,
    }
    if out["starts_at"] and not TIME_RE.match(out["starts_at"]):
        raise ValidationFailed(
            "Giờ họp phải viết dạng HH:MM, ví dụ 08:00.", "The start time must look like HH:MM, e.g. 08:00."
        )
    return out


# --- the meeting itself ---------------------------------------------------------------------------


@retrying()
def create_meeting(
    engine: Engine,
    actor: Actor,
    *,
    province: str,
    held_on: dt.date,
    title: str,
    chair: str | None = None,
    venue: str | None = None,
    starts_at: str | None = None,
    invitees=(),
    kind: str = "regular",
    notes: str | None = None,
) -> Meeting:
    """Plan a meeting of the committee (DPI). Returns it (status ``planned``, version 1)."""
    require(actor, "meeting.manage")
    values = _clean_fields(title, chair, venue, starts_at, notes, kind)
    if not isinstance(held_on, dt.date):
        raise ValidationFailed("Hãy chọn ngày họp.", "Choose the meeting date.")
    with session_scope(engine) as session:
        province_id = versions.version_id(session, "province", province, held_on)
        if province_id is None:
            raise ValidationFailed(f"Ngày {held_on:%d/%m/%Y} không có tỉnh mã {province}.",
                                   f"There was no province {province} on {held_on:%d/%m/%Y}.")
        meeting = Meeting(held_on=held_on, status="planned", version=1, **values, province_unit_id=province_id)
        meeting.invitees = province_agencies(session, invitees, province, "Thành phần mời", "Invitees")
        session.add(meeting)
        session.flush()
        audit.record(session, actor, "meeting.create", "meeting", meeting.id, None, meeting_snapshot(meeting))
        return meeting


@retrying()
def update_meeting(
    engine: Engine,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    *,
    held_on: dt.date | None = None,
    title: str | None = None,
    chair=UNSET,
    venue=UNSET,
    starts_at=UNSET,
    invitees=None,
    notes=UNSET,
    notice_number=UNSET,
) -> Meeting:
    """Edit the meeting's date, title, chair, venue, time, invitees, notes or notice number."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        check_expected(session, meeting, expected_version)
        before = meeting_snapshot(meeting)
        values = _clean_fields(
            title if title is not None else meeting.title,
            meeting.chair if chair is UNSET else chair,
            meeting.venue if venue is UNSET else venue,
            meeting.starts_at if starts_at is UNSET else starts_at,
            meeting.notes if notes is UNSET else notes,
            meeting.kind,
        )
        for key, value in values.items():
            setattr(meeting, key, value)
        if held_on is not None:
            meeting.held_on = held_on
        if invitees is not None:
            meeting.invitees = province_agencies(
                session, invitees, meeting.province_code, "Thành phần mời", "Invitees"
            )
        if notice_number is not UNSET:
            meeting.notice_number = clean_notice_number(notice_number)
        if meeting_snapshot(meeting) == before:
            return meeting
        bump(meeting)
        audit.record(
            session, actor, "meeting.update", "meeting", meeting.id, before, meeting_snapshot(meeting)
        )
        return meeting


@retrying()
def mark_held(
    engine: Engine, actor: Actor, meeting_id: int, expected_version: int, *, notice_number: str | None = None
) -> Meeting:
    """Record that the meeting took place (it then shows among the past meetings)."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        check_expected(session, meeting, expected_version)
        if meeting.held_on > clock.today():
            raise ValidationFailed(
                "Cuộc họp chưa đến ngày họp nên chưa thể ghi là đã họp.",
                "The meeting's date has not come yet, so it cannot be marked as held.",
            )
        before = meeting_snapshot(meeting)
        meeting.status = "held"
        if notice_number is not None:
            meeting.notice_number = clean_notice_number(notice_number)
        bump(meeting)
        audit.record(session, actor, "meeting.held", "meeting", meeting.id, before, meeting_snapshot(meeting))
        return meeting
