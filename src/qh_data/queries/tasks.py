"""Task queries: counts per lead agency and totals, the task list, one task's history.

Conventions
-----------
* ``province`` — the province's GSO code: the tasks of its version in force on the day and of the versions
  it came from (``queries.units.province_scope``).
* ``districts`` — district codes: a task is in scope when it is linked to one of them
  (``task_admin_unit``) OR its lead agency is that district's People's Committee
  (``agency.unit_id`` among them); codes are resolved to versions by ``queries.units.scope``.
* ``agency`` — an agency code, or a list of them (an agency's family through a reorganisation,
  ``queries.succession``): tasks one of them leads or supports (``role`` narrows this in ``list_tasks``).
* ``as_of`` — the day the timing is judged on (default: Vietnam today). Tasks assigned after that day
  are left out (they did not exist yet). Status, percent and done day are the stored, current ones:
  for a faithful picture of a past day use ``qh_data.queries.asof``.
* Timing codes and days late are the rule of ``qh_data.rules.task_timing`` in its SQL form, judged on
  the placeholders ``day`` and ``soon`` (the last day still "due soon") that ``_task_values`` fills in.
* ``assigned`` (per agency) and ``total`` (totals) count the tasks that are not cancelled;
  ``cancelled`` is given apart, so ``assigned = done + in_progress + not_started``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Date, Engine, Float, Integer, bindparam, cast, func, or_, select
from sqlalchemy.orm import aliased

from ..errors import ValidationFailed
from ..models import AdminUnitVersion, Agency, Task, TaskUpdate, User, task_admin_unit, task_supporting_agency
from ..records import Records
from ..rules import task_timing
from ..rules.open_status import OPEN_TASK_STATUSES
from ..text import fold
from . import units
from ._common import code_list, count_if, day_of, day_param, in_ids, one, read_connection, records, sort_name

ROLES = ("any", "lead", "supporting")
TASK_ORDERS = ("due", "overdue", "code", "updated", "assigned")


def _timing(t=Task):
    """The timing code of each task, judged on ``day`` (``soon``: the last day still due soon)."""
    return task_timing.timing_sql(t.status, t.due_on, t.done_on, day_param(), bindparam("soon", type_=Date))


def _days_late(dialect: str, t=Task, *, default=0):
    return task_timing.days_late_sql(dialect, t.status, t.due_on, t.done_on, day_param(), default=default)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"Vai trò '{role}' không hợp lệ: any, lead hoặc supporting.",
                               f"Role '{role}' is not valid: any, lead or supporting.")


def _task_scope(districts=None, agency: str | list[str] | None = None, role: str = "any"
                ) -> tuple[bool, str | None]:
    """The shape of a task scope: (districts given, the agency's role or None)."""
    _check_role(role)
    return bool(code_list(districts)), (role if code_list(agency) else None)


def _task_where(by_districts: bool, role: str | None) -> list:
    conds = [Task.province_unit_id.in_(bindparam("province_ids", expanding=True)), Task.assigned_on <= day_param()]
    if by_districts:
        ids = bindparam("unit_ids", expanding=True)
        tau = task_admin_unit.c
        conds.append(or_(
            Task.id.in_(select(tau.task_id).where(tau.unit_id.in_(ids))),
            Task.lead_agency_code.in_(select(Agency.code).where(Agency.unit_id.in_(ids))),
        ))
    if role:
        supporting = Task.id.in_(select(task_supporting_agency.c.task_id)
                                 .where(task_supporting_agency.c.agency_code.in_(bindparam("agencies", expanding=True))))
        lead = Task.lead_agency_code.in_(bindparam("agencies", expanding=True))
        if role == "lead":
            conds.append(lead)
        elif role == "supporting":
            conds.append(supporting)
        else:
            conds.append(or_(lead, supporting))
    return conds


def _task_values(c: Connection, province: str, day: dt.date, districts=None,
                 agency: str | list[str] | None = None) -> dict[str, Any]:
    return {**units.scope(c, province, day, code_list(districts)), "day": day, "soon": task_timing.soon_day(day),
            "agencies": code_list(agency) or []}


def _task_aggregates(dialect: str) -> list:
    timing = _timing()
    late = _days_late(dialect, default=None)
    return [
        count_if(Task.status != "cancelled").label("assigned"),
        count_if(Task.status == "done").label("done"),
        count_if(timing == "done_on_time").label("done_on_time"),
        count_if(timing == "done_late").label("done_late"),
        count_if(Task.status == "in_progress").label("in_progress"),
        count_if(Task.status == "not_started").label("not_started"),
        count_if(timing == "overdue").label("overdue"),
        count_if(timing == "due_soon").label("due_soon"),
        count_if(timing == "on_track").label("on_track"),
        count_if(timing == "no_deadline").label("no_deadline"),
        count_if(timing == "cancelled").label("cancelled"),
        cast(func.avg(late), Float).label("avg_days_late"),
    ]


COUNT_KEYS = ("assigned", "done", "done_on_time", "done_late", "in_progress", "not_started", "overdue",
              "due_soon", "on_track", "no_deadline", "cancelled")
AGENCY_COUNT_COLUMNS = ("agency_code", "agency_name", "short_name", *COUNT_KEYS, "share_done_on_time",
                        "avg_days_late")

@functools.cache
def _counts_by_agency(dialect: str, by_districts: bool, role: str | None):
    return (select(Task.lead_agency_code.label("agency_code"), Agency.name.label("agency_name"),
                   Agency.short_name, *_task_aggregates(dialect))
            .join(Agency, Agency.code == Task.lead_agency_code)
            .where(*_task_where(by_districts, role))
            .group_by(Task.lead_agency_code, Agency.name, Agency.short_name))


def task_counts_by_agency(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                          as_of: dt.date | None = None) -> Records:
    """One row per lead agency: AGENCY_COUNT_COLUMNS.

    ``assigned`` excludes cancelled tasks; ``done = done_on_time + done_late``; ``in_progress`` and
    ``not_started`` are stored statuses (they include the overdue ones); ``overdue``, ``due_soon``,
    ``on_track``, ``no_deadline`` are timings of open tasks. ``share_done_on_time`` = done_on_time /
    assigned (a fraction 0–1, NaN when nothing is assigned). ``avg_days_late`` is the mean of days
    late over tasks done late and overdue tasks (NaN when there are none).
    """
    day = day_of(as_of)
    stmt = _counts_by_agency(engine.dialect.name, *_task_scope(districts, agency))
    with read_connection(engine) as c:
        rows = records(c, stmt, _task_values(c, province, day, districts, agency))
    for row in rows:
        for key in COUNT_KEYS:
            row[key] = int(row[key] or 0)
        row["share_done_on_time"] = row["done_on_time"] / row["assigned"] if row["assigned"] else float("nan")
        row["avg_days_late"] = float("nan") if row["avg_days_late"] is None else float(row["avg_days_late"])
    rows.sort(key=lambda r: sort_name(r["agency_name"]))
    return Records(rows, AGENCY_COUNT_COLUMNS)


@functools.cache
def _totals(dialect: str, by_districts: bool, role: str | None):
    return select(*_task_aggregates(dialect)).where(*_task_where(by_districts, role))


def task_totals(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                as_of: dt.date | None = None) -> dict[str, Any]:
    """Totals over the same scope as ``task_counts_by_agency``.

    Keys: total (not cancelled = done + in_progress + not_started), all (cancelled included), done,
    done_on_time, done_late, in_progress, not_started, overdue, due_soon (within DUE_SOON_DAYS),
    on_track, no_deadline, cancelled, avg_days_late (None when no task is late).
    """
    day = day_of(as_of)
    stmt = _totals(engine.dialect.name, *_task_scope(districts, agency))
    with read_connection(engine) as c:
        row = one(c, stmt, _task_values(c, province, day, districts, agency))
    out: dict[str, Any] = {key: int(row[key] or 0) for key in COUNT_KEYS}
    out["total"] = out["assigned"]
    out["all"] = out["assigned"] + out["cancelled"]
    out["avg_days_late"] = None if row["avg_days_late"] is None else float(row["avg_days_late"])
    return out


TASK_COLUMNS = (
    "id", "code", "title", "source_document", "stage", "lead_agency_code", "lead_name", "lead_short_name",
    "supporting", "supporting_names", "supporting_codes", "units", "unit_codes", "assigned_on", "due_on",
    "status", "percent_done", "done_on", "timing", "days_late", "version", "meeting_id", "conclusion_id",
    "updated_at", "is_demo",
)


@functools.cache
def _task_list(dialect: str, by_districts: bool, role: str | None, by_status: bool, by_timing: bool,
               due_from: bool, due_to: bool, meeting: bool, order: str, limited: bool):
    conds = _task_where(by_districts, role)
    if by_status:
        conds.append(Task.status.in_(bindparam("status", expanding=True)))
    timing_expr = _timing()
    if by_timing:
        conds.append(_timing().in_(bindparam("timing", expanding=True)))
    if due_from:
        conds.append(Task.due_on >= bindparam("due_from", type_=Date))
    if due_to:
        conds.append(Task.due_on <= bindparam("due_to", type_=Date))
    if meeting:
        conds.append(Task.meeting_id == bindparam("meeting_id", type_=Integer))
    lead = aliased(Agency)
    late = _days_late(dialect)
    stmt = (
        select(Task.id, Task.code, Task.title, Task.source_document, Task.stage, Task.lead_agency_code,
               lead.name.label("lead_name"), lead.short_name.label("lead_short_name"), Task.assigned_on,
               Task.due_on, Task.status, Task.percent_done, Task.done_on, timing_expr.label("timing"),
               late.label("days_late"), Task.version, Task.meeting_id, Task.conclusion_id, Task.updated_at,
               Task.is_demo)
        .join(lead, lead.code == Task.lead_agency_code)
        .where(*conds)
    )
    if order == "due":
        stmt = stmt.order_by(Task.due_on.is_(None), Task.due_on, Task.code)
    elif order == "overdue":
        stmt = stmt.order_by(late.desc(), Task.due_on.is_(None), Task.due_on, Task.code)
    elif order == "code":
        stmt = stmt.order_by(Task.code)
    elif order == "updated":
        stmt = stmt.order_by(Task.updated_at.desc(), Task.id.desc())
    else:
        stmt = stmt.order_by(Task.assigned_on.desc(), Task.id.desc())
    if limited:
        stmt = stmt.limit(bindparam("limit", type_=Integer))
    return stmt


_TASK_SUPPORTING = (
    select(task_supporting_agency.c.task_id, Agency.code, Agency.name, Agency.short_name)
    .join(Agency, Agency.code == task_supporting_agency.c.agency_code)
    .where(in_ids(task_supporting_agency.c.task_id))
    .order_by(task_supporting_agency.c.task_id, Agency.code))

_TASK_UNITS = (
    select(task_admin_unit.c.task_id, AdminUnitVersion.code, AdminUnitVersion.name)
    .join(AdminUnitVersion, AdminUnitVersion.id == task_admin_unit.c.unit_id)
    .where(in_ids(task_admin_unit.c.task_id))
    .order_by(task_admin_unit.c.task_id, AdminUnitVersion.code))


def list_tasks(engine: Engine, province: str, *, districts=None, agency: str | None = None, role: str = "any",
               statuses=None, timing=None, due_from: dt.date | None = None, due_to: dt.date | None = None,
               text: str | None = None, source: str | None = None, meeting_id: int | None = None,
               as_of: dt.date | None = None, limit: int | None = None, order: str = "due") -> Records:
    """Tasks in scope, one row each: TASK_COLUMNS.

    ``role``: with ``agency``, ``lead`` keeps the tasks it leads, ``supporting`` those it supports,
    ``any`` both. ``statuses``: stored statuses; ``timing``: timing codes of ``qh_data.status``;
    ``due_from``/``due_to``: due day range, both included. ``text``: words found in the code or the
    title, ignoring case and diacritics ("tien do" finds "Tiến độ"); ``source``: part of the source
    document, the same way. Both are matched in Python on the rows the SQL filters leave (nothing
    folded is stored), and ``limit`` is then applied after them. ``order``: due (soonest first, no
    deadline last), overdue (most days late first), code, updated (latest first), assigned (latest
    first).

    ``supporting`` is the supporting agencies' short names joined by ", " (full names in
    ``supporting_names``, codes in ``supporting_codes``); ``units`` likewise the linked units' names.
    ``days_late`` is 0 unless the timing is overdue or done_late.
    """
    if order not in TASK_ORDERS:
        raise ValidationFailed(f"Cách sắp xếp '{order}' không hợp lệ.", f"Order '{order}' is not valid.")
    day = day_of(as_of)
    by_districts, role_shape = _task_scope(districts, agency, role)
    values = {}
    status_codes = code_list(statuses) or []
    timing_codes = code_list(timing) or []
    values.update(status=status_codes, timing=timing_codes, due_from=due_from, due_to=due_to,
                  meeting_id=None if meeting_id is None else int(meeting_id))
    source = (source or "").strip() or None
    text = (text or "").strip() or None
    python_filter = bool(text or source)
    limited = limit is not None and not python_filter
    if limited:
        values["limit"] = max(0, int(limit))
    stmt = _task_list(engine.dialect.name, by_districts, role_shape, bool(status_codes), bool(timing_codes),
                      due_from is not None, due_to is not None, meeting_id is not None, order, limited)
    with read_connection(engine) as c:
        values.update(_task_values(c, province, day, districts, agency))
        rows = records(c, stmt, values)
        if python_filter:
            needle = fold(text) if text else None
            src = fold(source) if source else None
            rows = [row for row in rows
                    if (needle is None or needle in fold(f"{row['code']} {row['title']}"))
                    and (src is None or src in fold(row["source_document"] or ""))]
            if limit is not None:
                rows = rows[: max(0, int(limit))]
        supporting: dict[int, list[tuple]] = defaultdict(list)
        units: dict[int, list[tuple]] = defaultdict(list)
        if rows:
            ids = {"ids": [row["id"] for row in rows]}
            for task_id, code, name, short_name in c.execute(_TASK_SUPPORTING, ids).all():
                supporting[task_id].append((code, name, short_name or name))
            for task_id, code, name in c.execute(_TASK_UNITS, ids).all():
                units[task_id].append((code, name))
    for row in rows:
        sup = supporting.get(row["id"], ())
        row["supporting"] = ", ".join(x[2] for x in sup)
        row["supporting_names"] = ", ".join(x[1] for x in sup)
        row["supporting_codes"] = ", ".join(x[0] for x in sup)
        un = units.get(row["id"], ())
        row["units"] = ", ".join(x[1] for x in un)
        row["unit_codes"] = ", ".join(x[0] for x in un)
        row["days_late"] = int(row["days_late"] or 0)
    return Records(rows, TASK_COLUMNS)


def overdue_tasks(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                  as_of: dt.date | None = None, limit: int | None = None) -> Records:
    """Overdue tasks (not done, due before ``as_of``), the most days late first: TASK_COLUMNS."""
    return list_tasks(engine, province, districts=districts, agency=agency, timing=["overdue"], as_of=as_of,
                      limit=limit, order="overdue")


def due_soon_tasks(engine: Engine, province: str, *, days: int = task_timing.DUE_SOON_DAYS, districts=None,
                   agency: str | None = None, as_of: dt.date | None = None,
                   limit: int | None = None) -> Records:
    """Open tasks due from ``as_of`` to ``as_of + days`` (both included), soonest first: TASK_COLUMNS.

    With ``days`` beyond DUE_SOON_DAYS the later ones keep the timing ``on_track``.
    """
    day = day_of(as_of)
    return list_tasks(engine, province, districts=districts, agency=agency,
                      statuses=list(OPEN_TASK_STATUSES), due_from=day,
                      due_to=day + dt.timedelta(days=int(days)), as_of=day, limit=limit, order="due")


HISTORY_COLUMNS = ("id", "task_id", "at", "user_id", "username", "user_name", "status", "percent_done",
                   "due_on", "done_on", "note", "version")

_TASK_HISTORY = (
    select(TaskUpdate.id, TaskUpdate.task_id, TaskUpdate.at, TaskUpdate.user_id, User.username,
           User.display_name.label("user_name"), TaskUpdate.status, TaskUpdate.percent_done, TaskUpdate.due_on,
           TaskUpdate.done_on, TaskUpdate.note, TaskUpdate.version)
    .outerjoin(User, User.id == TaskUpdate.user_id)
    .where(TaskUpdate.task_id == bindparam("task_id", type_=Integer))
    .order_by(TaskUpdate.at.desc(), TaskUpdate.id.desc()))


def task_history(engine: Engine, task_id: int) -> Records:
    """Every recorded change of one task, newest first: HISTORY_COLUMNS (user_name = display name)."""
    with read_connection(engine) as c:
        return Records(records(c, _TASK_HISTORY, {"task_id": int(task_id)}), HISTORY_COLUMNS)

