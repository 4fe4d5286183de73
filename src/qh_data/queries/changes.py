"""What changed since a day (the last meeting): counts in one statement, and the task updates themselves.

A date given as ``since`` or ``until`` means the end of that day (``qh_data.rules.end_of_day``).
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Date, DateTime, Engine, Integer, bindparam, distinct, func, select
from sqlalchemy.orm import aliased

from ..models import Agency, Issue, Task, TaskUpdate, User
from ..records import Records
from ..rules.end_of_day import end_of_day
from . import units
from ._common import one, read_connection, records
from .tasks import _task_scope, _task_values, _task_where


def _changes_statement():
    start, end = bindparam("start", type_=DateTime), bindparam("end", type_=DateTime)
    start_day, end_day = bindparam("start_day", type_=Date), bindparam("end_day", type_=Date)
    province = Task.province_unit_id.in_(bindparam("province_ids", expanding=True))
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
            Issue.province_unit_id.in_(bindparam("province_ids", expanding=True)), Issue.raised_on > start_day,
            Issue.raised_on <= end_day
        ).scalar_subquery().label("issues_new"),
        select(func.count(Issue.id)).where(
            Issue.province_unit_id.in_(bindparam("province_ids", expanding=True)), Issue.resolved_on.is_not(None),
            Issue.resolved_on > start_day, Issue.resolved_on <= end_day
        ).scalar_subquery().label("issues_resolved"),
    )


_CHANGES = _changes_statement()


def changes_since(engine: Engine, *, province: str, since: dt.date | dt.datetime,
                  until: dt.date | dt.datetime | None = None) -> dict[str, int]:
    """Counts of task updates, completions, new tasks, new and resolved issues in [since, until)."""
    start = end_of_day(since)
    end = end_of_day(until) if until else dt.datetime(9999, 1, 1)
    with read_connection(engine) as c:
        row = one(c, _CHANGES, {"province_ids": units.province_scope(c, province, dt.date.max), "start": start, "end": end, "start_day": start.date(),
                                "end_day": end.date()})
    return {key: int(value or 0) for key, value in row.items()}


CHANGE_COLUMNS = ("update_id", "task_id", "code", "title", "lead_agency_code", "lead_short_name", "at",
                  "user_name", "status", "previous_status", "percent_done", "previous_percent", "due_on",
                  "previous_due_on", "done_on", "note", "version")


@functools.cache
def _task_changes(by_districts: bool, role: str | None, until: bool, limited: bool):
    window = {"partition_by": TaskUpdate.task_id, "order_by": (TaskUpdate.at, TaskUpdate.id)}
    u = TaskUpdate
    ranked = (
        select(u.id.label("update_id"), u.task_id, u.at, u.user_id, u.status, u.percent_done, u.due_on,
               u.done_on, u.note, u.version,
               func.lag(u.status, type_=u.status.type).over(**window).label("previous_status"),
               func.lag(u.percent_done, type_=Integer).over(**window).label("previous_percent"),
               func.lag(u.due_on, type_=Date).over(**window).label("previous_due_on"))
        .where(TaskUpdate.task_id.in_(select(Task.id).where(*_task_where(by_districts, role))))
        .subquery("ranked")
    )
    lead = aliased(Agency)
    stmt = (
        select(ranked.c.update_id, ranked.c.task_id, Task.code, Task.title,
               Task.lead_agency_code, lead.short_name.label("lead_short_name"),
               ranked.c.at, User.display_name.label("user_name"), ranked.c.status, ranked.c.previous_status,
               ranked.c.percent_done, ranked.c.previous_percent, ranked.c.due_on,
               ranked.c.previous_due_on, ranked.c.done_on, ranked.c.note,
               ranked.c.version)
        .join(Task, Task.id == ranked.c.task_id)
        .join(lead, lead.code == Task.lead_agency_code)
        .outerjoin(User, User.id == ranked.c.user_id)
        .where(ranked.c.at > bindparam("start", type_=DateTime))
        .order_by(ranked.c.at.desc(), ranked.c.update_id.desc())
    )
    if until:
        stmt = stmt.where(ranked.c.at <= bindparam("end", type_=DateTime))
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    return stmt


def task_changes_since(engine: Engine, province: str, since: dt.date | dt.datetime, *,
                       until: dt.date | dt.datetime | None = None, districts=None, agency: str | None = None,
                       limit: int | None = None) -> Records:
    """Task updates after ``since`` (a date means after the end of that day, as in
    ``changes_since``) up to ``until`` (included), newest first: CHANGE_COLUMNS. ``previous_*``
    are the task's values at its update before this one (None for its first record)."""
    start = end_of_day(since)
    end = None if until is None else end_of_day(until)
    values = {"start": start, "end": end, "limit": None if limit is None else max(0, int(limit))}
    stmt = _task_changes(*_task_scope(districts, agency), end is not None, limit is not None)
    with read_connection(engine) as c:
        values.update(_task_values(c, province, dt.date.max, districts, agency))
        rows = records(c, stmt, values)
    return Records(rows, CHANGE_COLUMNS)

