"""A meeting's numbered conclusions: record them, edit one, remove one recorded by mistake.

Each save also creates or brings up to date the tasks the conclusion gives (``services.conclusion_tasks``).
Writes need ``conclusion.manage`` (and ``task.create`` to record), run in one ``session_scope``
transaction, refuse a stale edit (``qh_data.versioning``) and audit every row written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import Conclusion, Meeting, Task
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..versioning import bump, check_expected
from .conclusion_tasks import sync_tasks
from .meetings import UNSET, meeting_for_update, member_agencies, province_agencies
from .tasks import task_snapshot

MAX_CONCLUSIONS = 100


@dataclass(frozen=True)
class ConclusionDraft:
    """A numbered conclusion as typed in the meeting. ``expected_version`` when editing one saved before."""

    text: str
    number: int | None = None
    lead_agency_code: str | None = None
    supporting_agency_codes: tuple[str, ...] = ()
    due_on: dt.date | None = None
    all_members: bool = False
    expected_version: int | None = None


@dataclass
class SaveResult:
    conclusion_ids: list[int] = field(default_factory=list)
    tasks_created: list[str] = field(default_factory=list)
    tasks_updated: list[str] = field(default_factory=list)
    tasks_cancelled: list[str] = field(default_factory=list)


def conclusion_snapshot(c: Conclusion) -> dict:
    """The conclusion's fields as the audit trail keeps them."""
    return {
        "meeting_id": c.meeting_id,
        "number": c.number,
        "text": c.text,
        "lead_agency": c.lead_agency_code,
        "supporting": sorted(a.code for a in c.supporting_agencies),
        "due_on": c.due_on,
        "all_members": c.all_members,
        "version": c.version,
    }


def _conclusion_values(session: Session, meeting: Meeting, draft: ConclusionDraft) -> dict:
    text = clean_text(draft.text, field="nội dung kết luận / conclusion", max_len=8000, required=True)
    lead = None
    if draft.lead_agency_code:
        lead = province_agencies(
            session, [draft.lead_agency_code], meeting.province_code, "Cơ quan chủ trì", "Lead agency"
        )[0].code
    supporting = province_agencies(
        session,
        draft.supporting_agency_codes,
        meeting.province_code,
        "Cơ quan phối hợp",
        "Supporting agencies",
    )
    supporting = [a for a in supporting if a.code != lead]
    if draft.due_on is not None and draft.due_on < meeting.held_on:
        raise ValidationFailed(
            f"Thời hạn của kết luận số {draft.number} trước ngày họp.",
            f"The deadline of conclusion {draft.number} is before the meeting's date.",
        )
    if draft.all_members and not member_agencies(session, meeting.province_code):
        raise ValidationFailed(
            "Tỉnh này chưa có danh sách thành viên Ban Chỉ đạo.",
            "This province has no list of committee members yet.",
        )
    return {
        "text": text,
        "lead_agency_code": lead,
        "supporting": supporting,
        "due_on": draft.due_on,
        "all_members": bool(draft.all_members),
    }


def _same(c: Conclusion, values: dict) -> bool:
    return (
        c.text == values["text"]
        and c.lead_agency_code == values["lead_agency_code"]
        and sorted(a.code for a in c.supporting_agencies) == sorted(a.code for a in values["supporting"])
        and c.due_on == values["due_on"]
        and bool(c.all_members) == values["all_members"]
    )


def _check_drafts(meeting: Meeting, drafts: list[ConclusionDraft]) -> None:
    if meeting.held_on > clock.today():
        day = meeting.held_on.strftime("%d/%m/%Y")
        raise ValidationFailed(
            f"Cuộc họp ngày {day} chưa diễn ra: kết luận được ghi trong hoặc sau cuộc họp.",
            f"The meeting of {day} has not taken place yet: conclusions are recorded during or after it.",
        )
    numbers = [d.number for d in drafts if d.number is not None]
    if len(numbers) != len(set(numbers)) or any(int(n) < 1 for n in numbers):
        raise ValidationFailed(
            "Số thứ tự các kết luận phải khác nhau và từ 1 trở lên.",
            "Conclusion numbers must be distinct and at least 1.",
        )


def _create(session: Session, actor: Actor, meeting: Meeting, number: int, values: dict) -> Conclusion:
    conclusion = Conclusion(
        meeting=meeting,
        number=number,
        text=values["text"],
        lead_agency_code=values["lead_agency_code"],
        due_on=values["due_on"],
        all_members=values["all_members"],
        version=1,
    )
    conclusion.supporting_agencies = values["supporting"]
    session.add(conclusion)
    session.flush()
    audit.record(
        session,
        actor,
        "conclusion.create",
        "conclusion",
        conclusion.id,
        None,
        conclusion_snapshot(conclusion),
    )
    return conclusion


def _update(session: Session, actor: Actor, conclusion: Conclusion, values: dict) -> None:
    before = conclusion_snapshot(conclusion)
    conclusion.text = values["text"]
    conclusion.lead_agency_code = values["lead_agency_code"]
    conclusion.supporting_agencies = values["supporting"]
    conclusion.due_on = values["due_on"]
    conclusion.all_members = values["all_members"]
    bump(conclusion)
    session.flush()
    audit.record(
        session,
        actor,
        "conclusion.update",
        "conclusion",
        conclusion.id,
        before,
        conclusion_snapshot(conclusion),
    )


def _save(session: Session, actor: Actor, meeting: Meeting, drafts: list[ConclusionDraft]) -> SaveResult:
    result = SaveResult()
    _check_drafts(meeting, drafts)
    saved = {c.number: c for c in meeting.conclusions}
    next_free = max([*saved, *(d.number for d in drafts if d.number is not None), 0]) + 1
    for draft in drafts:
        if draft.number is None:
            draft = replace(draft, number=next_free)
            next_free += 1
        number = int(draft.number)
        values = _conclusion_values(session, meeting, replace(draft, number=number))
        conclusion = saved.get(number)
        if conclusion is None:
            conclusion = _create(session, actor, meeting, number, values)
        elif not _same(conclusion, values):
            check_expected(session, conclusion, draft.expected_version, (f"Kết luận số {conclusion.number}", f"Conclusion {conclusion.number}"))
            _update(session, actor, conclusion, values)
        result.conclusion_ids.append(conclusion.id)
        changes = sync_tasks(session, actor, meeting, conclusion)
        result.tasks_created += changes.created
        result.tasks_updated += changes.updated
        result.tasks_cancelled += changes.cancelled
    return result


@retrying()
def save_conclusions(
    engine: Engine, actor: Actor, meeting_id: int, drafts: list[ConclusionDraft]
) -> SaveResult:
    """Save the meeting's numbered conclusions and create (or bring up to date) their tasks.

    Conclusions are matched by number. An unnumbered draft takes the next free number. A meeting
    whose day has not come has no conclusions yet (refused). Saving the
    same drafts again changes nothing; a draft that differs from a saved conclusion must carry that
    conclusion's ``expected_version`` (else ``StaleEdit``). Conclusions not in ``drafts`` are left
    as they are (see ``remove_conclusion``).
    """
    require(actor, "conclusion.manage")
    require(actor, "task.create")
    if len(drafts) > MAX_CONCLUSIONS:
        raise ValidationFailed(
            f"Tối đa {MAX_CONCLUSIONS} kết luận cho một cuộc họp.",
            f"At most {MAX_CONCLUSIONS} conclusions per meeting.",
        )
    with session_scope(engine) as session:
        return _save(session, actor, meeting_for_update(session, meeting_id), drafts)


def _conclusion(session: Session, conclusion_id: int) -> Conclusion:
    c = session.get(Conclusion, int(conclusion_id))
    if c is None:
        raise NotFound(
            f"Không tìm thấy kết luận {conclusion_id}.", f"Conclusion {conclusion_id} does not exist."
        )
    return c


@retrying()
def update_conclusion(
    engine: Engine,
    actor: Actor,
    conclusion_id: int,
    expected_version: int,
    *,
    text: str | None = None,
    due_on=UNSET,
    lead_agency_code=UNSET,
    supporting_agency_codes=None,
    all_members: bool | None = None,
) -> SaveResult:
    """Edit one saved conclusion (e.g. its deadline); its open tasks follow."""
    require(actor, "conclusion.manage")
    require(actor, "task.create")
    with session_scope(engine) as session:
        c = _conclusion(session, conclusion_id)
        draft = ConclusionDraft(
            text=c.text if text is None else text,
            number=c.number,
            lead_agency_code=c.lead_agency_code if lead_agency_code is UNSET else lead_agency_code,
            supporting_agency_codes=tuple(a.code for a in c.supporting_agencies)
            if supporting_agency_codes is None
            else tuple(supporting_agency_codes),
            due_on=c.due_on if due_on is UNSET else due_on,
            all_members=c.all_members if all_members is None else all_members,
            expected_version=expected_version,
        )
        return _save(session, actor, meeting_for_update(session, c.meeting_id), [draft])


@retrying()
def remove_conclusion(engine: Engine, actor: Actor, conclusion_id: int, expected_version: int) -> None:
    """Delete a conclusion recorded by mistake, with its tasks, as long as no task has progressed."""
    require(actor, "conclusion.manage")
    with session_scope(engine) as session:
        c = _conclusion(session, conclusion_id)
        check_expected(session, c, expected_version, (f"Kết luận số {c.number}", f"Conclusion {c.number}"))
        tasks = list(session.scalars(select(Task).where(Task.conclusion_id == c.id)))
        moved = [t.code for t in tasks if t.status != "not_started" or t.percent_done or len(t.updates) > 1]
        if moved:
            raise ValidationFailed(
                f"Không xóa được kết luận số {c.number}: các nhiệm vụ {', '.join(moved)} "
                "đã có cập nhật tiến độ.",
                f"Conclusion {c.number} cannot be deleted: tasks {', '.join(moved)} "
                "already have progress updates.",
            )
        before = conclusion_snapshot(c)
        for task in tasks:
            audit.record(
                session,
                actor,
                "task.delete",
                "task",
                task.id,
                task_snapshot(task) | {"code": task.code},
                None,
            )
            session.delete(task)
        session.flush()
        audit.record(session, actor, "conclusion.delete", "conclusion", c.id, before, None)
        session.delete(c)
