"""A meeting's agenda: add items (accepted suggestions or free items), remove, reorder.

Every write needs ``meeting.manage``, runs in one ``session_scope`` transaction, checks the
meeting's expected version (the agenda is part of the meeting: any agenda change bumps it) and
records the agenda before and after in the audit trail. The suggestions themselves are read by
``qh_data.queries.meeting_briefing.suggest_agenda``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .. import audit
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import AGENDA_KINDS, AgendaItem, Meeting
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..versioning import bump, check_expected
from .meetings import meeting_for_update, province_agencies

MAX_AGENDA = 60


@dataclass(frozen=True)
class AgendaDraft:
    """One agenda line to add: a suggestion accepted (kind issue/task/indicator + ref) or a free item."""

    title: str
    kind: str = "free"
    ref: str | None = None
    notes: str | None = None
    presenter_code: str | None = None
    minutes: int | None = None


def agenda_snapshot(m: Meeting) -> list[dict]:
    """The agenda as the audit trail keeps it."""
    return [
        {"id": i.id, "position": i.position, "kind": i.kind, "ref": i.ref, "title": i.title}
        for i in sorted(m.agenda_items, key=lambda i: i.position)
    ]


def _clean_agenda(draft: AgendaDraft, session: Session, province: str) -> dict:
    if draft.kind not in AGENDA_KINDS:
        raise ValidationFailed(
            f"Loại mục '{draft.kind}' không hợp lệ.", f"Agenda kind '{draft.kind}' is not valid."
        )
    minutes = draft.minutes
    if minutes is not None and not 0 < int(minutes) <= 600:
        raise ValidationFailed("Thời lượng mỗi mục từ 1 đến 600 phút.", "An item lasts 1 to 600 minutes.")
    presenter = None
    if draft.presenter_code:
        presenter = province_agencies(
            session, [draft.presenter_code], province, "Cơ quan trình bày", "Presenter"
        )[0].code
    return {
        "kind": draft.kind,
        "ref": clean_text(draft.ref, field="ref", max_len=60) if draft.kind != "free" else None,
        "title": clean_text(draft.title, field="nội dung / title", max_len=1000, required=True),
        "notes": clean_text(draft.notes, field="ghi chú / notes", max_len=4000),
        "presenter_code": presenter,
        "minutes": int(minutes) if minutes else None,
    }


def _renumber(items: list[AgendaItem]) -> None:
    for i, item in enumerate(items, start=1):
        item.position = i


def _not_on_agenda(item_id) -> NotFound:
    return NotFound(
        f"Không có mục {item_id} trong chương trình họp.", f"Agenda item {item_id} does not exist."
    )


@retrying()
def add_agenda_items(
    engine: Engine, actor: Actor, meeting_id: int, drafts: list[AgendaDraft], expected_version: int
) -> Meeting:
    """Append agenda items (accepted suggestions or free items). A suggestion already on the agenda
    (same kind and reference) is not added twice."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        check_expected(session, meeting, expected_version)
        before = agenda_snapshot(meeting)
        items = sorted(meeting.agenda_items, key=lambda i: i.position)
        present = {(i.kind, i.ref) for i in items if i.kind != "free"}
        added = 0
        for draft in drafts:
            values = _clean_agenda(draft, session, meeting.province_code)
            if values["kind"] != "free" and (values["kind"], values["ref"]) in present:
                continue
            present.add((values["kind"], values["ref"]))
            item = AgendaItem(position=len(items) + 1, **values)
            meeting.agenda_items.append(item)
            items.append(item)
            added += 1
        if len(items) > MAX_AGENDA:
            raise ValidationFailed(
                f"Chương trình họp tối đa {MAX_AGENDA} mục.", f"An agenda has at most {MAX_AGENDA} items."
            )
        if not added:
            return meeting
        bump(meeting)
        session.flush()
        audit.record(
            session, actor, "meeting.agenda_add", "meeting", meeting.id, before, agenda_snapshot(meeting)
        )
        return meeting


@retrying()
def remove_agenda_item(
    engine: Engine, actor: Actor, meeting_id: int, item_id: int, expected_version: int
) -> Meeting:
    """Take one item off the agenda; the items after it move up."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        check_expected(session, meeting, expected_version)
        before = agenda_snapshot(meeting)
        item = next((i for i in meeting.agenda_items if i.id == int(item_id)), None)
        if item is None:
            raise _not_on_agenda(item_id)
        meeting.agenda_items.remove(item)
        _renumber(sorted(meeting.agenda_items, key=lambda i: i.position))
        bump(meeting)
        session.flush()
        audit.record(
            session, actor, "meeting.agenda_remove", "meeting", meeting.id, before, agenda_snapshot(meeting)
        )
        return meeting


def _put_in_order(session: Session, actor: Actor, meeting: Meeting, item_ids: list[int]) -> Meeting:
    by_id = {i.id: i for i in meeting.agenda_items}
    wanted = [int(i) for i in item_ids]
    if sorted(wanted) != sorted(by_id):
        raise ValidationFailed(
            "Thứ tự mới phải gồm đủ các mục của chương trình, mỗi mục một lần.",
            "The new order must list every agenda item exactly once.",
        )
    before = agenda_snapshot(meeting)
    _renumber([by_id[i] for i in wanted])
    if agenda_snapshot(meeting) == before:
        return meeting
    bump(meeting)
    audit.record(
        session, actor, "meeting.agenda_reorder", "meeting", meeting.id, before, agenda_snapshot(meeting)
    )
    return meeting


@retrying()
def reorder_agenda(
    engine: Engine, actor: Actor, meeting_id: int, item_ids: list[int], expected_version: int
) -> Meeting:
    """Put the agenda in the order given (every item of the meeting, each once)."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        check_expected(session, meeting, expected_version)
        return _put_in_order(session, actor, meeting, item_ids)


@retrying()
def move_agenda_item(
    engine: Engine, actor: Actor, meeting_id: int, item_id: int, delta: int, expected_version: int
) -> Meeting:
    """Move one item up (delta −1) or down (+1)."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = meeting_for_update(session, meeting_id)
        ids = [i.id for i in sorted(meeting.agenda_items, key=lambda i: i.position)]
        if int(item_id) not in ids:
            raise _not_on_agenda(item_id)
        check_expected(session, meeting, expected_version)
        i = ids.index(int(item_id))
        j = max(0, min(len(ids) - 1, i + int(delta)))
        ids[i], ids[j] = ids[j], ids[i]
        return _put_in_order(session, actor, meeting, ids)
