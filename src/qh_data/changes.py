"""What changed since a date (the last meeting): counted in SQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, distinct, func, select

from .db import read_session
from .models import Issue, Task, TaskUpdate


def changes_since(engine: Engine, *, province: str, since: dt.date | dt.datetime,
                  until: dt.date | dt.datetime | None = None) -> dict[str, int]:
    """Counts of task updates, completions, new tasks, new and resolved issues in [since, until)."""
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time.max)
    end = until if isinstance(until, dt.datetime) else (
        dt.datetime.combine(until, dt.time.max) if until else dt.datetime(9999, 1, 1))
    start_day, end_day = start.date(), end.date()
    with read_session(engine) as s:
        updated = s.scalar(
            select(func.count(distinct(TaskUpdate.task_id)))
            .join(Task, Task.id == TaskUpdate.task_id)
            .where(Task.province_code == province, TaskUpdate.at > start, TaskUpdate.at <= end))
        done = s.scalar(select(func.count(Task.id)).where(
            Task.province_code == province, Task.status == "done", Task.done_on > start_day,
            Task.done_on <= end_day))
        new_tasks = s.scalar(select(func.count(Task.id)).where(
            Task.province_code == province, Task.assigned_on > start_day, Task.assigned_on <= end_day))
        new_issues = s.scalar(select(func.count(Issue.id)).where(
            Issue.province_code == province, Issue.raised_on > start_day, Issue.raised_on <= end_day))
        resolved = s.scalar(select(func.count(Issue.id)).where(and_(
            Issue.province_code == province, Issue.resolved_on.is_not(None), Issue.resolved_on > start_day,
            Issue.resolved_on <= end_day)))
    return {"tasks_updated": updated or 0, "tasks_done": done or 0, "tasks_new": new_tasks or 0,
            "issues_new": new_issues or 0, "issues_resolved": resolved or 0}
