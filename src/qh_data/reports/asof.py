"""Figures as they stood at the end of a given day, so a past meeting's pack can be reproduced.

Tasks: the state of a task on day D is its newest ``TaskUpdate`` at or before the end of D. A task
with updates only after D was then as it was assigned (not started, 0 %); a task with no update at
all has never changed, so its row is its state. Tasks assigned after D did not exist yet.

Indicator values: the revision submitted at or before the end of D and not superseded by then
(``superseded_at`` null or later than D) — the same range filter the store is indexed for.

Everything is computed in SQL (window function for the newest update, GROUP BY for the counts).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, case, func, literal, select

from ..db import read_session
from ..models import Agency, Indicator, IndicatorValue, Task, TaskUpdate, task_admin_unit

DUE_SOON_DAYS = 7
OPEN = ("not_started", "in_progress")
TIMINGS = ("done_on_time", "done_late", "on_track", "due_soon", "overdue", "no_deadline", "cancelled")


def end_of(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day
    return dt.datetime.combine(day, dt.time(23, 59, 59))


def task_state_query(
    province: str,
    day: dt.date,
    *,
    districts=None,
    agency: str | None = None,
    cutoff: dt.datetime | None = None,
    meeting_id: int | None = None,
    task_ids=None,
):
    """A SELECT of every task of the province as it stood at ``cutoff`` (default: the end of ``day``):
    id, code, title, lead agency, due_on, status, percent_done, done_on. Tasks assigned after the
    cutoff's day are left out."""
    end = cutoff or end_of(day)
    ranked = (
        select(
            TaskUpdate.task_id.label("task_id"),
            TaskUpdate.status.label("status"),
            TaskUpdate.percent_done.label("percent_done"),
            TaskUpdate.due_on.label("due_on"),
            TaskUpdate.done_on.label("done_on"),
            func.row_number()
            .over(partition_by=TaskUpdate.task_id, order_by=(TaskUpdate.at.desc(), TaskUpdate.id.desc()))
            .label("rn"),
        )
        .where(TaskUpdate.at <= end)
        .subquery("ranked")
    )
    last = select(ranked).where(ranked.c.rn == 1).subquery("last")
    later = (
        select(TaskUpdate.task_id.label("task_id")).where(TaskUpdate.at > end).distinct().subquery("later")
    )
    has_last = last.c.task_id.is_not(None)
    has_later = later.c.task_id.is_not(None)
    status = case((has_last, last.c.status), (has_later, literal("not_started")), else_=Task.status)
    percent = case((has_last, last.c.percent_done), (has_later, literal(0)), else_=Task.percent_done)
    due = case((has_last, last.c.due_on), else_=Task.due_on)
    done = case((has_last, last.c.done_on), (has_later, literal(None)), else_=Task.done_on)
    stmt = (
        select(
            Task.id.label("id"),
            Task.code.label("code"),
            Task.title.label("title"),
            Task.lead_agency_code.label("lead_agency_code"),
            Task.meeting_id.label("meeting_id"),
            Task.conclusion_id.label("conclusion_id"),
            Task.assigned_on.label("assigned_on"),
            status.label("status"),
            percent.label("percent_done"),
            due.label("due_on"),
            done.label("done_on"),
            Task.is_demo.label("is_demo"),
        )
        .select_from(Task)
        .outerjoin(last, last.c.task_id == Task.id)
        .outerjoin(later, later.c.task_id == Task.id)
        .where(Task.province_code == province, Task.assigned_on <= end.date())
    )
    if agency:
        stmt = stmt.where(Task.lead_agency_code == agency)
    if meeting_id is not None:
        stmt = stmt.where(Task.meeting_id == int(meeting_id))
    if task_ids is not None:
        stmt = stmt.where(Task.id.in_([int(i) for i in task_ids]))
    if districts:
        stmt = stmt.where(
            Task.id.in_(
                select(task_admin_unit.c.task_id).where(
                    task_admin_unit.c.admin_unit_code.in_(list(districts))
                )
            )
        )
    return stmt.subquery("state")


def timing_expr(state, day: dt.date):
    """The timing code of a task state row, as a SQL CASE (same rules as ``qh_data.status``)."""
    soon = day + dt.timedelta(days=DUE_SOON_DAYS)
    return case(
        (state.c.status == "cancelled", literal("cancelled")),
        (
            and_(
                state.c.status == "done",
                state.c.due_on.is_not(None),
                state.c.done_on.is_not(None),
                state.c.done_on > state.c.due_on,
            ),
            literal("done_late"),
        ),
        (state.c.status == "done", literal("done_on_time")),
        (state.c.due_on.is_(None), literal("no_deadline")),
        (state.c.due_on < day, literal("overdue")),
        (state.c.due_on <= soon, literal("due_soon")),
        else_=literal("on_track"),
    )


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
    """Each task's state at ``cutoff`` (default end of ``day``) with its timing judged on ``day``."""
    state = task_state_query(
        province,
        day,
        districts=districts,
        agency=agency,
        cutoff=cutoff,
        meeting_id=meeting_id,
        task_ids=task_ids,
    )
    timing = timing_expr(state, day).label("timing")
    stmt = select(
        state, timing, Agency.name.label("lead_name"), Agency.short_name.label("lead_short_name")
    ).join(Agency, Agency.code == state.c.lead_agency_code)
    if only_timing:
        stmt = stmt.where(timing_expr(state, day).in_(list(only_timing)))
    stmt = stmt.order_by(state.c.due_on, state.c.code)
    with read_session(engine) as s:
        rows = [dict(r._mapping) for r in s.execute(stmt)]
    for row in rows:
        row["days_overdue"] = (day - row["due_on"]).days if row["timing"] == "overdue" else 0
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
    rows = task_states(
        engine,
        province=province,
        day=day,
        districts=districts,
        agency=agency,
        only_timing=("overdue",),
        cutoff=cutoff,
    )
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["code"]))


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
    state = task_state_query(province, day, districts=districts, agency=agency, cutoff=cutoff)
    timing = timing_expr(state, day)

    def n(cond):
        return func.sum(case((cond, 1), else_=0))

    stmt = (
        select(
            state.c.lead_agency_code.label("agency_code"),
            Agency.name.label("agency_name"),
            Agency.short_name.label("short_name"),
            n(state.c.status != "cancelled").label("assigned"),
            n(state.c.status == "not_started").label("not_started"),
            n(state.c.status == "in_progress").label("in_progress"),
            n(state.c.status == "done").label("done"),
            *[n(timing == code).label(code) for code in TIMINGS],
        )
        .join(Agency, Agency.code == state.c.lead_agency_code)
        .group_by(state.c.lead_agency_code, Agency.name, Agency.short_name)
        .order_by(Agency.name)
    )
    with read_session(engine) as s:
        rows = [dict(r._mapping) for r in s.execute(stmt)]
    for row in rows:
        for key in ("assigned", "not_started", "in_progress", "done", *TIMINGS):
            row[key] = int(row[key] or 0)
        row["share_done_on_time"] = row["done_on_time"] / row["assigned"] if row["assigned"] else 0.0
    return rows


def indicator_values(
    engine: Engine, *, province: str, day: dt.date | dt.datetime | None, unit_codes=None, indicator_codes=None
) -> list[dict]:
    """The revisions in force at the end of ``day`` (``None``: the current ones) for the province
    and, when given, the listed units (districts)."""
    from ..models import AdminUnit

    stmt = select(
        IndicatorValue.indicator_code,
        IndicatorValue.admin_unit_code,
        IndicatorValue.period,
        IndicatorValue.period_type,
        IndicatorValue.year,
        IndicatorValue.kind,
        IndicatorValue.value,
        IndicatorValue.revision,
        IndicatorValue.submitted_at,
        IndicatorValue.is_demo,
    ).join(AdminUnit, AdminUnit.code == IndicatorValue.admin_unit_code)
    if unit_codes:
        stmt = stmt.where(IndicatorValue.admin_unit_code.in_(list(unit_codes)))
    else:
        stmt = stmt.where((AdminUnit.code == province) | (AdminUnit.parent_code == province))
    if indicator_codes:
        stmt = stmt.where(IndicatorValue.indicator_code.in_(list(indicator_codes)))
    if day is None:
        stmt = stmt.where(IndicatorValue.superseded_at.is_(None))
    else:
        end = end_of(day)
        stmt = stmt.where(
            IndicatorValue.submitted_at <= end,
            (IndicatorValue.superseded_at.is_(None)) | (IndicatorValue.superseded_at > end),
        )
    stmt = stmt.order_by(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code, IndicatorValue.period)
    with read_session(engine) as s:
        return [dict(r._mapping) for r in s.execute(stmt)]


def indicators(engine: Engine, codes=None) -> dict[str, dict]:
    stmt = select(Indicator).order_by(Indicator.sort_order, Indicator.code)
    if codes:
        stmt = stmt.where(Indicator.code.in_(list(codes)))
    with read_session(engine) as s:
        return {
            i.code: {
                "code": i.code,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "unit": i.unit,
                "direction": i.direction,
                "decimals": i.decimals,
                "group": i.group,
                "owner_role": i.owner_role,
                "is_rate": i.is_rate,
                "is_demo": i.is_demo,
                "aggregation": i.aggregation,
            }
            for i in s.scalars(stmt)
        }
