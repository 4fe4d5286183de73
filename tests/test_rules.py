"""Each rule of ``qh_data.rules`` gives the same answer in Python and in SQL, on a grid of cases,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import Column, Date, DateTime, Float, Integer, MetaData, String, Table, func, insert, select

from qh_data.rules import end_of_day, observed, open_status, plan_validity, task_timing, unit_validity

D = dt.date
DAY = D(2026, 7, 10)


def _table(engine, name: str, *columns) -> Table:
    meta = MetaData()
    table = Table(name, meta, Column("id", Integer, primary_key=True), *columns)
    meta.create_all(engine)
    return table


# --- task timing ------------------------------------------------------------------------------------

STATUSES = ("not_started", "in_progress", "done", "cancelled")
DUES = (None, D(2026, 7, 1), D(2026, 7, 9), DAY, D(2026, 7, 11), D(2026, 7, 17), D(2026, 7, 18), D(2027, 1, 1))
DONES = (None, D(2026, 6, 30), D(2026, 7, 9), DAY, D(2026, 7, 12))
DAYS = (DAY, D(2026, 7, 17), D(2025, 12, 31))


def test_task_timing_python_and_sql_agree(engine):
    grid = _table(engine, "rule_timing", Column("status", String(20)), Column("due_on", Date),
                  Column("done_on", Date), Column("day", Date), Column("soon", Date))
    rows = [dict(id=i, status=s, due_on=due, done_on=done, day=day, soon=task_timing.soon_day(day))
            for i, (s, due, done, day) in enumerate(itertools.product(STATUSES, DUES, DONES, DAYS))]
    c = grid.c
    stmt = select(c.id, task_timing.timing_sql(c.status, c.due_on, c.done_on, c.day, c.soon).label("code"),
                  task_timing.days_late_sql(engine.dialect.name, c.status, c.due_on, c.done_on, c.day)
                  .label("late")).order_by(c.id)
    with engine.begin() as conn:
        conn.execute(insert(grid), rows)
        got = conn.execute(stmt).mappings().all()
    assert len(got) == len(rows) == 480
    seen = set()
    for row, sql in zip(rows, got, strict=True):
        expected = task_timing.task_timing(row["due_on"], row["status"], row["done_on"], row["day"])
        assert (sql["code"], sql["late"]) == (expected.code, expected.days_late), row
        seen.add(expected.code)
    assert seen == set(task_timing.TASK_TIMINGS)  # the grid reaches every code


def test_due_soon_bounds():
    assert task_timing.timing_code(DAY, "in_progress", today=DAY) == "due_soon"
    assert task_timing.timing_code(DAY + dt.timedelta(days=7), "not_started", today=DAY) == "due_soon"
    assert task_timing.timing_code(DAY + dt.timedelta(days=8), "not_started", today=DAY) == "on_track"
    assert task_timing.timing_code(DAY - dt.timedelta(days=1), "not_started", today=DAY) == "overdue"
    assert task_timing.soon_day(dt.date.max) == dt.date.max


# --- open statuses ----------------------------------------------------------------------------------

def test_open_statuses_python_and_sql_agree(engine):
    grid = _table(engine, "rule_open", Column("what", String(10)), Column("status", String(30)))
    rows = [dict(id=i, what="task", status=s) for i, s in enumerate(open_status.TASK_STATUSES)]
    rows += [dict(id=100 + i, what="issue", status=s) for i, s in enumerate(open_status.ISSUE_STATUSES)]
    c = grid.c
    stmt = select(c.id, open_status.task_open_sql(c.status).label("task_open"),
                  open_status.issue_open_sql(c.status).label("issue_open")).order_by(c.id)
    with engine.begin() as conn:
        conn.execute(insert(grid), rows)
        got = {r["id"]: r for r in conn.execute(stmt).mappings()}
    for row in rows:
        if row["what"] == "task":
            assert bool(got[row["id"]]["task_open"]) is open_status.task_is_open(row["status"])
        else:
            assert bool(got[row["id"]]["issue_open"]) is open_status.issue_is_open(row["status"])
    assert [s for s in open_status.TASK_STATUSES if open_status.task_is_open(s)] == ["not_started", "in_progress"]
    assert not open_status.issue_is_open("resolved") and open_status.issue_is_open("awaiting_decision")


# --- end of day -------------------------------------------------------------------------------------

STAMPS = (
    dt.datetime(2026, 7, 9, 23, 59, 59, 999999),
    dt.datetime(2026, 7, 10, 0, 0),
    dt.datetime(2026, 7, 10, 12, 30),
    dt.datetime(2026, 7, 10, 23, 59, 59),
    dt.datetime(2026, 7, 10, 23, 59, 59, 500000),
    dt.datetime(2026, 7, 10, 23, 59, 59, 999999),
    dt.datetime(2026, 7, 11, 0, 0),
    dt.datetime(2026, 7, 11, 0, 0, 0, 1),
)


def test_end_of_day_python_and_sql_agree(engine):
    grid = _table(engine, "rule_eod", Column("stamp", DateTime), Column("ends", DateTime))
    cases = list(itertools.product(STAMPS, (DAY, D(2026, 7, 9))))
    rows = [dict(id=i, stamp=s, ends=end_of_day.end_of_day(d)) for i, (s, d) in enumerate(cases)]
    c = grid.c
    stmt = select(c.id, end_of_day.counts_by_sql(c.stamp, c.ends).label("counts")).order_by(c.id)
    with engine.begin() as conn:
        conn.execute(insert(grid), rows)
        got = [bool(r["counts"]) for r in conn.execute(stmt).mappings()]
    assert got == [end_of_day.counts_by(s, d) for s, d in cases]
    # a figure sent at 23:59:59.5 counts for its day, one at midnight does not
    assert end_of_day.counts_by(dt.datetime(2026, 7, 10, 23, 59, 59, 500000), DAY)
    assert not end_of_day.counts_by(dt.datetime(2026, 7, 11), DAY)


def test_moment():
    assert end_of_day.moment(None) is None
    instant = dt.datetime(2026, 7, 10, 8, 0)
    assert end_of_day.moment(instant) == instant
    assert end_of_day.moment(DAY) == dt.datetime(2026, 7, 10, 23, 59, 59, 999999)


# --- actual wins over estimate ----------------------------------------------------------------------

FIGURES = [
    # (key, kind, value)
    ("2023", "actual", 1.0), ("2023", "estimate", 2.0), ("2023", "target", 3.0),
    ("2024", "estimate", 4.0), ("2024", "target", 5.0),
    ("2025", "actual", None), ("2025", "estimate", 6.0),
    ("2026", "target", 7.0),
    ("2027", "actual", 0.0), ("2027", "estimate", 8.0),
    ("2028", "estimate", None),
]


def test_observed_python_and_sql_agree(engine):
    grid = _table(engine, "rule_observed", Column("key", String(10)), Column("kind", String(10)),
                  Column("value", Float))
    rows = [dict(id=i, key=k, kind=kind, value=v) for i, (k, kind, v) in enumerate(FIGURES)]
    c = grid.c
    ranked = (select(c.key, c.kind, c.value,
                     func.row_number().over(partition_by=c.key,
                                            order_by=(observed.kind_rank_sql(c.kind), c.id)).label("rn"))
              .where(observed.is_observed_sql(c.kind, c.value)).subquery())
    stmt = select(ranked.c.key, ranked.c.kind, ranked.c.value).where(ranked.c.rn == 1)
    with engine.begin() as conn:
        conn.execute(insert(grid), rows)
        sql = {r["key"]: (r["kind"], r["value"]) for r in conn.execute(stmt).mappings()}
    python = observed.observed_by(FIGURES)
    assert sql == python
    assert python == {"2023": ("actual", 1.0), "2024": ("estimate", 4.0), "2025": ("estimate", 6.0),
                      "2027": ("actual", 0.0)}


@pytest.mark.parametrize("kind,current,wins", [
    ("actual", None, True), ("estimate", None, True), ("actual", "estimate", True),
    ("estimate", "actual", False), ("actual", "actual", False),
])
def test_wins_over(kind, current, wins):
    assert observed.wins_over(kind, current) is wins


# --- unit validity ----------------------------------------------------------------------------------

BOUNDS = (None, D(2025, 6, 30), D(2025, 7, 1), D(2026, 1, 1))
ASKED = (D(2025, 1, 1), D(2025, 6, 30), D(2025, 7, 1), D(2025, 12, 31), D(2026, 6, 30))


def test_unit_validity_python_and_sql_agree(engine):
    grid = _table(engine, "rule_validity", Column("valid_from", Date), Column("valid_to", Date),
                  Column("start", Date), Column("end", Date))
    rows = [dict(id=i, valid_from=f, valid_to=t, start=s, end=e)
            for i, (f, t, s, e) in enumerate(itertools.product(BOUNDS, BOUNDS, ASKED, ASKED))
            if (f is None or t is None or f <= t) and s <= e]
    c = grid.c
    stmt = select(c.id, unit_validity.in_force_sql(c.valid_from, c.valid_to, c.start).label("on_start"),
                  unit_validity.overlaps_sql(c.valid_from, c.valid_to, c.start, c.end).label("overlaps")
                  ).order_by(c.id)
    with engine.begin() as conn:
        conn.execute(insert(grid), rows)
        got = conn.execute(stmt).mappings().all()
    answers = set()
    for row, sql in zip(rows, got, strict=True):
        on_start = unit_validity.in_force(row["valid_from"], row["valid_to"], row["start"])
        overlaps = unit_validity.overlaps(row["valid_from"], row["valid_to"], row["start"], row["end"])
        assert (bool(sql["on_start"]), bool(sql["overlaps"])) == (on_start, overlaps), row
        answers.add((on_start, overlaps))
    assert answers == {(True, True), (False, True), (False, False)}  # every case the rule can give


def test_unit_validity_at_the_2025_break():
    district = (None, D(2025, 6, 30))
    commune = (D(2025, 7, 1), None)
    assert unit_validity.in_force(*district, D(2025, 6, 30)) and not unit_validity.in_force(*district, D(2025, 7, 1))
    assert unit_validity.in_force(*commune, D(2025, 7, 1)) and not unit_validity.in_force(*commune, D(2025, 6, 30))
    year_2025 = (D(2025, 1, 1), D(2025, 12, 31))
    assert unit_validity.overlaps(*district, *year_2025) and unit_validity.overlaps(*commune, *year_2025)
    assert not unit_validity.covers(*district, *year_2025) and unit_validity.covers(None, None, *year_2025)


# --- plan validity (issue 15 point 3) ------------------------------------------------------------------

PLAN_BOUNDS = (None, D(2023, 3, 14), D(2026, 2, 28), D(2026, 3, 1))
PLAN_DAYS = (D(2020, 1, 1), D(2023, 3, 14), D(2026, 2, 4), D(2026, 2, 28), D(2026, 3, 1), D(2026, 12, 7))


def test_plan_validity_python_and_sql_agree(engine):
    """Which targets count on a day (``targets_counted_sql``, as of a moment and now) agrees with the Python
    rule (``targets_count``; now: the status alone), for every status, range and first / adjusting plan."""
    plans = _table(engine, "rule_plan", Column("status", String(24)), Column("valid_from", Date),
                   Column("valid_to", Date), Column("adjusts_id", Integer))
    values = _table(engine, "rule_plan_value", Column("kind", String(10)), Column("plan_version_id", Integer))
    plan_rows = [dict(id=i, status=st, valid_from=f, valid_to=t, adjusts_id=a)
                 for i, (st, f, t, a) in enumerate(itertools.product(
                     plan_validity.PLAN_STATUSES, PLAN_BOUNDS, PLAN_BOUNDS, (None, 999)), start=1)
                 if f is None or t is None or f <= t]
    value_rows = ([dict(id=p["id"], kind="target", plan_version_id=p["id"]) for p in plan_rows]
                  + [dict(id=10_000, kind="target", plan_version_id=None),
                     dict(id=10_001, kind="actual", plan_version_id=plan_rows[0]["id"])])
    v, pl = values.c, plans.c
    as_of = select(v.id).where(plan_validity.targets_counted_sql(v, pl, True))
    now = select(v.id).where(plan_validity.targets_counted_sql(v, pl, False))
    with engine.begin() as conn:
        conn.execute(insert(plans), plan_rows)
        conn.execute(insert(values), value_rows)
        counted_now = set(conn.execute(now).scalars())
        counted = {day: set(conn.execute(as_of, {"moment": end_of_day.end_of_day(day)}).scalars())
                   for day in PLAN_DAYS}
    answers = set()
    for day in PLAN_DAYS:
        expected = {p["id"] for p in plan_rows if plan_validity.targets_count(
            p["status"], p["valid_from"], p["valid_to"], p["adjusts_id"], day)} | {10_000, 10_001}
        assert counted[day] == expected, day
        answers |= {p["id"] in expected for p in plan_rows}
    assert answers == {True, False}
    assert counted_now == {p["id"] for p in plan_rows if p["status"] in plan_validity.IN_FORCE_NOW} | {10_000, 10_001}
    # an adjustment awaiting approval never counts; the plan it adjusts, being adjusted, does
    waiting = [p["id"] for p in plan_rows if p["status"] == "passed_awaiting_approval"]
    assert not any(w in ids for ids in counted.values() for w in waiting) and not set(waiting) & counted_now
    assert plan_validity.in_force("being_adjusted", D(2023, 3, 14), None, D(2026, 2, 5))
    assert not plan_validity.in_force("passed_awaiting_approval", None, None, D(2026, 2, 5))
