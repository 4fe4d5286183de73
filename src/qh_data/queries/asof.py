"""Figures as they stood at the end of a given day, so a past meeting's pack can be reproduced.

Tasks: the state of a task on day D is its newest ``TaskUpdate`` at or before the end of D (the
cutoff; ``qh_data.rules.end_of_day``). A task with updates only after the cutoff was then as it was
assigned (not started, 0 %); a task with no update at all has never changed, so its row is its state.
Tasks assigned after the cutoff's day did not exist yet. Timing is ``qh_data.rules.task_timing``
judged on D.

Indicator values: the revision submitted at or before the cutoff and not superseded by then
(``superseded_at`` null or later) — the same range filter the store is indexed for.

Everything is computed in SQL (window function for the newest update, GROUP BY for the counts);
statements are built once per shape (which filters are on), the day and cutoff are placeholders.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import Connection, Date, DateTime, Engine, bindparam, case, func, literal, or_, select

from ..models import (
    AdminUnitVersion,
    Agency,
    Indicator,
    IndicatorValue,
    PlanVersion,
    Task,
    TaskUpdate,
    task_admin_unit,
)
from ..rules import plan_validity, task_timing
from ..rules.end_of_day import counts_by_sql, end_of_day
from ..rules.task_timing import TASK_TIMINGS
from . import units
from ._common import count_if, read_connection, records


def _cutoff():
    return bindparam("end", type_=DateTime)


def _day():
    return bindparam("day", type_=Date)


def _task_state(*, by_districts: bool, by_agency: bool, by_meeting: bool, by_ids: bool):
    """Every task of the province as it stood at the cutoff ``end``: id, code, title, lead agency,
    meeting, conclusion, assigned_on, status, percent_done, due_on, done_on, is_demo (a subquery)."""
    end = _cutoff()
    ranked = (
        select(TaskUpdate.task_id.label("task_id"), TaskUpdate.status.label("status"),
               TaskUpdate.percent_done.label("percent_done"), TaskUpdate.due_on.label("due_on"),
               TaskUpdate.done_on.label("done_on"),
               func.row_number().over(partition_by=TaskUpdate.task_id,
                                      order_by=(TaskUpdate.at.desc(), TaskUpdate.id.desc())).label("rn"))
        .where(counts_by_sql(TaskUpdate.at, end))
        .subquery("ranked")
    )
    last = select(ranked).where(ranked.c.rn == 1).subquery("last")
    later = select(TaskUpdate.task_id.label("task_id")).where(TaskUpdate.at > end).distinct().subquery("later")
    has_last = last.c.task_id.is_not(None)
    has_later = later.c.task_id.is_not(None)
    status = case((has_last, last.c.status), (has_later, literal("not_started")), else_=Task.status)
    percent = case((has_last, last.c.percent_done), (has_later, literal(0)), else_=Task.percent_done)
    due = case((has_last, last.c.due_on), else_=Task.due_on)
    done = case((has_last, last.c.done_on), (has_later, literal(None)), else_=Task.done_on)
    stmt = (
        select(Task.id.label("id"), Task.code.label("code"), Task.title.label("title"),
               Task.lead_agency_code.label("lead_agency_code"), Task.meeting_id.label("meeting_id"),
               Task.conclusion_id.label("conclusion_id"), Task.assigned_on.label("assigned_on"),
               status.label("status"), percent.label("percent_done"), due.label("due_on"),
               done.label("done_on"), Task.is_demo.label("is_demo"))
        .select_from(Task)
        .outerjoin(last, last.c.task_id == Task.id)
        .outerjoin(later, later.c.task_id == Task.id)
        .where(Task.province_unit_id.in_(bindparam("province_ids", expanding=True)),
               Task.assigned_on <= bindparam("end_day", type_=Date))
    )
    if by_agency:
        stmt = stmt.where(Task.lead_agency_code == bindparam("agency"))
    if by_meeting:
        stmt = stmt.where(Task.meeting_id == bindparam("meeting_id"))
    if by_ids:
        stmt = stmt.where(Task.id.in_(bindparam("task_ids", expanding=True)))
    if by_districts:
        stmt = stmt.where(Task.id.in_(select(task_admin_unit.c.task_id).where(
            task_admin_unit.c.unit_id.in_(bindparam("unit_ids", expanding=True)))))
    return stmt.subquery("state")


def _timing(state):
    """The timing code of a task state row, judged on ``day`` (``soon``: the last day still due soon)."""
    return task_timing.timing_sql(state.c.status, state.c.due_on, state.c.done_on, _day(),
                                  bindparam("soon", type_=Date))


def _values(c: Connection, province: str, day: dt.date, cutoff: dt.datetime | None, *, districts=None,
            agency=None, meeting_id: int | None = None, task_ids=None, only_timing=None) -> dict:
    end = cutoff or end_of_day(day)
    return {**units.scope(c, province, day, list(districts or [])), "day": day, "soon": task_timing.soon_day(day),
            "end": end, "end_day": end.date(), "agency": agency,
            "meeting_id": None if meeting_id is None else int(meeting_id),
            "task_ids": [int(i) for i in task_ids] if task_ids is not None else [],
            "timing": list(only_timing or [])}


@functools.cache
def _task_states(by_districts: bool, by_agency: bool, by_meeting: bool, by_ids: bool, by_timing: bool):
    state = _task_state(by_districts=by_districts, by_agency=by_agency, by_meeting=by_meeting, by_ids=by_ids)
    timing = _timing(state)
    stmt = (select(state, timing.label("timing"), Agency.name.label("lead_name"),
                   Agency.short_name.label("lead_short_name"))
            .join(Agency, Agency.code == state.c.lead_agency_code))
    if by_timing:
        stmt = stmt.where(timing.in_(bindparam("timing", expanding=True)))
    return stmt.order_by(state.c.due_on, state.c.code)


def task_states(
    engine: Engine,
    *,
    province: str,
    day: dt.date,
    districts=None,
    agency: str | None = None,
    only_timing: tuple[str, ...] | None = None,
    cutoff: dt.datetime | None = None,
    meeting_id: int | None = None,
    task_ids=None,
) -> list[dict]:
    """Each task's state at ``cutoff`` (default end of ``day``) with its timing judged on ``day``;
    ``days_overdue`` is the days late of an overdue task (0 for the others)."""
    stmt = _task_states(bool(districts), bool(agency), meeting_id is not None, task_ids is not None,
                        bool(only_timing))
    with read_connection(engine) as c:
        values = _values(c, province, day, cutoff, districts=districts, agency=agency, meeting_id=meeting_id,
                         task_ids=task_ids, only_timing=only_timing)
        rows = records(c, stmt, values)
    for row in rows:
        row["days_overdue"] = (task_timing.days_late(row["due_on"], row["status"], row["done_on"], day)
                               if row["timing"] == "overdue" else 0)
    return rows


def overdue_tasks(
    engine: Engine,
    *,
    province: str,
    day: dt.date,
    districts=None,
    agency=None,
    cutoff: dt.datetime | None = None,
) -> list[dict]:
    """Tasks past their deadline and not done on ``day``, the longest overdue first."""
    rows = task_states(engine, province=province, day=day, districts=districts, agency=agency,
                       only_timing=("overdue",), cutoff=cutoff)
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["code"]))


_COUNTED = ("assigned", "not_started", "in_progress", "done", *TASK_TIMINGS)


@functools.cache
def _progress(by_districts: bool, by_agency: bool):
    state = _task_state(by_districts=by_districts, by_agency=by_agency, by_meeting=False, by_ids=False)
    timing = _timing(state)
    return (
        select(state.c.lead_agency_code.label("agency_code"), Agency.name.label("agency_name"),
               Agency.short_name.label("short_name"),
               count_if(state.c.status != "cancelled").label("assigned"),
               count_if(state.c.status == "not_started").label("not_started"),
               count_if(state.c.status == "in_progress").label("in_progress"),
               count_if(state.c.status == "done").label("done"),
               *[count_if(timing == code).label(code) for code in TASK_TIMINGS])
        .join(Agency, Agency.code == state.c.lead_agency_code)
        .group_by(state.c.lead_agency_code, Agency.name, Agency.short_name)
        .order_by(Agency.name)
    )


def progress_by_agency(
    engine: Engine,
    *,
    province: str,
    day: dt.date,
    districts=None,
    agency: str | None = None,
    cutoff: dt.datetime | None = None,
) -> list[dict]:
    """One row per lead agency: tasks assigned (not cancelled), by state and timing, on ``day``."""
    with read_connection(engine) as c:
        values = _values(c, province, day, cutoff, districts=districts, agency=agency)
        rows = records(c, _progress(bool(districts), bool(agency)), values)
    for row in rows:
        for key in _COUNTED:
            row[key] = int(row[key] or 0)
        row["share_done_on_time"] = row["done_on_time"] / row["assigned"] if row["assigned"] else 0.0
    return rows


@functools.cache
def _indicator_values(by_units: bool, by_codes: bool, as_of: bool):
    v = IndicatorValue
    u = AdminUnitVersion
    stmt = (select(v.indicator_code, u.code.label("admin_unit_code"), v.unit_id, v.period, v.period_type, v.year,
                   v.kind, v.value, v.revision, v.submitted_at, v.is_demo)
            .join(u, u.id == v.unit_id).where(units.in_province_sql(u)))
    if by_units:
        stmt = stmt.where(u.code.in_(bindparam("units", expanding=True)))
    if by_codes:
        stmt = stmt.where(v.indicator_code.in_(bindparam("codes", expanding=True)))
    if as_of:
        end = _cutoff()
        stmt = stmt.where(counts_by_sql(v.submitted_at, end), or_(v.superseded_at.is_(None), v.superseded_at > end),
                          plan_validity.targets_counted_sql(v, PlanVersion, True, end))
    else:
        stmt = stmt.where(v.superseded_at.is_(None), plan_validity.targets_counted_sql(v, PlanVersion, False))
    return stmt.order_by(v.indicator_code, u.code, v.period)


def indicator_values(
    engine: Engine, *, province: str, day: dt.date | dt.datetime | None, unit_codes=None, indicator_codes=None
) -> list[dict]:
    """The revisions in force at the end of ``day`` (``None``: the current ones) for the province
    and, when given, the listed units (districts)."""
    stmt = _indicator_values(bool(unit_codes), bool(indicator_codes), day is not None)
    values = {"units": list(unit_codes or []), "codes": list(indicator_codes or []),
              "end": None if day is None else end_of_day(day)}
    with read_connection(engine) as c:
        values["province_ids"] = units.province_scope(c, province)
        return records(c, stmt, values)


_INDICATOR_FIELDS = ("code", "name_vi", "name_en", "unit", "direction", "decimals", "group", "owner_role",
                     "is_rate", "is_demo", "aggregation")


@functools.cache
def _indicators(by_codes: bool):
    stmt = select(*[getattr(Indicator, f) for f in _INDICATOR_FIELDS]).order_by(Indicator.sort_order, Indicator.code)
    if by_codes:
        stmt = stmt.where(Indicator.code.in_(bindparam("codes", expanding=True)))
    return stmt


def indicators(engine: Engine, codes=None) -> dict[str, dict]:
    """The indicators (all, or the listed codes) by code: their names, unit, direction, decimals, group,
    owner role, is_rate, is_demo and aggregation."""
    with read_connection(engine) as c:
        rows = records(c, _indicators(bool(codes)), {"codes": list(codes or [])})
    return {row["code"]: row for row in rows}
