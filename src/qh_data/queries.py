"""Read queries the pages call. Counting and rolling up happen in SQL (GROUP BY); Python only shapes
the few rows that come back. Every function takes the engine first; filters are keywords.

Statements are SQLAlchemy Core on its public API, built once: module constants, or a builder
remembered (``functools.cache``) per *shape* -- the dialect and which optional filters are on. Values
go in through ``bindparam``; every list is one expanding ``bindparam``, so its length is not part of a
shape. Each function runs its statements on one connection (``read_connection``: on PostgreSQL in autocommit,
as a read needs no transaction) and returns plain values or ``qh_data.records.Records`` (a list of row
dicts with their columns; ``to_frame()`` for pandas). Errors are SQLAlchemy's exception classes.

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
import math
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    and_,
    bindparam,
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
from .records import Records
from .text import fold

ROLES = ("any", "lead", "supporting")
TASK_ORDERS = ("due", "overdue", "code", "updated", "assigned")
CLOSED_ISSUE_STATUSES = ("resolved", "closed")
KIND_ORDER = {"actual": 0, "estimate": 1, "target": 2}


# Boolean columns come back as bool (SQLAlchemy's result processors), None only where an outer join
# found nothing.

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


@functools.lru_cache(maxsize=65536)
def _sort_name(name: str | None) -> str:
    """The sort key of a name (folded; the same names come back on every call, so it is remembered)."""
    return fold(name or "")


def _day_param():
    return bindparam("day", type_=Date)


def _in_ids(col, name: str = "ids"):
    """``col`` is one of the integer ids given as the list ``name``."""
    return col.in_(bindparam(name, expanding=True))


# --- running a read ----------------------------------------------------------------------------------

def read_connection(engine: Engine) -> Connection:
    """A pooled connection for one query function's statements (``with read_connection(engine) as c``). On
    PostgreSQL in autocommit: a SELECT needs no transaction, so no BEGIN and no ROLLBACK round trips
    (each statement sees what was committed when it starts, as under READ COMMITTED). The pool's
    pre-ping and recycle apply as to every connection of the engine."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def _records(conn: Connection, stmt, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of ``stmt`` as dicts (callers add their own keys to them)."""
    return [dict(row) for row in conn.execute(stmt, params or {}).mappings()]


def _one(conn: Connection, stmt, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    row = conn.execute(stmt, params or {}).mappings().first()
    return None if row is None else dict(row)


# --- task rules in SQL -----------------------------------------------------------------------------
# The day a task's timing is judged on is the placeholder ``day`` (and ``soon``, the last day of
# "due soon"); ``_task_values`` fills them in.

def _late_done(t=Task):
    return and_(t.status == "done", t.due_on.is_not(None), t.done_on.is_not(None), t.done_on > t.due_on)


def _overdue(t=Task):
    return and_(t.status.not_in(("done", "cancelled")), t.due_on.is_not(None), t.due_on < _day_param())


def timing_case(t=Task):
    """The timing code of ``qh_data.status.task_timing`` as one SQL CASE, judged on ``day``."""
    return case(
        (t.status == "cancelled", literal("cancelled")),
        (_late_done(t), literal("done_late")),
        (t.status == "done", literal("done_on_time")),
        (t.due_on.is_(None), literal("no_deadline")),
        (t.due_on < _day_param(), literal("overdue")),
        (t.due_on <= bindparam("soon", type_=Date), literal("due_soon")),
        else_=literal("on_track"),
    )


def days_late_case(dialect: str, t=Task, *, default=0):
    """Days late: done − due for tasks done late, ``day`` − due for overdue tasks, else ``default``."""
    return case(
        (_late_done(t), _days_between(dialect, t.done_on, t.due_on)),
        (_overdue(t), _days_between(dialect, _day_param(), t.due_on)),
        else_=default,
    )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"Vai trò '{role}' không hợp lệ: any, lead hoặc supporting.",
                               f"Role '{role}' is not valid: any, lead or supporting.")


def _task_scope(districts=None, agency: str | None = None, role: str = "any") -> tuple[bool, str | None]:
    """The shape of a task scope: (districts given, the agency's role or None)."""
    _check_role(role)
    return bool(_codes(districts)), (role if agency else None)


def _task_where(by_districts: bool, role: str | None) -> list:
    conds = [Task.province_code == bindparam("province"), Task.assigned_on <= _day_param()]
    if by_districts:
        codes = bindparam("district", expanding=True)
        tau = task_admin_unit.c
        conds.append(or_(
            Task.id.in_(select(tau.task_id).where(tau.admin_unit_code.in_(codes))),
            Task.lead_agency_code.in_(select(Agency.code).where(Agency.admin_unit_code.in_(codes))),
        ))
    if role:
        supporting = Task.id.in_(select(task_supporting_agency.c.task_id)
                                 .where(task_supporting_agency.c.agency_code == bindparam("agency")))
        if role == "lead":
            conds.append(Task.lead_agency_code == bindparam("agency"))
        elif role == "supporting":
            conds.append(supporting)
        else:
            conds.append(or_(Task.lead_agency_code == bindparam("agency"), supporting))
    return conds


def _task_values(province: str, day: dt.date, districts=None, agency: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {"province": province, "day": day,
                              "soon": min(day, dt.date.max - dt.timedelta(days=rules.DUE_SOON_DAYS))
                              + dt.timedelta(days=rules.DUE_SOON_DAYS), "agency": agency,
                              "district": _codes(districts) or []}
    return values


def _task_aggregates(dialect: str) -> list:
    timing = timing_case()
    late = case((_late_done(), _days_between(dialect, Task.done_on, Task.due_on)),
                (_overdue(), _days_between(dialect, _day_param(), Task.due_on)))
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
    day = _day(as_of)
    stmt = _counts_by_agency(engine.dialect.name, *_task_scope(districts, agency))
    with read_connection(engine) as c:
        rows = _records(c, stmt, _task_values(province, day, districts, agency))
    for row in rows:
        for key in COUNT_KEYS:
            row[key] = int(row[key] or 0)
        row["share_done_on_time"] = row["done_on_time"] / row["assigned"] if row["assigned"] else float("nan")
        row["avg_days_late"] = float("nan") if row["avg_days_late"] is None else float(row["avg_days_late"])
    rows.sort(key=lambda r: _sort_name(r["agency_name"]))
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
    day = _day(as_of)
    stmt = _totals(engine.dialect.name, *_task_scope(districts, agency))
    with read_connection(engine) as c:
        row = _one(c, stmt, _task_values(province, day, districts, agency))
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
    timing_expr = timing_case()
    if by_timing:
        conds.append(timing_case().in_(bindparam("timing", expanding=True)))
    if due_from:
        conds.append(Task.due_on >= bindparam("due_from", type_=Date))
    if due_to:
        conds.append(Task.due_on <= bindparam("due_to", type_=Date))
    if meeting:
        conds.append(Task.meeting_id == bindparam("meeting_id", type_=Integer))
    lead = aliased(Agency)
    late = days_late_case(dialect)
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
    .where(_in_ids(task_supporting_agency.c.task_id))
    .order_by(task_supporting_agency.c.task_id, Agency.code))

_TASK_UNITS = (
    select(task_admin_unit.c.task_id, AdminUnit.code, AdminUnit.name)
    .join(AdminUnit, AdminUnit.code == task_admin_unit.c.admin_unit_code)
    .where(_in_ids(task_admin_unit.c.task_id))
    .order_by(task_admin_unit.c.task_id, AdminUnit.code))


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
    day = _day(as_of)
    by_districts, role_shape = _task_scope(districts, agency, role)
    values = _task_values(province, day, districts, agency)
    status_codes = _codes(statuses) or []
    timing_codes = _codes(timing) or []
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
        rows = _records(c, stmt, values)
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
            for task_id, code, name, short_name in c.execute(_TASK_SUPPORTING, ids):
                supporting[task_id].append((code, name, short_name or name))
            for task_id, code, name in c.execute(_TASK_UNITS, ids):
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


def due_soon_tasks(engine: Engine, province: str, *, days: int = rules.DUE_SOON_DAYS, districts=None,
                   agency: str | None = None, as_of: dt.date | None = None,
                   limit: int | None = None) -> Records:
    """Open tasks due from ``as_of`` to ``as_of + days`` (both included), soonest first: TASK_COLUMNS.

    With ``days`` beyond DUE_SOON_DAYS the later ones keep the timing ``on_track``.
    """
    day = _day(as_of)
    return list_tasks(engine, province, districts=districts, agency=agency,
                      statuses=list(rules.OPEN_TASK_STATUSES), due_from=day,
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
        return Records(_records(c, _TASK_HISTORY, {"task_id": int(task_id)}), HISTORY_COLUMNS)


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
    ``qh_data.changes``) up to ``until`` (included), newest first: CHANGE_COLUMNS. ``previous_*``
    are the task's values at its update before this one (None for its first record)."""
    start = since if isinstance(since, dt.datetime) else dt.datetime.combine(since, dt.time.max)
    end = None if until is None else (until if isinstance(until, dt.datetime)
                                      else dt.datetime.combine(until, dt.time.max))
    values = _task_values(province, dt.date.max, districts, agency)
    values.update(start=start, end=end, limit=None if limit is None else max(0, int(limit)))
    stmt = _task_changes(*_task_scope(districts, agency), end is not None, limit is not None)
    with read_connection(engine) as c:
        rows = _records(c, stmt, values)
    return Records(rows, CHANGE_COLUMNS)


# --- indicators ------------------------------------------------------------------------------------
# ``moment`` (the as-of instant) changes the SQL: figures in force now (``superseded_at IS NULL``) or
# at a placeholder ``moment``.

def _in_force(as_of: bool, v=IndicatorValue):
    if not as_of:
        return v.superseded_at.is_(None)
    moment = bindparam("moment", type_=DateTime)
    return and_(v.submitted_at <= moment, or_(v.superseded_at.is_(None), v.superseded_at > moment))


def _valid_during(u=AdminUnit):
    return and_(or_(u.valid_from.is_(None), u.valid_from <= bindparam("period_end", type_=Date)),
                or_(u.valid_to.is_(None), u.valid_to >= bindparam("period_start", type_=Date)))


_INDICATOR_FIELDS = ("code", "name_vi", "name_en", "unit", "unit_en", "group", "owner_role", "direction",
                     "aggregation", "is_rate", "decimals", "sort_order", "is_demo")


def _indicator_columns():
    return [getattr(Indicator, f) for f in _INDICATOR_FIELDS]


_INDICATOR = select(*_indicator_columns()).where(Indicator.code == bindparam("code"))


@functools.cache
def _indicator_list(by_group: bool, by_owner: bool):
    stmt = select(*_indicator_columns()).order_by(Indicator.sort_order, Indicator.code)
    if by_group:
        stmt = stmt.where(Indicator.group == bindparam("group"))
    if by_owner:
        stmt = stmt.where(Indicator.owner_role == bindparam("owner_role"))
    return stmt


def _indicator(c: Connection, code: str) -> SimpleNamespace:
    row = _one(c, _INDICATOR, {"code": code})
    if row is None:
        raise NotFound(f"Không có chỉ tiêu '{code}'.", f"Indicator '{code}' does not exist.")
    return SimpleNamespace(**row)


_UNIT_NAME = select(AdminUnit.name).where(AdminUnit.code == bindparam("code"))

_DISTRICT_RANGES = select(AdminUnit.code, AdminUnit.valid_from, AdminUnit.valid_to).where(
    AdminUnit.parent_code == bindparam("province"), AdminUnit.level == "district")


def _districts_valid(district_rows: list[tuple], period_code: str) -> int:
    if not periods.is_valid(period_code):
        return 0
    p = periods.parse(period_code)
    return sum(1 for _, valid_from, valid_to in district_rows
               if (valid_from is None or valid_from <= p.end) and (valid_to is None or valid_to >= p.start))


def _value_filters(as_of: bool, by_period: bool, by_kind: bool, v=IndicatorValue) -> list:
    conds = [v.indicator_code.in_(bindparam("indicator", expanding=True)), _in_force(as_of, v)]
    if by_period:
        conds.append(v.period == bindparam("period"))
    if by_kind:
        conds.append(v.kind == bindparam("kind"))
    return conds


def _value_values(indicator_codes: list[str], moment: dt.datetime | None, period: str | None,
                  kind: str | None) -> tuple[dict[str, Any], tuple]:
    values = {"moment": moment, "period": period, "kind": kind, "indicator": list(indicator_codes)}
    return values, (moment is not None, period is not None, kind is not None)


@functools.cache
def _rollup(as_of: bool, by_period: bool, by_kind: bool):
    v = IndicatorValue
    pop = AdminUnit.population_2019
    weighted = and_(v.value.is_not(None), pop.is_not(None), pop > 0)
    return (
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
        .where(*_value_filters(as_of, by_period, by_kind), AdminUnit.parent_code == bindparam("province"),
               AdminUnit.level == "district")
        .group_by(v.indicator_code, v.period, v.kind, AdminUnit.valid_from, AdminUnit.valid_to)
    )


def _rollup_aggregates(c: Connection, province: str, indicator_codes: list[str], moment: dt.datetime | None,
                       *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    """District aggregates per (indicator, period, kind), computed in SQL over the districts of the
    province valid during each period: n (values), total, mean, wsum/wpop/n_pop (population
    weighting), any_demo, last_submitted.

    One pass over the values: SQL sums them per (indicator, period, kind) and per validity range of
    the districts (districts almost always share one range, so there is one group per figure); the
    ranges valid during the figure's period are then added up here -- the same sums as filtering the
    districts in SQL first, without a second pass to learn which periods occur."""
    values, shape = _value_values(indicator_codes, moment, period, kind)
    values["province"] = province
    out: dict[tuple, dict] = {}
    for (code, period_code, kind_code, valid_from, valid_to, n, total, mean, wsum, wpop, n_pop, any_demo,
         last_submitted) in c.execute(_rollup(*shape), values):
        if not periods.is_valid(period_code):  # an unreadable period code matches no district
            continue
        p = periods.parse(period_code)
        if not ((valid_from is None or valid_from <= p.end) and (valid_to is None or valid_to >= p.start)):
            continue
        key = (code, period_code, kind_code)
        acc = out.get(key)
        if acc is None:
            out[key] = {"n": n, "total": total, "mean": mean, "wsum": wsum, "wpop": wpop, "n_pop": n_pop,
                        "any_demo": any_demo, "last_submitted": last_submitted}
            continue
        # a second validity range (a district split or merged): add its sums to the first
        acc["n"] = int(acc["n"] or 0) + int(n or 0)
        for name, add in (("total", total), ("wsum", wsum), ("wpop", wpop)):
            if add is not None:
                acc[name] = add if acc[name] is None else acc[name] + add
        acc["mean"] = acc["total"] / acc["n"] if acc["n"] else None
        acc["n_pop"] = int(acc["n_pop"] or 0) + int(n_pop or 0)
        acc["any_demo"] = max(int(acc["any_demo"] or 0), int(any_demo or 0))
        if last_submitted is not None and (acc["last_submitted"] is None or last_submitted > acc["last_submitted"]):
            acc["last_submitted"] = last_submitted
    # a key whose every valid range had no values (all NULL) is still a group, as with SQL's GROUP BY
    return out


_OWN_FIELDS = ("indicator_code", "period", "period_type", "year", "kind", "value", "source", "file_name",
               "is_demo", "submitted_at", "revision", "note")

@functools.cache
def _own_values_statement(as_of: bool, by_period: bool, by_kind: bool):
    return (select(*[getattr(IndicatorValue, f) for f in _OWN_FIELDS])
            .where(IndicatorValue.admin_unit_code == bindparam("unit_code"),
                   *_value_filters(as_of, by_period, by_kind)))


def _own_values(c: Connection, unit_code: str, indicator_codes: list[str], moment: dt.datetime | None,
                *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    values, shape = _value_values(indicator_codes, moment, period, kind)
    values["unit_code"] = unit_code
    return {(row["indicator_code"], row["period"], row["kind"]): row
            for row in _records(c, _own_values_statement(*shape), values)}


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


def _province_figures(c: Connection, province: str, indicators: dict[str, SimpleNamespace],
                      moment: dt.datetime | None, *, period: str | None = None,
                      kind: str | None = None) -> dict[tuple, dict]:
    """Province figures per (indicator, period, kind): roll-up or own value (see module notes)."""
    codes = list(indicators)
    if not codes:
        return {}
    aggs = _rollup_aggregates(c, province, codes, moment, period=period, kind=kind)
    own = _own_values(c, province, codes, moment, period=period, kind=kind)
    district_rows = c.execute(_DISTRICT_RANGES, {"province": province}).all()
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


@functools.cache
def _district_values(as_of: bool):
    iv = IndicatorValue
    v = (select(iv.admin_unit_code, iv.value, iv.source, iv.file_name, iv.is_demo, iv.submitted_at, iv.revision,
                iv.note)
         .where(iv.indicator_code == bindparam("indicator"), iv.period == bindparam("period"), iv.kind == bindparam("kind"),
                _in_force(as_of)).subquery("v"))
    return (
        select(AdminUnit.code, AdminUnit.name, AdminUnit.population_2019.label("population"), v.c.value,
               v.c.source, v.c.file_name, v.c.is_demo, v.c.submitted_at, v.c.revision, v.c.note)
        .select_from(AdminUnit)
        .outerjoin(v, v.c.admin_unit_code == AdminUnit.code)
        .where(AdminUnit.parent_code == bindparam("province"), AdminUnit.level == "district", _valid_during())
        .order_by(AdminUnit.code)
    )


def indicator_values(engine: Engine, *, indicator: str, period: str, kind: str = "actual",
                     level: str = "district", province: str, as_of: dt.date | dt.datetime | None = None
                     ) -> Records:
    """Figures of one indicator for one period and kind.

    ``level='district'``: one row per district of the province valid during the period (also those
    with no figure: value None, NaN in a frame), DISTRICT_VALUE_COLUMNS; ``attrs`` holds
    ``districts_contributing`` and ``districts_total``.
    ``level='province'``: one row, PROVINCE_VALUE_COLUMNS — the roll-up by the indicator's
    aggregation (see module notes) with how many districts contributed.
    """
    code = periods.validate(period)
    p = periods.parse(code)
    moment = _moment(as_of)
    if level not in ("district", "province"):
        raise ValidationFailed(f"Cấp '{level}' không hợp lệ: district hoặc province.",
                               f"Level '{level}' is not valid: district or province.")
    with read_connection(engine) as c:
        ind = _indicator(c, indicator)
        if level == "province":
            figs = _province_figures(c, province, {ind.code: ind}, moment, period=code, kind=kind)
            name = c.scalar(_UNIT_NAME, {"code": province})
            fig = figs.get((ind.code, code, kind)) or _combine(
                ind.aggregation, None, None,
                _districts_valid(c.execute(_DISTRICT_RANGES, {"province": province}).all(), code))
            row = {"code": province, "name": name if name is not None else province,
                   "aggregation": ind.aggregation, **fig}
            return Records([row], PROVINCE_VALUE_COLUMNS)
        rows = _records(c, _district_values(moment is not None),
                        {"indicator": ind.code, "period": code, "kind": kind, "moment": moment,
                         "province": province, "period_start": p.start, "period_end": p.end})
    contributing = 0
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
        value = row["value"]
        if value is not None:
            value = float(value)
            if not math.isnan(value):
                contributing += 1
            row["value"] = value
    return Records(rows, DISTRICT_VALUE_COLUMNS, floats=("value",),
                   attrs={"districts_contributing": contributing, "districts_total": len(rows)})


SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "source", "file_name", "is_demo",
                  "submitted_at", "revision", "note")
PROVINCE_SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "basis", "method",
                           "districts_contributing", "districts_total", "own_value", "source", "is_demo",
                           "submitted_at", "revision")


@functools.lru_cache(maxsize=8192)
def _series_sort_key(period: str, kind: str):
    key = periods.sort_key(period) if periods.is_valid(period) else (dt.date.max, 9)
    return (key, KIND_ORDER.get(kind, 9))


@functools.cache
def _series(as_of: bool):
    """The indicator, outer-joined to the unit's figures in force: one statement says both whether the
    indicator exists and what its figures are."""
    v = IndicatorValue
    return (select(*[getattr(v, f) for f in _OWN_FIELDS if f != "indicator_code"])
            .select_from(Indicator)
            .outerjoin(v, and_(v.indicator_code == Indicator.code, v.admin_unit_code == bindparam("unit_code"),
                               _in_force(as_of, v)))
            .where(Indicator.code == bindparam("code")))


def indicator_series(engine: Engine, *, indicator: str, unit_code: str,
                     as_of: dt.date | dt.datetime | None = None) -> Records:
    """Every figure in force for one unit across periods and kinds, in period order: SERIES_COLUMNS."""
    moment = _moment(as_of)
    with read_connection(engine) as c:
        found = _records(c, _series(moment is not None), {"code": indicator, "unit_code": unit_code, "moment": moment})
    if not found:
        raise NotFound(f"Không có chỉ tiêu '{indicator}'.", f"Indicator '{indicator}' does not exist.")
    rows = [row for row in found if row["period"] is not None]  # the indicator alone: no figure
    rows.sort(key=lambda row: _series_sort_key(row["period"], row["kind"]))
    return Records(rows, SERIES_COLUMNS)


def province_series(engine: Engine, *, indicator: str, province: str,
                    as_of: dt.date | dt.datetime | None = None) -> Records:
    """The province figure per period and kind (roll-up rules of the module notes):
    PROVINCE_SERIES_COLUMNS, in period order."""
    moment = _moment(as_of)
    with read_connection(engine) as c:
        ind = _indicator(c, indicator)
        figs = _province_figures(c, province, {ind.code: ind}, moment)
    rows = []
    for (_, period, kind), fig in figs.items():
        ok = periods.is_valid(period)
        rows.append({"period": period, "period_type": periods.period_type(period) if ok else None,
                     "year": periods.year(period) if ok else None, "kind": kind, **fig})
    rows.sort(key=lambda row: _series_sort_key(row["period"], row["kind"]))
    return Records(rows, PROVINCE_SERIES_COLUMNS)


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
                       district: str | None = None) -> Records:
    """One row per indicator (OVERVIEW_COLUMNS), for the province (roll-up) or one district.

    ``baseline_2020``: the 2020 actual (its estimate when no actual). ``latest_actual_*``: the latest
    yearly actual. ``latest_estimate_*``: the latest estimate of any period type. ``target_2025``,
    ``target_2030``: yearly targets. Progress (``status`` … ``explanation_en``) is
    ``status.progress_from_series`` over the yearly series — each year's actual, or its estimate when
    the actual is not in yet (``latest_is_estimate`` says so) — against the 2030 target, or the 2025
    target when there is no 2030 one. A handful of queries in all, whatever the number of indicators.
    """
    moment = _moment(as_of)
    with read_connection(engine) as c:
        inds = {row["code"]: SimpleNamespace(**row)
                for row in _records(c, _indicator_list(bool(group), bool(owner_role)),
                                    {"group": group, "owner_role": owner_role})}
        if not inds:
            return Records([], OVERVIEW_COLUMNS)
        if district:
            figs = {k: {"value": row["value"], "is_demo": bool(row["is_demo"])}
                    for k, row in _own_values(c, district, list(inds), moment).items()}
        else:
            figs = _province_figures(c, province, inds, moment)
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
        actual_years = []
        estimates = []
        for (period, kind), fig in vals.items():
            if kind == "estimate":
                estimates.append((period, fig["value"]))
            if periods.period_type(period) != "year" or kind not in ("actual", "estimate"):
                continue
            y = periods.year(period)
            if kind == "actual":
                actual_years.append(y)
                yearly[y] = fig["value"]
                estimate_years.discard(y)
            elif y not in yearly:
                yearly[y] = fig["value"]
                estimate_years.add(y)
        actual_years.sort()
        estimates.sort(key=lambda x: periods.sort_key(x[0]))
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
    return Records(rows, OVERVIEW_COLUMNS)


VALUE_HISTORY_COLUMNS = ("id", "revision", "value", "source", "file_name", "note", "submitted_by_id",
                         "submitted_by", "submitter_name", "submitted_at", "superseded_at", "is_current",
                         "is_demo")

_VALUE_HISTORY = (
    select(IndicatorValue.id, IndicatorValue.revision, IndicatorValue.value, IndicatorValue.source,
           IndicatorValue.file_name, IndicatorValue.note, IndicatorValue.submitted_by_id,
           User.username.label("submitted_by"), User.display_name.label("submitter_name"),
           IndicatorValue.submitted_at, IndicatorValue.superseded_at, IndicatorValue.is_demo)
    .outerjoin(User, User.id == IndicatorValue.submitted_by_id)
    .where(IndicatorValue.indicator_code == bindparam("indicator"), IndicatorValue.admin_unit_code == bindparam("unit_code"),
           IndicatorValue.period == bindparam("period"), IndicatorValue.kind == bindparam("kind"))
    .order_by(IndicatorValue.revision.desc(), IndicatorValue.id.desc()))


def value_history(engine: Engine, *, indicator: str, unit_code: str, period: str, kind: str) -> Records:
    """Every revision of one figure, newest first: VALUE_HISTORY_COLUMNS (submitted_by = user name,
    submitter_name = display name)."""
    with read_connection(engine) as c:
        rows = _records(c, _VALUE_HISTORY, {"indicator": indicator, "unit_code": unit_code,
                                            "period": periods.validate(period), "kind": kind})
    for row in rows:
        row["is_current"] = row["superseded_at"] is None
        row["is_demo"] = bool(row["is_demo"])
    return Records(rows, VALUE_HISTORY_COLUMNS)


# --- issues ----------------------------------------------------------------------------------------

def _issue_where(by_districts: bool, by_agency: bool) -> list:
    conds = [Issue.province_code == bindparam("province"), Issue.raised_on <= _day_param()]
    if by_districts:
        iau = issue_admin_unit.c
        codes = bindparam("district", expanding=True)
        conds.append(or_(
            Issue.id.in_(select(iau.issue_id).where(iau.admin_unit_code.in_(codes))),
            Issue.raised_by_code.in_(select(Agency.code).where(Agency.admin_unit_code.in_(codes))),
        ))
    if by_agency:
        conds.append(or_(Issue.raised_by_code == bindparam("agency"),
                         Issue.related_task_id.in_(select(Task.id).where(Task.lead_agency_code == bindparam("agency")))))
    return conds


def _issue_values(province: str, day: dt.date, districts=None, agency: str | None = None
                  ) -> tuple[dict[str, Any], tuple[bool, bool]]:
    codes = _codes(districts) or []
    values = {"province": province, "day": day, "agency": agency, "district": codes}
    return values, (bool(codes), bool(agency))


def _issue_age(dialect: str):
    """Days from raised to ``day`` — or to the day it was settled, for a settled issue."""
    end = case((and_(Issue.status.in_(CLOSED_ISSUE_STATUSES), Issue.resolved_on.is_not(None),
                     Issue.resolved_on <= _day_param()), Issue.resolved_on), else_=_day_param())
    return _days_between(dialect, end, Issue.raised_on)


AGE_BUCKETS = ("lt30", "30to90", "gt90")


def _age_condition(age, bucket: str):
    if bucket == "lt30":
        return age < 30
    if bucket == "30to90":
        return and_(age >= 30, age <= 90)
    return age > 90


ISSUE_COLUMNS = (
    "id", "code", "title", "description", "raised_by_code", "raised_by_name", "raised_by_short_name",
    "raised_by_short", "raised_on", "severity", "status", "proposed_solution", "decision",
    "decided_at_meeting_id", "decided_on", "decided_meeting_title", "resolved_on", "related_task_id",
    "related_task_code", "related_task_title", "for_next_meeting", "units", "unit_codes", "age_days",
    "age_bucket", "version", "updated_at", "is_demo",
)


@functools.cache
def _issue_list(dialect: str, by_districts: bool, by_agency: bool, by_severity: bool, age_bucket: str | None):
    conds = _issue_where(by_districts, by_agency)
    conds.append(Issue.status.in_(bindparam("status", expanding=True)))
    if by_severity:
        conds.append(Issue.severity.in_(bindparam("severity", expanding=True)))
    if age_bucket:
        conds.append(_age_condition(_issue_age(dialect), age_bucket))
    raised = aliased(Agency)
    related = aliased(Task)
    decided = aliased(Meeting)
    severity_rank = case({s: i for i, s in enumerate(rules.ISSUE_SEVERITIES)}, value=Issue.severity, else_=9)
    return (
        select(Issue.id, Issue.code, Issue.title, Issue.description, Issue.raised_by_code,
               raised.name.label("raised_by_name"), raised.short_name.label("raised_by_short_name"),
               Issue.raised_on, Issue.severity, Issue.status, Issue.proposed_solution, Issue.decision,
               Issue.decided_at_meeting_id, decided.held_on.label("decided_on"),
               decided.title.label("decided_meeting_title"), Issue.resolved_on,
               Issue.related_task_id, related.code.label("related_task_code"),
               related.title.label("related_task_title"),
               Issue.for_next_meeting, _issue_age(dialect).label("age_days"),
               Issue.version, Issue.updated_at, Issue.is_demo)
        .join(raised, raised.code == Issue.raised_by_code)
        .outerjoin(related, related.id == Issue.related_task_id)
        .outerjoin(decided, decided.id == Issue.decided_at_meeting_id)
        .where(*conds)
        .order_by(severity_rank, Issue.raised_on, Issue.id)
    )


_ISSUE_UNITS = (
    select(issue_admin_unit.c.issue_id, AdminUnit.code, AdminUnit.name)
    .join(AdminUnit, AdminUnit.code == issue_admin_unit.c.admin_unit_code)
    .where(_in_ids(issue_admin_unit.c.issue_id))
    .order_by(issue_admin_unit.c.issue_id, AdminUnit.code))


def open_issues(engine: Engine, province: str, *, districts=None, agency: str | None = None, statuses=None,
                severities=None, age_bucket: str | None = None, as_of: dt.date | None = None,
                text: str | None = None) -> Records:
    """Issues (by default the open ones: open, in_progress, awaiting_decision), most severe first,
    then oldest: ISSUE_COLUMNS.

    ``districts``: linked to one of them or raised by that district's People's Committee.
    ``agency``: raised by it, or about a task it leads. ``age_days``: days from raised to ``as_of``
    (to the settling day for settled issues); ``age_bucket``: lt30 (< 30), 30to90 (30–90), gt90 (> 90).
    ``text``: words in the code, title or description, ignoring case and diacritics (matched in
    Python on the rows the SQL filters leave). Issues raised after ``as_of`` are left out.
    ``raised_by_short`` repeats ``raised_by_short_name`` (the name earlier readers used).
    """
    if age_bucket and age_bucket not in AGE_BUCKETS:
        raise ValidationFailed(f"Nhóm tuổi '{age_bucket}' không hợp lệ: lt30, 30to90 hoặc gt90.",
                               f"Age bucket '{age_bucket}' is not valid: lt30, 30to90 or gt90.")
    day = _day(as_of)
    values, (by_districts, by_agency) = _issue_values(province, day, districts, agency)
    severity_codes = _codes(severities) or []
    values.update(status=_codes(statuses) or list(rules.OPEN_ISSUE_STATUSES), severity=severity_codes)
    stmt = _issue_list(engine.dialect.name, by_districts, by_agency, bool(severity_codes), age_bucket or None)
    with read_connection(engine) as c:
        rows = _records(c, stmt, values)
        text = (text or "").strip()
        if text:
            needle = fold(text)
            rows = [row for row in rows if needle in fold(f"{row['code']} {row['title']} {row['description'] or ''}")]
        units: dict[int, list[tuple]] = defaultdict(list)
        if rows:
            for issue_id, code, name in c.execute(_ISSUE_UNITS, {"ids": [row["id"] for row in rows]}):
                units[issue_id].append((code, name))
    for row in rows:
        row["age_days"] = int(row["age_days"] or 0)
        row["age_bucket"] = rules.age_bucket(row["age_days"])
        un = units.get(row["id"], ())
        row["units"] = ", ".join(x[1] for x in un)
        row["unit_codes"] = ", ".join(x[0] for x in un)
        row["raised_by_short"] = row["raised_by_short_name"]
    return Records(rows, ISSUE_COLUMNS)


@functools.cache
def _issue_counts(dialect: str, by_districts: bool, by_agency: bool):
    age = _issue_age(dialect)
    bucket = case((age < 30, literal("lt30")), (age <= 90, literal("30to90")), else_=literal("gt90"))
    return (
        select(Issue.status, Issue.severity, bucket.label("bucket"),
               func.count(Issue.id).label("n"), _n(Issue.for_next_meeting.is_(True)).label("flagged"))
        .where(*_issue_where(by_districts, by_agency))
        .group_by(Issue.status, Issue.severity, bucket)
    )


def issue_counts(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                 as_of: dt.date | None = None) -> dict[str, Any]:
    """Counts over the issues in scope (same filters as ``open_issues``).

    Keys: open_total (open + in_progress + awaiting_decision), one key per status, for_next_meeting
    (open ones flagged), by_severity {severity: open count}, by_age {lt30, 30to90, gt90: open count}.
    """
    values, shape = _issue_values(province, _day(as_of), districts, agency)
    with read_connection(engine) as c:
        rows = c.execute(_issue_counts(engine.dialect.name, *shape), values).all()
    out: dict[str, Any] = {st: 0 for st in rules.ISSUE_STATUSES}
    out.update(open_total=0, for_next_meeting=0)
    by_severity = {sev: 0 for sev in rules.ISSUE_SEVERITIES}
    by_age = {b: 0 for b in rules.AGE_BUCKETS}
    for status, severity, bucket, n, flagged in rows:
        n = int(n)
        out[status] = out.get(status, 0) + n
        if status in rules.OPEN_ISSUE_STATUSES:
            out["open_total"] += n
            out["for_next_meeting"] += int(flagged or 0)
            by_severity[severity] = by_severity.get(severity, 0) + n
            by_age[bucket] += n
    out["by_severity"] = by_severity
    out["by_age"] = by_age
    return out


# --- meetings --------------------------------------------------------------------------------------

_MEETING_FIELDS = ("id", "province_code", "held_on", "starts_at", "title", "kind", "chair", "venue", "status",
                   "notice_number", "notes", "version", "is_demo")


def _meeting_columns():
    return [getattr(Meeting, f) for f in _MEETING_FIELDS]


_NEXT_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_code == bindparam("province"), Meeting.status == "planned",
           Meeting.held_on >= _day_param())
    .order_by(Meeting.held_on, Meeting.id).limit(1))

_LAST_MEETING = (
    select(*_meeting_columns())
    .where(Meeting.province_code == bindparam("province"),
           or_(Meeting.held_on < _day_param(), and_(Meeting.held_on == _day_param(), Meeting.status == "held")))
    .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1))

_INVITEES = (
    select(Agency.code, Agency.name, Agency.short_name)
    .join(meeting_invitee, meeting_invitee.c.agency_code == Agency.code)
    .where(meeting_invitee.c.meeting_id == bindparam("meeting_id", type_=Integer)))

_presenter = aliased(Agency)
_AGENDA = (
    select(AgendaItem.id, AgendaItem.position, AgendaItem.kind, AgendaItem.ref, AgendaItem.title,
           AgendaItem.notes, AgendaItem.presenter_code, _presenter.name.label("presenter_name"),
           _presenter.short_name.label("presenter_short_name"), AgendaItem.minutes)
    .outerjoin(_presenter, _presenter.code == AgendaItem.presenter_code)
    .where(AgendaItem.meeting_id == bindparam("meeting_id", type_=Integer))
    .order_by(AgendaItem.position, AgendaItem.id))


def _meeting_dict(c: Connection, meeting: dict[str, Any], today: dt.date) -> dict[str, Any]:
    ref = {"meeting_id": meeting["id"]}
    invitees = _records(c, _INVITEES, ref)
    invitees.sort(key=lambda a: _sort_name(a["name"]))
    agenda = _records(c, _AGENDA, ref)
    return {
        **meeting, "is_demo": bool(meeting["is_demo"]), "days_until": (meeting["held_on"] - today).days,
        "invitees": invitees, "agenda": agenda, "agenda_minutes": sum(int(a["minutes"] or 0) for a in agenda),
    }


def upcoming_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The next planned meeting on or after ``today``, or None. Keys: the meeting's fields,
    days_until, invitees [{code, name, short_name}], agenda [{id, position, kind, ref, title, notes,
    presenter_code, presenter_name, presenter_short_name, minutes}], agenda_minutes."""
    day = _day(today)
    with read_connection(engine) as c:
        meeting = _one(c, _NEXT_MEETING, {"province": province, "day": day})
        return None if meeting is None else _meeting_dict(c, meeting, day)


def last_meeting(engine: Engine, province: str, today: dt.date | None = None) -> dict[str, Any] | None:
    """The latest meeting that has taken place: dated before ``today``, or dated ``today`` and marked
    held. Same keys as ``upcoming_meeting`` plus days_since."""
    day = _day(today)
    with read_connection(engine) as c:
        meeting = _one(c, _LAST_MEETING, {"province": province, "day": day})
        if meeting is None:
            return None
        out = _meeting_dict(c, meeting, day)
    out["days_since"] = -out["days_until"]
    return out


_MEETINGS = (
    select(Meeting.id, Meeting.held_on, Meeting.title, Meeting.kind, Meeting.status, Meeting.notice_number)
    .where(Meeting.province_code == bindparam("province"))
    .order_by(Meeting.held_on.desc(), Meeting.id.desc()))


def meetings(engine: Engine, province: str) -> list[dict[str, Any]]:
    """All meetings of the province, latest first: id, held_on, title, kind, status, notice_number."""
    with read_connection(engine) as c:
        return _records(c, _MEETINGS, {"province": province})


# --- reference lists and the data version ----------------------------------------------------------

def data_version(engine: Engine) -> str:
    """The newest audit entry (id and time): moves on every write (cache key)."""
    with read_session(engine) as s:
        return audit.data_version(s)


_PROVINCES = select(AdminUnit.code, AdminUnit.name).where(AdminUnit.level == "province")


def provinces(engine: Engine) -> list[dict[str, Any]]:
    """Provinces in the store: [{code, name}], by name."""
    with read_connection(engine) as c:
        rows = _records(c, _PROVINCES)
    return sorted(rows, key=lambda row: _sort_name(row["name"]))


@functools.cache
def _districts(on_day: bool):
    u = AdminUnit
    stmt = (select(u.code, u.name, u.type, u.population_2019, u.area_km2, u.valid_from, u.valid_to)
            .where(u.parent_code == bindparam("province"), u.level == "district").order_by(u.code))
    if on_day:
        stmt = stmt.where(_valid_during())
    return stmt


def districts(engine: Engine, province: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Districts of the province, by code: [{code, name, type, population_2019, area_km2, valid_from,
    valid_to}]. With ``on``, only those valid that day; without it, all of them."""
    with read_connection(engine) as c:
        return _records(c, _districts(on is not None), {"province": province, "period_start": on, "period_end": on})


@functools.cache
def _agencies(members_only: bool):
    a = Agency
    stmt = select(a.code, a.name, a.short_name, a.kind, a.role, a.admin_unit_code,
                  a.is_committee_member).where(a.province_code == bindparam("province"))
    if members_only:
        stmt = stmt.where(a.is_committee_member.is_(True))
    return stmt


def agencies(engine: Engine, province: str, *, members_only: bool = False) -> list[dict[str, Any]]:
    """Agencies of the province, by name: [{code, name, short_name, kind, role, admin_unit_code,
    is_committee_member}]."""
    with read_connection(engine) as c:
        rows = _records(c, _agencies(bool(members_only)), {"province": province})
    return sorted(rows, key=lambda row: (_sort_name(row["name"]), row["code"]))
