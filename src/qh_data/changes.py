"""What changed since a date (the last meeting): counted in SQL, one statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Engine, distinct, func, select

from .models import Issue, Task, TaskUpdate
from .reads import Prepared, param, reading


def _changes_statement(dialect: str):
    start, end = param("start", DateTime), param("end", DateTime)
    start_day, end_day = param("start_day", Date), param("end_day", Date)
    province = Task.province_code == param("province")
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
            Issue.province_code == param("province"), Issue.raised_on > start_day, Issue.raised_on <= end_day
        ).scalar_subquery().label("issues_new"),
        select(func.count(Issue.id)).where(
            Issue.province_code == param("province"), Issue.resolved_on.is_not(None),
            Issue.resolved_on > start_day, Issue.resolved_on <= end_day
        ).scalar_subquery().label("issues_resolved"),
    )


_CHANGES = Prepared(_changes_statement)


def changes_since(engine: Engine, *, province: str, since: dt.date | dt.datetime,
                  until: dt.date | dt.datetime | None = None) -> dict[str, int]:
    """Counts of task updates, completions, new tasks, new and resolved issues in [since, until)."""
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time.max)
    end = until if isinstance(until, dt.datetime) else (
        dt.datetime.combine(until, dt.time.max) if until else dt.datetime(9999, 1, 1))
    with reading(engine) as r:
        row = r.one(_CHANGES, {"province": province, "start": start, "end": end, "start_day": start.date(),
                               "end_day": end.date()})
    return {key: int(value or 0) for key, value in row.items()}
