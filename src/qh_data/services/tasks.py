"""Writes to the task register. Each function: permission check, one transaction, audit entry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import TASK_STATUSES, Task, TaskUpdate
from ..permissions import Actor, require
from ..retry import retrying
from ..text import clean_text
from ..versioning import bump, check_expected


@dataclass(frozen=True)
class ProgressChange:
    status: str
    percent_done: int
    note: str | None = None
    done_on: dt.date | None = None


def task_snapshot(task: Task) -> dict:
    return {
        "status": task.status, "percent_done": task.percent_done, "due_on": task.due_on,
        "done_on": task.done_on, "version": task.version,
    }


def _validate(change: ProgressChange) -> ProgressChange:
    if change.status not in TASK_STATUSES:
        raise ValidationFailed(f"Trạng thái '{change.status}' không hợp lệ.",
                               f"Status '{change.status}' is not valid.")
    if not 0 <= int(change.percent_done) <= 100:
        raise ValidationFailed("Tỷ lệ hoàn thành phải từ 0 đến 100 %.", "Percent done must be between 0 and 100.")
    return change


def load_task_for_update(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id, with_for_update=session.bind.dialect.name != "sqlite")
    if task is None:
        raise NotFound(f"Không tìm thấy nhiệm vụ số {task_id}.", f"Task {task_id} does not exist.")
    return task


def apply_progress(session: Session, actor: Actor, task: Task, change: ProgressChange,
                   expected_version: int) -> Task:
    """Apply one progress change inside an open session (used by the page form and the Excel door)."""
    require(actor, "task.update", [task.lead_agency_code])
    _validate(change)
    check_expected(session, task, expected_version)
    note = clean_text(change.note, field="ghi chú / note", max_len=4000) if change.note else None
    before = task_snapshot(task)
    now = clock.now()
    task.status = change.status
    task.percent_done = 100 if change.status == "done" else int(change.percent_done)
    if change.status == "done":
        task.done_on = change.done_on or task.done_on or now.date()
    else:
        task.done_on = None
    bump(task)
    task.updated_at = now
    task.updated_by_id = actor.user_id
    session.add(TaskUpdate(task=task, at=now, user_id=actor.user_id, status=task.status,
                           percent_done=task.percent_done, due_on=task.due_on, done_on=task.done_on,
                           note=note, version=task.version))
    audit.record(session, actor, "task.update", "task", task.id, before, task_snapshot(task) | {"note": note})
    return task


@retrying()
def update_progress(engine: Engine, actor: Actor, task_id: int, change: ProgressChange,
                    expected_version: int) -> Task:
    """Record a progress update; refuses a stale edit (the version counter moved since it was read)."""
    require(actor, "task.update")  # cheap refusal before any read for viewers
    with session_scope(engine) as session:
        task = load_task_for_update(session, task_id)
        return apply_progress(session, actor, task, change, expected_version)

