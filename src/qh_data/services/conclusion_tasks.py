"""The tasks a meeting's conclusion creates, and how they follow when the conclusion changes.

A conclusion addressed to a lead agency becomes one task for that agency; a conclusion addressed to
"all members of the committee" becomes one task per member agency of the province
(``Agency.is_committee_member``), plus the lead agency when one is named. Tasks are keyed by
(conclusion, agency), so saving the same conclusion again creates nothing twice; a changed text or
deadline is carried to the conclusion's open tasks (a changed deadline with a ``TaskUpdate`` line),
and an open task whose agency is no longer addressed is cancelled. Done or cancelled tasks keep
what they were.

Called by ``services.conclusions`` inside its transaction, after its permission checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import audit, clock
from ..errors import ValidationFailed
from ..models import AdminUnitVersion, Agency, Conclusion, Meeting, Task, TaskUpdate
from ..permissions import Actor
from ..rules.open_status import task_is_open
from ..versioning import bump
from .meetings import member_agencies
from .tasks import task_snapshot


@dataclass
class TaskChanges:
    """The codes of the tasks created, brought up to date and cancelled."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def task_code(meeting: Meeting, number: int, agency_code: str) -> str:
    """``H<meeting>-KL<number>-<agency>``: the code of the task conclusion ``number`` gives an agency."""
    code = f"H{meeting.id}-KL{number}-{agency_code}"
    if len(code) > 40:
        raise ValidationFailed(
            f"Mã cơ quan {agency_code} quá dài để đặt mã nhiệm vụ.",
            f"Agency code {agency_code} is too long for a task code.",
        )
    return code


def _targets(session: Session, meeting: Meeting, conclusion: Conclusion) -> list[str]:
    codes: list[str] = []
    if conclusion.lead_agency_code:
        codes.append(conclusion.lead_agency_code)
    if conclusion.all_members:
        codes += [a.code for a in member_agencies(session, meeting.province_code)]
    return list(dict.fromkeys(codes))


def _source(meeting: Meeting, number: int) -> str:
    day = meeting.held_on.strftime("%d/%m/%Y")
    if meeting.notice_number:
        return f"Thông báo kết luận số {meeting.notice_number}, mục {number} (cuộc họp ngày {day})"
    return f"Kết luận cuộc họp Ban Chỉ đạo ngày {day}, mục {number}"


def _task_title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first if len(first) <= 300 else first[:299].rstrip() + "…"


def _units_of(agency: Agency) -> list[AdminUnitVersion]:
    """A district People's Committee's task is about its district."""
    if agency.kind == "ubnd_huyen" and agency.unit is not None and agency.unit.level == "district":
        return [agency.unit]
    return []


def _progress_line(task: Task, at, actor: Actor, status: str, done_on, note: str) -> TaskUpdate:
    return TaskUpdate(
        task=task,
        at=at,
        user_id=actor.user_id,
        status=status,
        percent_done=task.percent_done,
        due_on=task.due_on,
        done_on=done_on,
        version=task.version,
        note=note,
    )


def _create(
    session: Session,
    actor: Actor,
    meeting: Meeting,
    conclusion: Conclusion,
    code: str,
    others: list[Agency],
    now,
) -> Task:
    agency = session.get(Agency, code)
    task = Task(
        code=task_code(meeting, conclusion.number, code),
        title=_task_title(conclusion.text),
        description=conclusion.text,
        province_unit_id=meeting.province_unit_id,
        source_document=_source(meeting, conclusion.number),
        meeting_id=meeting.id,
        conclusion_id=conclusion.id,
        lead_agency_code=code,
        assigned_on=meeting.held_on,
        due_on=conclusion.due_on,
        status="not_started",
        percent_done=0,
        version=1,
        created_at=now,
        updated_at=now,
        updated_by_id=actor.user_id,
        is_demo=meeting.is_demo,
    )
    task.supporting_agencies = others
    task.admin_units = _units_of(agency)
    session.add(task)
    session.flush()
    day = meeting.held_on.strftime("%d/%m/%Y")
    session.add(
        _progress_line(
            task,
            now,
            actor,
            "not_started",
            None,
            f"Giao theo kết luận số {conclusion.number} của cuộc họp ngày {day}.",
        )
    )
    audit.record(
        session,
        actor,
        "task.create",
        "task",
        task.id,
        None,
        task_snapshot(task) | {"code": task.code, "conclusion_id": conclusion.id, "lead_agency": code},
    )
    return task


def _bring_up_to_date(
    session: Session,
    actor: Actor,
    meeting: Meeting,
    conclusion: Conclusion,
    task: Task,
    others: list[Agency],
    now,
) -> bool:
    """Carry the conclusion's text, deadline and supporting agencies to an open task; True if it changed."""
    before = task_snapshot(task) | {
        "title": task.title,
        "supporting": sorted(a.code for a in task.supporting_agencies),
    }
    due_changed = task.due_on != conclusion.due_on
    task.title = _task_title(conclusion.text)
    task.description = conclusion.text
    task.source_document = _source(meeting, conclusion.number)
    task.due_on = conclusion.due_on
    task.supporting_agencies = others
    after = task_snapshot(task) | {"title": task.title, "supporting": sorted(a.code for a in others)}
    if after == before:
        return False
    bump(task)
    task.updated_at = now
    task.updated_by_id = actor.user_id
    if due_changed:
        new_due = conclusion.due_on.strftime("%d/%m/%Y") if conclusion.due_on else "không thời hạn"
        session.add(
            _progress_line(
                task,
                now,
                actor,
                task.status,
                task.done_on,
                f"Thời hạn điều chỉnh theo kết luận số {conclusion.number}: {new_due}.",
            )
        )
    audit.record(
        session,
        actor,
        "task.edit",
        "task",
        task.id,
        before,
        task_snapshot(task) | {"title": task.title, "supporting": sorted(a.code for a in others)},
    )
    return True


def _cancel(session: Session, actor: Actor, conclusion: Conclusion, task: Task, now) -> None:
    before = task_snapshot(task)
    task.status = "cancelled"
    bump(task)
    task.updated_at = now
    task.updated_by_id = actor.user_id
    session.add(
        _progress_line(
            task,
            now,
            actor,
            "cancelled",
            None,
            f"Kết luận số {conclusion.number} không còn giao cho cơ quan này.",
        )
    )
    audit.record(session, actor, "task.cancel", "task", task.id, before, task_snapshot(task))


def sync_tasks(session: Session, actor: Actor, meeting: Meeting, conclusion: Conclusion) -> TaskChanges:
    """Create, bring up to date or cancel the conclusion's tasks (see the module) in ``session``."""
    now = clock.now()
    changes = TaskChanges()
    targets = _targets(session, meeting, conclusion)
    # Keyed by the agency the conclusion addressed: a task reassigned away from a ceased agency
    # (services.reassignment, possibly fanned out to several communes) still answers for it.
    existing: dict[str, list[Task]] = {}
    for t in session.scalars(
        select(Task)
        .where(Task.conclusion_id == conclusion.id)
        .order_by(Task.id)
        .options(selectinload(Task.supporting_agencies))
    ):
        existing.setdefault(t.reassigned_from_code or t.lead_agency_code, []).append(t)
    supporting = list(conclusion.supporting_agencies)
    for code in targets:
        found = existing.get(code)
        others = [a for a in supporting if a.code != code]
        if not found:
            changes.created.append(_create(session, actor, meeting, conclusion, code, others, now).code)
            continue
        for task in found:
            if task_is_open(task.status) and _bring_up_to_date(
                session, actor, meeting, conclusion, task,
                [a for a in supporting if a.code != task.lead_agency_code], now
            ):
                changes.updated.append(task.code)
    for code, found in existing.items():
        for task in found:
            if code not in targets and task_is_open(task.status):
                _cancel(session, actor, conclusion, task, now)
                changes.cancelled.append(task.code)
    return changes
