"""Read queries the pages call. Counting and rolling up happen in SQL (GROUP BY); Python only shapes
the few rows that come back. Every function takes the engine first; filters are keywords.

Conventions shared by the task queries
--------------------------------------
* ``province`` — the province's GSO code (``task.province_code``).
* ``districts`` — district codes: a task is in scope when it is linked to one of them
  (``task_admin_unit``) OR its lead agency is that district's People's Committee
  (``agency.admin_unit_code`` in the list).
* ``agency`` — an agency code: tasks it leads or supports (``role`` narrows this in ``list_tasks``).
* ``as_of`` — the day the timing is judged on (default: Vietnam today). Tasks assigned after that day
  are left out (they did not exist yet). Status, percent and done day are the stored, current ones:
  for a faithful picture of a past day use ``qh_data.reports.asof``.
* Timing codes and the rules behind them are those of ``qh_data.status`` (``task_timing``); here
  they are one SQL CASE on comparisons of ``due_on``/``done_on`` against the bound day, which works
  the same on SQLite and PostgreSQL. Day differences use ``_days_between`` (julianday on SQLite,
  date subtraction on PostgreSQL).
* ``assigned`` (per agency) and ``total`` (totals) count the tasks that are not cancelled;
  ``cancelled`` is given apart, so ``assigned = done + in_progress + not_started``.

Indicator values
----------------
The figure in force is the revision with ``superseded_at IS NULL``; "as of" a moment T it is the
revision with ``submitted_at <= T`` and (``superseded_at`` null or after T). A date given as
``as_of`` means the end of that day. A district counts for a period when its validity range
(``valid_from``/``valid_to``, open when null) overlaps the period's days.

Province figures are rolled up from the districts by the indicator's ``aggregation``: ``sum`` →
SUM, ``mean_pop`` → SUM(value × population 2019) / SUM(population 2019) over districts having both,
``mean`` → AVG, ``not_additive`` → the value stored for the province unit itself. When no district
contributes to an additive indicator for a period and kind (typical of plan targets and
province-only statistics), the province's own stored value is used; the ``basis`` column says
which (``districts`` or ``province``) and ``districts_contributing``/``districts_total`` how complete
the roll-up is.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import (
    Date,
    Engine,
    Float,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from . import audit, clock
from . import periods as _periods
from . import status as rules
from .db import read_session
from .errors import NotFound, ValidationFailed
from .models import (
    AdminUnit,
    Agency,
    AgendaItem,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    User,
    issue_admin_unit,
    meeting_invitee,
    task_admin_unit,
    task_supporting_agency,
)
from .text import fold

ROLES = ("any", "lead", "supporting")
TASK_ORDERS = ("due", "overdue", "code", "updated", "assigned")
CLOSED_ISSUE_STATUSES = ("resolved", "closed")
KIND_ORDER = {"actual": 0, "estimate": 1, "target": 2}


# --- small helpers ---------------------------------------------------------------------------------

class _MemoPeriods:
    """``qh_data.periods`` with its pure per-code functions remembered: a province's indicator
    overview looks at ~4,000 (indicator, period, kind) figures over a score of distinct period codes,
    and parsing each code again was most of its Python time. Results and errors are the module's."""

    _PURE = ("parse", "validate", "is_valid", "period_type", "year", "sort_key")

    def __init__(self, module):
        self._module = module
        for name in self._PURE:
            setattr(self, name, self._memo(getattr(module, name)))

    @staticmethod
    def _memo(fn):
        cached = functools.lru_cache(maxsize=8192)(fn)

        @functools.wraps(fn)
        def call(code):
            try:
                return cached(code)
            except TypeError:  # an unhashable argument: not a period code, let the module decide
                return fn(code)

        return call

    def __getattr__(self, name):
        return getattr(self._module, name)


periods = _MemoPeriods(_periods)


def _day(as_of: dt.date | dt.datetime | None) -> dt.date:
    if as_of is None:
        return clock.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    return as_of


def _moment(as_of: dt.date | dt.datetime | None) -> dt.datetime | None:
    """None (current figures), a datetime as given, or the last instant of a given day."""
    if as_of is None:
        return None
    if isinstance(as_of, dt.datetime):
        return as_of
    return dt.datetime.combine(as_of, dt.time.max)


def _codes(values) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = [str(v) for v in values if v is not None and str(v) != ""]
    return out or None


def _days_between(dialect: str, later, earlier):
    """``later - earlier`` in whole days as a SQL expression (both are dates)."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def _n(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _records(session, stmt) -> list[dict]:
    return [dict(r._mapping) for r in session.execute(stmt)]


def _frame(rows: list[dict], columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _sort_name(name: str | None) -> str:
    return fold(name or "")


# --- task rules in SQL -----------------------------------------------------------------------------

def _late_done(t=Task):
    return and_(t.status == "done", t.due_on.is_not(None), t.done_on.is_not(None), t.done_on > t.due_on)


def _overdue(day: dt.date, t=Task):
    return and_(t.status.not_in(("done", "cancelled")), t.due_on.is_not(None), t.due_on < day)


def timing_case(day: dt.date, t=Task):
    """The timing code of ``qh_data.status.task_timing`` as one SQL CASE, judged on ``day``."""
    soon = day + dt.timedelta(days=rules.DUE_SOON_DAYS)
    return case(
        (t.status == "cancelled", literal("cancelled")),
        (_late_done(t), literal("done_late")),
        (t.status == "done", literal("done_on_time")),
        (t.due_on.is_(None), literal("no_deadline")),
        (t.due_on < day, literal("overdue")),
        (t.due_on <= soon, literal("due_soon")),
        else_=literal("on_track"),
    )


def days_late_case(dialect: str, day: dt.date, t=Task, *, default=0):
    """Days late: done − due for tasks done late, ``day`` − due for overdue tasks, else ``default``."""
    return case(
        (_late_done(t), _days_between(dialect, t.done_on, t.due_on)),
        (_overdue(day, t), _days_between(dialect, literal(day, Date), t.due_on)),
        else_=default,
    )


def _task_conditions(province: str, day: dt.date, districts=None, agency: str | None = None,
                     role: str = "any") -> list:
    if role not in ROLES:
        raise ValidationFailed(f"Vai trò '{role}' không hợp lệ: any, lead hoặc supporting.",
                               f"Role '{role}' is not valid: any, lead or supporting.")
    conds = [Task.province_code == province, Task.assigned_on <= day]
    codes = _codes(districts)
    if codes:
        tau = task_admin_unit.c
        conds.append(or_(
            Task.id.in_(select(tau.task_id).where(tau.admin_unit_code.in_(codes))),
            Task.lead_agency_code.in_(select(Agency.code).where(Agency.admin_unit_code.in_(codes))),
        ))
    if agency:
        supporting = Task.id.in_(select(task_supporting_agency.c.task_id)
                                 .where(task_supporting_agency.c.agency_code == agency))
        if role == "lead":
            conds.append(Task.lead_agency_code == agency)
        elif role == "supporting":
            conds.append(supporting)
        else:
            conds.append(or_(Task.lead_agency_code == agency, supporting))
    return conds


def _task_aggregates(dialect: str, day: dt.date) -> list:
    timing = timing_case(day)
    late = case((_late_done(), _days_between(dialect, Task.done_on, Task.due_on)),
                (_overdue(day), _days_between(dialect, literal(day, Date), Task.due_on)))
    return [
        _n(Task.status != "cancelled").label("assigned"),
        _n(Task.status == "done").label("done"),
        _n(timing == "done_on_time").label("done_on_time"),
        _n(timing == "done_late").label("done_late"),
        _n(Task.status == "in_progress").label("in_progress"),
        _n(Task.status == "not_started").label("not_started"),
        _n(timing == "overdue").label("overdue"),
        _n(timing == "due_soon").label("due_soon"),
        _n(timing == "on_track").label("on_track"),
        _n(timing == "no_deadline").label("no_deadline"),
        _n(timing == "cancelled").label("cancelled"),
        cast(func.avg(late), Float).label("avg_days_late"),
    ]


COUNT_KEYS = ("assigned", "done", "done_on_time", "done_late", "in_progress", "not_started", "overdue",
              "due_soon", "on_track", "no_deadline", "cancelled")
AGENCY_COUNT_COLUMNS = ("agency_code", "agency_name", "short_name", *COUNT_KEYS, "share_done_on_time",
                        "avg_days_late")


def task_counts_by_agency(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                          as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per lead agency: AGENCY_COUNT_COLUMNS.

    ``assigned`` excludes cancelled tasks; ``done = done_on_time + done_late``; ``in_progress`` and
    ``not_started`` are stored statuses (they include the overdue ones); ``overdue``, ``due_soon``,
    ``on_track``, ``no_deadline`` are timings of open tasks. ``share_done_on_time`` = done_on_time /
    assigned (a fraction 0–1, NaN when nothing is assigned). ``avg_days_late`` is the mean of days
    late over tasks done late and overdue tasks (NaN when there are none).
    """
    day = _day(as_of)
    dialect = engine.dialect.name
    stmt = (
        select(Task.lead_agency_code.label("agency_code"), Agency.name.label("agency_name"),
               Agency.short_name, *_task_aggregates(dialect, day))
        .join(Agency, Agency.code == Task.lead_agency_code)
        .where(*_task_conditions(province, day, districts, agency))
        .group_by(Task.lead_agency_code, Agency.name, Agency.short_name)
    )
    with read_session(engine) as s:
        rows = _records(s, stmt)
    for row in rows:
        for key in COUNT_KEYS:
            row[key] = int(row[key] or 0)
        row["share_done_on_time"] = row["done_on_time"] / row["assigned"] if row["assigned"] else float("nan")
        row["avg_days_late"] = float("nan") if row["avg_days_late"] is None else float(row["avg_days_late"])
    rows.sort(key=lambda r: _sort_name(r["agency_name"]))
    return _frame(rows, AGENCY_COUNT_COLUMNS)


def task_totals(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                as_of: dt.date | None = None) -> dict[str, Any]:
    """Totals over the same scope as ``task_counts_by_agency``.

    Keys: total (not cancelled = done + in_progress + not_started), all (cancelled included), done,
    done_on_time, done_late, in_progress, not_started, overdue, due_soon (within DUE_SOON_DAYS),
    on_track, no_deadline, cancelled, avg_days_late (None when no task is late).
    """
    day = _day(as_of)
    stmt = select(*_task_aggregates(engine.dialect.name, day)).where(
        *_task_conditions(province, day, districts, agency))
    with read_session(engine) as s:
        row = dict(s.execute(stmt).one()._mapping)
    out: dict[str, Any] = {key: int(row[key] or 0) for key in COUNT_KEYS}
    out["total"] = out["assigned"]
    out["all"] = out["assigned"] + out["cancelled"]
    out["avg_days_late"] = None if row["avg_days_late"] is None else float(row["avg_days_late"])
    return out


ID_LIST_MAX = 500  # up to this many rows, their names are looked up by an id list

TASK_COLUMNS = (
    "id", "code", "title", "source_document", "stage", "lead_agency_code", "lead_name", "lead_short_name",
    "supporting", "supporting_names", "supporting_codes", "units", "unit_codes", "assigned_on", "due_on",
    "status", "percent_done", "done_on", "timing", "days_late", "version", "meeting_id", "conclusion_id",
    "updated_at", "is_demo",
)


def list_tasks(engine: Engine, province: str, *, districts=None, agency: str | None = None, role: str = "any",
               statuses=None, timing=None, due_from: dt.date | None = None, due_to: dt.date | None = None,
               text: str | None = None, source: str | None = None, meeting_id: int | None = None,
               as_of: dt.date | None = None, limit: int | None = None, order: str = "due") -> pd.DataFrame:
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
    day = _day(as_of)
    dialect = engine.dialect.name
    conds = _task_conditions(province, day, districts, agency, role)
    status_codes = _codes(statuses)
    if status_codes:
        conds.append(Task.status.in_(status_codes))
    timing_codes = _codes(timing)
    timing_expr = timing_case(day)
    if timing_codes:
        conds.append(timing_expr.in_(timing_codes))
    if due_from is not None:
        conds.append(Task.due_on >= due_from)
    if due_to is not None:
        conds.append(Task.due_on <= due_to)
    if meeting_id is not None:
        conds.append(Task.meeting_id == int(meeting_id))
    source = (source or "").strip() or None
    text = (text or "").strip() or None

    lead = aliased(Agency)
    late = days_late_case(dialect, day)
    stmt = (
        select(Task.id, Task.code, Task.title,
               Task.source_document, Task.stage,
               Task.lead_agency_code, lead.name.label("lead_name"),
               lead.short_name.label("lead_short_name"), Task.assigned_on,
               Task.due_on, Task.status,
               Task.percent_done, Task.done_on,
               timing_expr.label("timing"), late.label("days_late"), Task.version,
               Task.meeting_id, Task.conclusion_id,
               Task.updated_at, Task.is_demo)
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
    python_filter = bool(text or source)
    if limit is not None and not python_filter:
        stmt = stmt.limit(max(0, int(limit)))
    scope_ids = select(Task.id).join(lead, lead.code == Task.lead_agency_code).where(*conds)

    with read_session(engine) as s:
        rows = _records(s, stmt)
        if python_filter:
            needle = fold(text) if text else None
            src = fold(source) if source else None
            rows = [r for r in rows
                    if (needle is None or needle in fold(f"{r['code']} {r['title']}"))
                    and (src is None or src in fold(r["source_document"] or ""))]
            if limit is not None:
                rows = rows[: max(0, int(limit))]
        supporting: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        units: dict[int, list[tuple[str, str]]] = defaultdict(list)
        # the names of the rows kept: by their ids when a limit or a text filter kept a few of the
        # scope's tasks (the overview's 8 most overdue), else by the scope itself
        wanted = [row["id"] for row in rows] if len(rows) <= ID_LIST_MAX else scope_ids
        if rows:
            for r in s.execute(
                    select(task_supporting_agency.c.task_id, Agency.code, Agency.name, Agency.short_name)
                    .join(Agency, Agency.code == task_supporting_agency.c.agency_code)
                    .where(task_supporting_agency.c.task_id.in_(wanted))
                    .order_by(task_supporting_agency.c.task_id, Agency.code)):
                supporting[r.task_id].append((r.code, r.name, r.short_name or r.name))
            for r in s.execute(
                    select(task_admin_unit.c.task_id, AdminUnit.code, AdminUnit.name)
                    .join(AdminUnit, AdminUnit.code == task_admin_unit.c.admin_unit_code)
                    .where(task_admin_unit.c.task_id.in_(wanted))
                    .order_by(task_admin_unit.c.task_id, AdminUnit.code)):
                units[r.task_id].append((r.code, r.name))
    for row in rows:
        sup = supporting.get(row["id"], [])
        row["supporting"] = ", ".join(x[2] for x in sup)
        row["supporting_names"] = ", ".join(x[1] for x in sup)
        row["supporting_codes"] = ", ".join(x[0] for x in sup)
        un = units.get(row["id"], [])
        row["units"] = ", ".join(x[1] for x in un)
        row["unit_codes"] = ", ".join(x[0] for x in un)
        row["days_late"] = int(row["days_late"] or 0)
        row["is_demo"] = bool(row["is_demo"])
    return _frame(rows, TASK_COLUMNS)


def overdue_tasks(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                  as_of: dt.date | None = None, limit: int | None = None) -> pd.DataFrame:
    """Overdue tasks (not done, due before ``as_of``), the most days late first: TASK_COLUMNS."""
    return list_tasks(engine, province, districts=districts, agency=agency, timing=["overdue"], as_of=as_of,
                      limit=limit, order="overdue")


def due_soon_tasks(engine: Engine, province: str, *, days: int = rules.DUE_SOON_DAYS, districts=None,
                   agency: str | None = None, as_of: dt.date | None = None,
                   limit: int | None = None) -> pd.DataFrame:
    """Open tasks due from ``as_of`` to ``as_of + days`` (both included), soonest first: TASK_COLUMNS.

    With ``days`` beyond DUE_SOON_DAYS the later ones keep the timing ``on_track``.
    """
    day = _day(as_of)
    return list_tasks(engine, province, districts=districts, agency=agency,
                      statuses=list(rules.OPEN_TASK_STATUSES), due_from=day,
                      due_to=day + dt.timedelta(days=int(days)), as_of=day, limit=limit, order="due")


HISTORY_COLUMNS = ("id", "task_id", "at", "user_id", "username", "user_name", "status", "percent_done",
                   "due_on", "done_on", "note", "version")


def task_history(engine: Engine, task_id: int) -> pd.DataFrame:
    """Every recorded change of one task, newest first: HISTORY_COLUMNS (user_name = display name)."""
    stmt = (
        select(TaskUpdate.id, TaskUpdate.task_id, TaskUpdate.at,
               TaskUpdate.user_id, User.username,
               User.display_name.label("user_name"), TaskUpdate.status,
               TaskUpdate.percent_done, TaskUpdate.due_on,
               TaskUpdate.done_on, TaskUpdate.note,
               TaskUpdate.version)
        .outerjoin(User, User.id == TaskUpdate.user_id)
        .where(TaskUpdate.task_id == int(task_id))
        .order_by(TaskUpdate.at.desc(), TaskUpdate.id.desc())
    )
    with read_session(engine) as s:
        return _frame(_records(s, stmt), HISTORY_COLUMNS)


CHANGE_COLUMNS = ("update_id", "task_id", "code", "title", "lead_agency_code", "lead_short_name", "at",
                  "user_name", "status", "previous_status", "percent_done", "previous_percent", "due_on",
                  "previous_due_on", "done_on", "note", "version")


def task_changes_since(engine: Engine, province: str, since: dt.date | dt.datetime, *,
                       until: dt.date | dt.datetime | None = None, districts=None, agency: str | None = None,
                       limit: int | None = None) -> pd.DataFrame:
    """Task updates after ``since`` (a date means after the end of that day, as in
    ``qh_data.changes``) up to ``until`` (included), newest first: CHANGE_COLUMNS. ``previous_*``
    are the task's values at its update before this one (None for its first record)."""
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time.max)
    end = None if until is None else (until if isinstance(until, dt.datetime)
                                      else dt.datetime.combine(until, dt.time.max))
    conds = _task_conditions(province, dt.date.max, districts, agency)
    window = {"partition_by": TaskUpdate.task_id, "order_by": (TaskUpdate.at, TaskUpdate.id)}
    u = TaskUpdate
    ranked = (
        select(u.id.label("update_id"), u.task_id, u.at, u.user_id, u.status, u.percent_done, u.due_on,
               u.done_on, u.note, u.version,
               func.lag(u.status, type_=u.status.type).over(**window).label("previous_status"),
               func.lag(u.percent_done, type_=Integer).over(**window).label("previous_percent"),
               func.lag(u.due_on, type_=Date).over(**window).label("previous_due_on"))
        .where(TaskUpdate.task_id.in_(select(Task.id).where(*conds)))
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
        .where(ranked.c.at > start)
        .order_by(ranked.c.at.desc(), ranked.c.update_id.desc())
    )
    if end is not None:
        stmt = stmt.where(ranked.c.at <= end)
    if limit is not None:
        stmt = stmt.limit(max(0, int(limit)))
    with read_session(engine) as s:
        return _frame(_records(s, stmt), CHANGE_COLUMNS)


# --- indicators ------------------------------------------------------------------------------------

def _in_force(moment: dt.datetime | None, v=IndicatorValue):
    if moment is None:
        return v.superseded_at.is_(None)
    return and_(v.submitted_at <= moment, or_(v.superseded_at.is_(None), v.superseded_at > moment))


def _valid_during(start: dt.date, end: dt.date, u=AdminUnit):
    return and_(or_(u.valid_from.is_(None), u.valid_from <= end),
                or_(u.valid_to.is_(None), u.valid_to >= start))


_INDICATOR_FIELDS = ("code", "name_vi", "name_en", "unit", "unit_en", "group", "owner_role", "direction",
                     "aggregation", "is_rate", "decimals", "sort_order", "is_demo")


def _snapshot(ind: Indicator) -> SimpleNamespace:
    """A plain copy that outlives the session."""
    return SimpleNamespace(**{f: getattr(ind, f) for f in _INDICATOR_FIELDS})


def _indicator(session, code: str) -> SimpleNamespace:
    ind = session.get(Indicator, code)
    if ind is None:
        raise NotFound(f"Không có chỉ tiêu '{code}'.", f"Indicator '{code}' does not exist.")
    return _snapshot(ind)


def _province_unit(session, province: str) -> AdminUnit | None:
    return session.get(AdminUnit, province)


def _district_rows(session, province: str) -> list[dict]:
    stmt = select(AdminUnit.code, AdminUnit.valid_from, AdminUnit.valid_to).where(
        AdminUnit.parent_code == province, AdminUnit.level == "district")
    return _records(session, stmt)


def _districts_valid(district_rows: list[dict], period_code: str) -> int:
    if not periods.is_valid(period_code):
        return 0
    p = periods.parse(period_code)
    return sum(1 for d in district_rows
               if (d["valid_from"] is None or d["valid_from"] <= p.end)
               and (d["valid_to"] is None or d["valid_to"] >= p.start))


def _rollup_aggregates(session, province: str, indicator_codes: list[str], moment: dt.datetime | None,
                       *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    """District aggregates per (indicator, period, kind), computed in SQL over the districts of the
    province valid during each period: n (values), total, mean, wsum/wpop/n_pop (population
    weighting), any_demo, last_submitted.

    One pass over the values: SQL sums them per (indicator, period, kind) and per validity range of
    the districts (districts almost always share one range, so there is one group per figure); the
    ranges valid during the figure's period are then added up here -- the same sums as filtering the
    districts in SQL first, without a second pass to learn which periods occur."""
    base = [IndicatorValue.indicator_code.in_(indicator_codes), _in_force(moment)]
    if period is not None:
        base.append(IndicatorValue.period == period)
    if kind is not None:
        base.append(IndicatorValue.kind == kind)
    v = IndicatorValue
    pop = AdminUnit.population_2019
    weighted = and_(v.value.is_not(None), pop.is_not(None), pop > 0)
    stmt = (
        select(v.indicator_code, v.period, v.kind, AdminUnit.valid_from, AdminUnit.valid_to,
               func.count(v.value).label("n"),
               cast(func.sum(v.value), Float).label("total"),
               cast(func.avg(v.value), Float).label("mean"),
               cast(func.sum(case((weighted, v.value * pop))), Float).label("wsum"),
               cast(func.sum(case((weighted, pop))), Float).label("wpop"),
               _n(weighted).label("n_pop"),
               func.max(case((v.is_demo.is_(True), 1), else_=0)).label("any_demo"),
               func.max(v.submitted_at).label("last_submitted"))
        .join(AdminUnit, AdminUnit.code == v.admin_unit_code)
        .where(*base, AdminUnit.parent_code == province, AdminUnit.level == "district")
        .group_by(v.indicator_code, v.period, v.kind, AdminUnit.valid_from, AdminUnit.valid_to)
    )
    out: dict[tuple, dict] = {}
    for r in _records(session, stmt):
        code = r["period"]
        if not periods.is_valid(code):  # an unreadable period code matches no district
            continue
        p = periods.parse(code)
        if not ((r["valid_from"] is None or r["valid_from"] <= p.end)
                and (r["valid_to"] is None or r["valid_to"] >= p.start)):
            continue
        del r["valid_from"], r["valid_to"]
        key = (r["indicator_code"], code, r["kind"])
        acc = out.get(key)
        if acc is None:
            out[key] = r
            continue
        # a second validity range (a district split or merged): add its sums to the first
        acc["n"] = int(acc["n"] or 0) + int(r["n"] or 0)
        for name in ("total", "wsum", "wpop"):
            if r[name] is not None:
                acc[name] = r[name] if acc[name] is None else acc[name] + r[name]
        acc["mean"] = acc["total"] / acc["n"] if acc["n"] else None
        acc["n_pop"] = int(acc["n_pop"] or 0) + int(r["n_pop"] or 0)
        acc["any_demo"] = max(int(acc["any_demo"] or 0), int(r["any_demo"] or 0))
        if r["last_submitted"] is not None and (acc["last_submitted"] is None
                                                or r["last_submitted"] > acc["last_submitted"]):
            acc["last_submitted"] = r["last_submitted"]
    # a key whose every valid range had no values (all NULL) is still a group, as with SQL's GROUP BY
    return out


def _own_values(session, unit_code: str, indicator_codes: list[str], moment: dt.datetime | None,
                *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    v = IndicatorValue
    stmt = select(v.indicator_code, v.period, v.period_type, v.year, v.kind, v.value, v.source, v.file_name,
                  v.is_demo, v.submitted_at, v.revision, v.note).where(
        v.admin_unit_code == unit_code, v.indicator_code.in_(indicator_codes), _in_force(moment))
    if period is not None:
        stmt = stmt.where(v.period == period)
    if kind is not None:
        stmt = stmt.where(v.kind == kind)
    return {(r["indicator_code"], r["period"], r["kind"]): r for r in _records(session, stmt)}


def _combine(aggregation: str, agg: dict | None, own: dict | None, districts_total: int) -> dict:
    """One province figure from the district aggregates and the province's own value."""
    own_value = None if own is None else own["value"]
    value = None
    n = 0
    method = "province"
    if aggregation != "not_additive" and agg is not None:
        if aggregation == "sum" and agg["n"]:
            value, n, method = agg["total"], int(agg["n"]), "sum"
        elif aggregation == "mean" and agg["n"]:
            value, n, method = agg["mean"], int(agg["n"]), "mean"
        elif aggregation == "mean_pop" and agg["n_pop"] and agg["wpop"]:
            value, n, method = agg["wsum"] / agg["wpop"], int(agg["n_pop"]), "mean_pop"
    if n:
        return {"value": value, "basis": "districts", "method": method, "districts_contributing": n,
                "districts_total": districts_total, "own_value": own_value,
                "is_demo": bool(agg["any_demo"]), "submitted_at": agg["last_submitted"], "source": None,
                "revision": None}
    return {"value": own_value, "basis": "province", "method": "province", "districts_contributing": 0,
            "districts_total": districts_total, "own_value": own_value,
            "is_demo": bool(own["is_demo"]) if own else False,
            "submitted_at": own["submitted_at"] if own else None, "source": own["source"] if own else None,
            "revision": own["revision"] if own else None}


def _province_figures(session, province: str, indicators: dict[str, SimpleNamespace],
                      moment: dt.datetime | None, *, period: str | None = None,
                      kind: str | None = None) -> dict[tuple, dict]:
    """Province figures per (indicator, period, kind): roll-up or own value (see module notes)."""
    codes = list(indicators)
    if not codes:
        return {}
    aggs = _rollup_aggregates(session, province, codes, moment, period=period, kind=kind)
    own = _own_values(session, province, codes, moment, period=period, kind=kind)
    district_rows = _district_rows(session, province)
    valid_per_period: dict[str, int] = {}
    out = {}
    for key in set(aggs) | set(own):
        ind = indicators[key[0]]
        if key[1] not in valid_per_period:
            valid_per_period[key[1]] = _districts_valid(district_rows, key[1])
        fig = _combine(ind.aggregation, aggs.get(key), own.get(key), valid_per_period[key[1]])
        if fig["value"] is None and key not in own and fig["basis"] == "province":
            continue
        out[key] = fig
    return out


DISTRICT_VALUE_COLUMNS = ("code", "name", "population", "value", "source", "file_name", "is_demo",
                          "submitted_at", "revision", "note")
PROVINCE_VALUE_COLUMNS = ("code", "name", "value", "basis", "method", "aggregation", "districts_contributing",
                          "districts_total", "own_value", "source", "is_demo", "submitted_at", "revision")


def indicator_values(engine: Engine, *, indicator: str, period: str, kind: str = "actual",
                     level: str = "district", province: str, as_of: dt.date | dt.datetime | None = None
                     ) -> pd.DataFrame:
    """Figures of one indicator for one period and kind.

    ``level='district'``: one row per district of the province valid during the period (also those
    with no figure: value NaN), DISTRICT_VALUE_COLUMNS; ``df.attrs`` holds ``districts_contributing``
    and ``districts_total``.
    ``level='province'``: one row, PROVINCE_VALUE_COLUMNS — the roll-up by the indicator's
    aggregation (see module notes) with how many districts contributed.
    """
    code = periods.validate(period)
    p = periods.parse(code)
    moment = _moment(as_of)
    if level not in ("district", "province"):
        raise ValidationFailed(f"Cấp '{level}' không hợp lệ: district hoặc province.",
                               f"Level '{level}' is not valid: district or province.")
    with read_session(engine) as s:
        ind = _indicator(s, indicator)
        if level == "province":
            figs = _province_figures(s, province, {ind.code: ind}, moment, period=code, kind=kind)
            unit = _province_unit(s, province)
            district_rows = _district_rows(s, province)
            fig = figs.get((ind.code, code, kind)) or _combine(ind.aggregation, None, None,
                                                               _districts_valid(district_rows, code))
            row = {"code": province, "name": unit.name if unit else province, "aggregation": ind.aggregation,
                   **fig}
            return _frame([row], PROVINCE_VALUE_COLUMNS)
        iv = IndicatorValue
        v = (select(iv).where(iv.indicator_code == ind.code, iv.period == code, iv.kind == kind,
                              _in_force(moment)).subquery("v"))
        stmt = (
            select(AdminUnit.code, AdminUnit.name,
                   AdminUnit.population_2019.label("population"), v.c.value, v.c.source, v.c.file_name,
                   v.c.is_demo, v.c.submitted_at, v.c.revision, v.c.note)
            .select_from(AdminUnit)
            .outerjoin(v, v.c.admin_unit_code == AdminUnit.code)
            .where(AdminUnit.parent_code == province, AdminUnit.level == "district",
                   _valid_during(p.start, p.end))
            .order_by(AdminUnit.code)
        )
        rows = _records(s, stmt)
    for row in rows:
        row["is_demo"] = bool(row["is_demo"]) if row["is_demo"] is not None else False
    df = _frame(rows, DISTRICT_VALUE_COLUMNS)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df.attrs["districts_contributing"] = int(df["value"].notna().sum())
    df.attrs["districts_total"] = len(df)
    return df


SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "source", "file_name", "is_demo",
                  "submitted_at", "revision", "note")
PROVINCE_SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "basis", "method",
                           "districts_contributing", "districts_total", "own_value", "source", "is_demo",
                           "submitted_at", "revision")


def _series_sort_key(period: str, kind: str):
    key = periods.sort_key(period) if periods.is_valid(period) else (dt.date.max, 9)
    return (key, KIND_ORDER.get(kind, 9))


def indicator_series(engine: Engine, *, indicator: str, unit_code: str,
                     as_of: dt.date | dt.datetime | None = None) -> pd.DataFrame:
    """Every figure in force for one unit across periods and kinds, in period order: SERIES_COLUMNS."""
    moment = _moment(as_of)
    with read_session(engine) as s:
        ind = _indicator(s, indicator)
        rows = list(_own_values(s, unit_code, [ind.code], moment).values())
    rows.sort(key=lambda r: _series_sort_key(r["period"], r["kind"]))
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
    return _frame(rows, SERIES_COLUMNS)


def province_series(engine: Engine, *, indicator: str, province: str,
                    as_of: dt.date | dt.datetime | None = None) -> pd.DataFrame:
    """The province figure per period and kind (roll-up rules of the module notes):
    PROVINCE_SERIES_COLUMNS, in period order."""
    moment = _moment(as_of)
    with read_session(engine) as s:
        ind = _indicator(s, indicator)
        figs = _province_figures(s, province, {ind.code: ind}, moment)
    rows = []
    for (_, period, kind), fig in figs.items():
        ok = periods.is_valid(period)
        rows.append({"period": period, "period_type": periods.period_type(period) if ok else None,
                     "year": periods.year(period) if ok else None, "kind": kind, **fig})
    rows.sort(key=lambda r: _series_sort_key(r["period"], r["kind"]))
    return _frame(rows, PROVINCE_SERIES_COLUMNS)


OVERVIEW_COLUMNS = (
    "code", "name_vi", "name_en", "unit", "unit_en", "group", "owner_role", "direction", "aggregation",
    "is_rate", "decimals", "sort_order", "level", "unit_code", "baseline_2020", "latest_actual_year",
    "latest_actual_value", "latest_estimate_period", "latest_estimate_value", "target_2025", "target_2030",
    "progress_target_year",
    "progress_baseline_year", "progress_baseline_value", "progress_latest_year", "progress_latest_value",
    "latest_is_estimate", "status", "ratio", "observed_rate", "required_rate", "method", "explanation_vi",
    "explanation_en", "is_demo",
)


def indicator_overview(engine: Engine, province: str, *, as_of: dt.date | dt.datetime | None = None,
                       group: str | None = None, owner_role: str | None = None,
                       district: str | None = None) -> pd.DataFrame:
    """One row per indicator (OVERVIEW_COLUMNS), for the province (roll-up) or one district.

    ``baseline_2020``: the 2020 actual (its estimate when no actual). ``latest_actual_*``: the latest
    yearly actual. ``latest_estimate_*``: the latest estimate of any period type. ``target_2025``,
    ``target_2030``: yearly targets. Progress (``status`` … ``explanation_en``) is
    ``status.progress_from_series`` over the yearly series — each year's actual, or its estimate when
    the actual is not in yet (``latest_is_estimate`` says so) — against the 2030 target, or the 2025
    target when there is no 2030 one. A handful of queries in all, whatever the number of indicators.
    """
    moment = _moment(as_of)
    with read_session(engine) as s:
        stmt = select(Indicator).order_by(Indicator.sort_order, Indicator.code)
        if group:
            stmt = stmt.where(Indicator.group == group)
        if owner_role:
            stmt = stmt.where(Indicator.owner_role == owner_role)
        inds = {i.code: _snapshot(i) for i in s.scalars(stmt)}
        if not inds:
            return _frame([], OVERVIEW_COLUMNS)
        if district:
            figs = {k: {"value": r["value"], "is_demo": bool(r["is_demo"])}
                    for k, r in _own_values(s, district, list(inds), moment).items()}
        else:
            figs = _province_figures(s, province, inds, moment)
    by_indicator: dict[str, dict[tuple[str, str], dict]] = defaultdict(dict)
    for (code, period, kind), fig in figs.items():
        if fig["value"] is not None and periods.is_valid(period):
            by_indicator[code][(periods.validate(period), kind)] = fig
    rows = []
    for code, ind in inds.items():
        vals = by_indicator.get(code, {})

        def get(period: str, kind: str, vals=vals):
            fig = vals.get((period, kind))
            return None if fig is None else fig["value"]

        yearly = {}
        estimate_years = set()
        for (period, kind), fig in vals.items():
            if periods.period_type(period) != "year" or kind not in ("actual", "estimate"):
                continue
            y = periods.year(period)
            if kind == "actual":
                yearly[y] = fig["value"]
                estimate_years.discard(y)
            elif y not in yearly:
                yearly[y] = fig["value"]
                estimate_years.add(y)
        actual_years = sorted(periods.year(p) for (p, k) in vals
                              if k == "actual" and periods.period_type(p) == "year")
        estimates = sorted(((p, f["value"]) for (p, k), f in vals.items() if k == "estimate"),
                           key=lambda x: periods.sort_key(x[0]))
        t2025, t2030 = get("2025", "target"), get("2030", "target")
        target = (2030, t2030) if t2030 is not None else (2025, t2025) if t2025 is not None else None
        result = rules.progress_from_series(sorted(yearly.items()), target, ind.direction, bool(ind.is_rate),
                                            rules.BASELINE_YEAR, estimate_years=estimate_years)
        baseline = get("2020", "actual")
        if baseline is None:
            baseline = get("2020", "estimate")
        rows.append({
            "code": code, "name_vi": ind.name_vi, "name_en": ind.name_en, "unit": ind.unit,
            "unit_en": ind.unit_en,
            "group": ind.group, "owner_role": ind.owner_role, "direction": ind.direction,
            "aggregation": ind.aggregation, "is_rate": bool(ind.is_rate), "decimals": ind.decimals,
            "sort_order": ind.sort_order, "level": "district" if district else "province",
            "unit_code": district or province, "baseline_2020": baseline,
            "latest_actual_year": actual_years[-1] if actual_years else None,
            "latest_actual_value": get(str(actual_years[-1]), "actual") if actual_years else None,
            "latest_estimate_period": estimates[-1][0] if estimates else None,
            "latest_estimate_value": estimates[-1][1] if estimates else None,
            "target_2025": t2025, "target_2030": t2030,
            "progress_target_year": result.target[0] if result.target else None,
            "progress_baseline_year": result.baseline[0] if result.baseline else None,
            "progress_baseline_value": result.baseline[1] if result.baseline else None,
            "progress_latest_year": result.latest[0] if result.latest else None,
            "progress_latest_value": result.latest[1] if result.latest else None,
            "latest_is_estimate": result.latest_is_estimate, "status": result.status, "ratio": result.ratio,
            "observed_rate": result.observed_rate, "required_rate": result.required_rate,
            "method": result.method, "explanation_vi": result.explanation_vi,
            "explanation_en": result.explanation_en,
            "is_demo": bool(ind.is_demo) or any(f["is_demo"] for f in vals.values()),
        })
    return _frame(rows, OVERVIEW_COLUMNS)


VALUE_HISTORY_COLUMNS = ("id", "revision", "value", "source", "file_name", "note", "submitted_by_id",
                         "submitted_by", "submitter_name", "submitted_at", "superseded_at", "is_current",
                         "is_demo")


def value_history(engine: Engine, *, indicator: str, unit_code: str, period: str, kind: str) -> pd.DataFrame:
    """Every revision of one figure, newest first: VALUE_HISTORY_COLUMNS (submitted_by = user name,
    submitter_name = display name)."""
    v = IndicatorValue
    stmt = (
        select(v.id, v.revision, v.value, v.source, v.file_name, v.note, v.submitted_by_id,
               User.username.label("submitted_by"), User.display_name.label("submitter_name"),
               v.submitted_at, v.superseded_at, v.is_demo)
        .outerjoin(User, User.id == v.submitted_by_id)
        .where(v.indicator_code == indicator, v.admin_unit_code == unit_code,
               v.period == periods.validate(period), v.kind == kind)
        .order_by(v.revision.desc(), v.id.desc())
    )
    with read_session(engine) as s:
        rows = _records(s, stmt)
    for row in rows:
        row["is_current"] = row["superseded_at"] is None
        row["is_demo"] = bool(row["is_demo"])
    return _frame(rows, VALUE_HISTORY_COLUMNS)


# --- issues ----------------------------------------------------------------------------------------

def _issue_conditions(province: str, day: dt.date, districts=None, agency: str | None = None) -> list:
    conds = [Issue.province_code == province, Issue.raised_on <= day]
    codes = _codes(districts)
    if codes:
        iau = issue_admin_unit.c
        conds.append(or_(
            Issue.id.in_(select(iau.issue_id).where(iau.admin_unit_code.in_(codes))),
            Issue.raised_by_code.in_(select(Agency.code).where(Agency.admin_unit_code.in_(codes))),
        ))
    if agency:
        conds.append(or_(Issue.raised_by_code == agency,
                         Issue.related_task_id.in_(select(Task.id).where(Task.lead_agency_code == agency))))
    return conds


def _issue_age(dialect: str, day: dt.date):
    """Days from raised to ``day`` — or to the day it was settled, for a settled issue."""
    end = case((and_(Issue.status.in_(CLOSED_ISSUE_STATUSES), Issue.resolved_on.is_not(None),
                     Issue.resolved_on <= day), Issue.resolved_on), else_=literal(day, Date))
    return _days_between(dialect, end, Issue.raised_on)


def _age_condition(age, bucket: str):
    if bucket == "lt30":
        return age < 30
    if bucket == "30to90":
        return and_(age >= 30, age <= 90)
    if bucket == "gt90":
        return age > 90
    raise ValidationFailed(f"Nhóm tuổi '{bucket}' không hợp lệ: lt30, 30to90 hoặc gt90.",
                           f"Age bucket '{bucket}' is not valid: lt30, 30to90 or gt90.")


ISSUE_COLUMNS = (
    "id", "code", "title", "description", "raised_by_code", "raised_by_name", "raised_by_short_name",
    "raised_by_short", "raised_on", "severity", "status", "proposed_solution", "decision",
    "decided_at_meeting_id", "decided_on", "decided_meeting_title", "resolved_on", "related_task_id",
    "related_task_code", "related_task_title", "for_next_meeting", "units", "unit_codes", "age_days",
    "age_bucket", "version", "updated_at", "is_demo",
)


def open_issues(engine: Engine, province: str, *, districts=None, agency: str | None = None, statuses=None,
                severities=None, age_bucket: str | None = None, as_of: dt.date | None = None,
                text: str | None = None) -> pd.DataFrame:
    """Issues (by default the open ones: open, in_progress, awaiting_decision), most severe first,
    then oldest: ISSUE_COLUMNS.

    ``districts``: linked to one of them or raised by that district's People's Committee.
    ``agency``: raised by it, or about a task it leads. ``age_days``: days from raised to ``as_of``
    (to the settling day for settled issues); ``age_bucket``: lt30 (< 30), 30to90 (30–90), gt90 (> 90).
    ``text``: words in the code, title or description, ignoring case and diacritics (matched in
    Python on the rows the SQL filters leave). Issues raised after ``as_of`` are left out.
    ``raised_by_short`` repeats ``raised_by_short_name`` (the name earlier readers used).
    """
    day = _day(as_of)
    dialect = engine.dialect.name
    conds = _issue_conditions(province, day, districts, agency)
    conds.append(Issue.status.in_(_codes(statuses) or list(rules.OPEN_ISSUE_STATUSES)))
    sev = _codes(severities)
    if sev:
        conds.append(Issue.severity.in_(sev))
    age = _issue_age(dialect, day)
    if age_bucket:
        conds.append(_age_condition(age, age_bucket))
    raised = aliased(Agency)
    related = aliased(Task)
    decided = aliased(Meeting)
    severity_rank = case({s: i for i, s in enumerate(rules.ISSUE_SEVERITIES)}, value=Issue.severity, else_=9)
    stmt = (
        select(Issue.id, Issue.code, Issue.title,
               Issue.description, Issue.raised_by_code,
               raised.name.label("raised_by_name"), raised.short_name.label("raised_by_short_name"),
               Issue.raised_on, Issue.severity, Issue.status,
               Issue.proposed_solution, Issue.decision,
               Issue.decided_at_meeting_id, decided.held_on.label("decided_on"),
               decided.title.label("decided_meeting_title"), Issue.resolved_on,
               Issue.related_task_id, related.code.label("related_task_code"),
               related.title.label("related_task_title"),
               Issue.for_next_meeting, age.label("age_days"),
               Issue.version, Issue.updated_at, Issue.is_demo)
        .join(raised, raised.code == Issue.raised_by_code)
        .outerjoin(related, related.id == Issue.related_task_id)
        .outerjoin(decided, decided.id == Issue.decided_at_meeting_id)
        .where(*conds)
        .order_by(severity_rank, Issue.raised_on, Issue.id)
    )
    with read_session(engine) as s:
        rows = _records(s, stmt)
        text = (text or "").strip()
        if text:
            needle = fold(text)
            rows = [r for r in rows if needle in fold(f"{r['code']} {r['title']} {r['description'] or ''}")]
        units: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if rows:
            for r in s.execute(
                    select(issue_admin_unit.c.issue_id, AdminUnit.code, AdminUnit.name)
                    .join(AdminUnit, AdminUnit.code == issue_admin_unit.c.admin_unit_code)
                    .where(issue_admin_unit.c.issue_id.in_([row["id"] for row in rows]))
                    .order_by(issue_admin_unit.c.issue_id, AdminUnit.code)):
                units[r.issue_id].append((r.code, r.name))
    for row in rows:
        row["age_days"] = int(row["age_days"] or 0)
        row["age_bucket"] = rules.age_bucket(row["age_days"])
        un = units.get(row["id"], [])
        row["units"] = ", ".join(x[1] for x in un)
        row["unit_codes"] = ", ".join(x[0] for x in un)
        row["for_next_meeting"] = bool(row["for_next_meeting"])
        row["is_demo"] = bool(row["is_demo"])
        row["raised_by_short"] = row["raised_by_short_name"]
    return _frame(rows, ISSUE_COLUMNS)


def issue_counts(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                 as_of: dt.date | None = None) -> dict[str, Any]:
    """Counts over the issues in scope (same filters as ``open_issues``).

    Keys: open_total (open + in_progress + awaiting_decision), one key per status, for_next_meeting
    (open ones flagged), by_severity {severity: open count}, by_age {lt30, 30to90, gt90: open count}.
    """
    day = _day(as_of)
    age = _issue_age(engine.dialect.name, day)
    bucket = case((age < 30, literal("lt30")), (age <= 90, literal("30to90")), else_=literal("gt90"))
    stmt = (
        select(Issue.status, Issue.severity, bucket.label("bucket"),
               func.count(Issue.id).label("n"), _n(Issue.for_next_meeting.is_(True)).label("flagged"))
        .where(*_issue_conditions(province, day, districts, agency))
        .group_by(Issue.status, Issue.severity, bucket)
    )
    with read_session(engine) as s:
        rows = _records(s, stmt)
    out: dict[str, Any] = {st: 0 for st in rules.ISSUE_STATUSES}
    out.update(open_total=0, for_next_meeting=0)
    by_severity = {sev: 0 for sev in rules.ISSUE_SEVERITIES}
    by_age = {b: 0 for b in rules.AGE_BUCKETS}
    for r in rows:
        n = int(r["n"])
        out[r["status"]] = out.get(r["status"], 0) + n
        if r["status"] in rules.OPEN_ISSUE_STATUSES:
            out["open_total"] += n
            out["for_next_meeting"] += int(r["flagged"] or 0)
            by_severity[r["severity"]] = by_severity.get(r["severity"], 0) + n
            by_age[r["bucket"]] += n
    out["by_severity"] = by_severity
    out["by_age"] = by_age
    return out


# --- meetings --------------------------------------------------------------------------------------

def _meeting_dict(session, meeting: Meeting, today: dt.date) -> dict[str, Any]:
    invitees = _records(session, select(Agency.code, Agency.name, Agency.short_name)
                        .join(meeting_invitee, meeting_invitee.c.agency_code == Agency.code)
                        .where(meeting_invitee.c.meeting_id == meeting.id))
    invitees.sort(key=lambda a: _sort_name(a["name"]))
    presenter = aliased(Agency)
    a = AgendaItem
    agenda = _records(session, select(
        a.id, a.position, a.kind, a.ref, a.title, a.notes, a.presenter_code,
        presenter.name.label("presenter_name"), presenter.short_name.label("presenter_short_name"), a.minutes)
        .outerjoin(presenter, presenter.code == a.presenter_code)
        .where(a.meeting_id == meeting.id).order_by(a.position, a.id))
    return {
        "id": meeting.id, "province_code": meeting.province_code, "held_on": meeting.held_on,
        "starts_at": meeting.starts_at, "title": meeting.title, "kind": meeting.kind, "chair": meeting.chair,
        "venue": meeting.venue, "status": meeting.status, "notice_number": meeting.notice_number,
        "notes": meeting.notes, "version": meeting.version, "is_demo": bool(meeting.is_demo),
        "days_until": (meeting.held_on - today).days, "invitees": invitees, "agenda": agenda,
        "agenda_minutes": sum(int(a["minutes"] or 0) for a in agenda),
    }


def upcoming_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The next planned meeting on or after ``today``, or None. Keys: the meeting's fields,
    days_until, invitees [{code, name, short_name}], agenda [{id, position, kind, ref, title, notes,
    presenter_code, presenter_name, presenter_short_name, minutes}], agenda_minutes."""
    day = _day(today)
    with read_session(engine) as s:
        meeting = s.scalar(select(Meeting)
                           .where(Meeting.province_code == province, Meeting.status == "planned",
                                  Meeting.held_on >= day)
                           .order_by(Meeting.held_on, Meeting.id).limit(1))
        return None if meeting is None else _meeting_dict(s, meeting, day)


def last_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The latest meeting that has taken place: dated before ``today``, or dated ``today`` and marked
    held. Same keys as ``upcoming_meeting`` plus days_since."""
    day = _day(today)
    with read_session(engine) as s:
        meeting = s.scalar(select(Meeting).where(
            Meeting.province_code == province,
            or_(Meeting.held_on < day, and_(Meeting.held_on == day, Meeting.status == "held")))
            .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))
        if meeting is None:
            return None
        out = _meeting_dict(s, meeting, day)
    out["days_since"] = -out["days_until"]
    return out


def meetings(engine: Engine, province: str) -> list[dict[str, Any]]:
    """All meetings of the province, latest first: id, held_on, title, kind, status, notice_number."""
    m = Meeting
    stmt = (select(m.id, m.held_on, m.title, m.kind, m.status, m.notice_number)
            .where(Meeting.province_code == province).order_by(Meeting.held_on.desc(), Meeting.id.desc()))
    with read_session(engine) as s:
        return _records(s, stmt)


# --- reference lists and the data version ----------------------------------------------------------

def data_version(engine: Engine) -> str:
    """The newest audit entry (id and time): moves on every write (cache key)."""
    with read_session(engine) as s:
        return audit.data_version(s)


def provinces(engine: Engine) -> list[dict[str, Any]]:
    """Provinces in the store: [{code, name}], by name."""
    with read_session(engine) as s:
        rows = _records(s, select(AdminUnit.code, AdminUnit.name).where(AdminUnit.level == "province"))
    return sorted(rows, key=lambda r: _sort_name(r["name"]))


def districts(engine: Engine, province: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Districts of the province, by code: [{code, name, type, population_2019, area_km2, valid_from,
    valid_to}]. With ``on``, only those valid that day; without it, all of them."""
    u = AdminUnit
    stmt = (select(u.code, u.name, u.type, u.population_2019, u.area_km2, u.valid_from, u.valid_to)
            .where(AdminUnit.parent_code == province, AdminUnit.level == "district").order_by(AdminUnit.code))
    if on is not None:
        stmt = stmt.where(_valid_during(on, on))
    with read_session(engine) as s:
        return _records(s, stmt)


def agencies(engine: Engine, province: str, *, members_only: bool = False) -> list[dict[str, Any]]:
    """Agencies of the province, by name: [{code, name, short_name, kind, role, admin_unit_code,
    is_committee_member}]."""
    a = Agency
    stmt = select(a.code, a.name, a.short_name, a.kind, a.role, a.admin_unit_code,
                  a.is_committee_member).where(Agency.province_code == province)
    if members_only:
        stmt = stmt.where(Agency.is_committee_member.is_(True))
    with read_session(engine) as s:
        rows = _records(s, stmt)
    for row in rows:
        row["is_committee_member"] = bool(row["is_committee_member"])
    return sorted(rows, key=lambda r: (_sort_name(r["name"]), r["code"]))
