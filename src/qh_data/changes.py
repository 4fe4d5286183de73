"""What changed since a date (the last meeting): counted in SQL, one statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Engine, bindparam, distinct, func, select

from .models import Issue, Task, TaskUpdate
from .queries import _one, read_connection


def _changes_statement():
    start, end = bindparam("start", type_=DateTime), bindparam("end", type_=DateTime)
    start_day, end_day = bindparam("start_day", type_=Date), bindparam("end_day", type_=Date)
    province = Task.province_code == bindparam("province")
    return select(
        select(func.count(distinct(TaskUpdate.task_id)))
        .join(Task, Task.id == TaskUpdate.task_id)
        .where(province, TaskUpdate.at > start, TaskUpdate.at <= end).scalar_subquery().label("tasks_updated"),
        select(func.count(Task.id)).where(
            province, Task.status == "done", Task.done_on > start_day, Task.done_on <= end_day
        ).scalar_subquery().label("tasks_done"),
        select(func.count(Task.id)).where(
            province, Task.assigned_on > start_day, Task.assigned_on <= end_day
        ).scalar_subquery().label("tasks_new"),
        select(func.count(Issue.id)).where(
            Issue.province_code == bindparam("province"), Issue.raised_on > start_day, Issue.raised_on <= end_day
        ).scalar_subquery().label("issues_new"),
        select(func.count(Issue.id)).where(
            Issue.province_code == bindparam("province"), Issue.resolved_on.is_not(None),
            Issue.resolved_on > start_day, Issue.resolved_on <= end_day
        ).scalar_subquery().label("issues_resolved"),
    )


_CHANGES = _changes_statement()


def changes_since(engine: Engine, *, province: str, since: dt.date | dt.datetime,
                  until: dt.date | dt.datetime | None = None) -> dict[str, int]:
    """Counts of task updates, completions, new tasks, new and resolved issues in [since, until)."""
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time.max)
    end = until if isinstance(until, dt.datetime) else (
        dt.datetime.combine(until, dt.time.max) if until else dt.datetime(9999, 1, 1))
    with read_connection(engine) as c:
        row = _one(c, _CHANGES, {"province": province, "start": start, "end": end, "start_day": start.date(),
                               "end_day": end.date()})
    return {key: int(value or 0) for key, value in row.items()}
