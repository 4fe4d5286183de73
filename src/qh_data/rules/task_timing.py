"""Task timing, computed from dates and status and never stored.

``task_timing(due_on, status, done_on, today)`` gives one code of ``TASK_TIMINGS``:

========================  ==============================================================
``cancelled``             status is cancelled (whatever the dates)
``done_late``             done, and its done day is after its due day
``done_on_time``          done on or before the due day (or done with no due day / no done day)
``no_deadline``           not done, no due day
``overdue``               not done and the due day is before ``today``
``due_soon``              not done and due between ``today`` and ``today + DUE_SOON_DAYS``
                          (both included: due today counts as due soon)
``on_track``              not done and due later than that
========================  ==============================================================

``days_late`` is ``done_on - due_on`` for ``done_late``, ``today - due_on`` for ``overdue``, else 0.
``timing_sql`` and ``days_late_sql`` are the same rules as SQL expressions over any columns (a task
row, a task's state as of a day), judged on a day and a "due soon" bound given as SQL values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, literal

DUE_SOON_DAYS = 7
# Timing codes in the order charts stack them (finished first, then open by urgency, then the rest).
TASK_TIMINGS = ("done_on_time", "done_late", "on_track", "due_soon", "overdue", "no_deadline", "cancelled")
# The same codes by how much attention they need (filters, lists).
TIMINGS_BY_URGENCY = ("overdue", "due_soon", "on_track", "no_deadline", "done_late", "done_on_time",
                      "cancelled")


@dataclass(frozen=True)
class TaskTiming:
    code: str
    days_late: int = 0  # done_late: done − due; overdue: today − due; else 0
    days_left: int | None = None  # open with a due day: due − today (negative when overdue)


def task_timing(due_on: dt.date | None, status: str, done_on: dt.date | None = None,
                today: dt.date | None = None, *, due_soon_days: int = DUE_SOON_DAYS) -> TaskTiming:
    """The timing of one task on ``today`` (default: Vietnam today); see the module notes."""
    if today is None:
        from ..clock import (
            today as vietnam_today,  # clock imports nothing of ours; kept lazy for tests' freeze
        )

        today = vietnam_today()
    if status == "cancelled":
        return TaskTiming("cancelled")
    if status == "done":
        if due_on is not None and done_on is not None and done_on > due_on:
            return TaskTiming("done_late", (done_on - due_on).days)
        return TaskTiming("done_on_time")
    if due_on is None:
        return TaskTiming("no_deadline")
    left = (due_on - today).days
    if left < 0:
        return TaskTiming("overdue", -left, left)
    if left <= due_soon_days:
        return TaskTiming("due_soon", 0, left)
    return TaskTiming("on_track", 0, left)


def timing_code(due_on: dt.date | None, status: str, done_on: dt.date | None = None,
                today: dt.date | None = None) -> str:
    return task_timing(due_on, status, done_on, today).code


def days_late(due_on: dt.date | None, status: str, done_on: dt.date | None = None,
              today: dt.date | None = None) -> int:
    return task_timing(due_on, status, done_on, today).days_late


def soon_day(day: dt.date, days: int = DUE_SOON_DAYS) -> dt.date:
    """The last day that is still "due soon" when judging on ``day`` (the SQL form's ``soon``)."""
    return min(day, dt.date.max - dt.timedelta(days=days)) + dt.timedelta(days=days)


# --- the same in SQL ---------------------------------------------------------------------------------

def days_between_sql(dialect: str, later, earlier) -> ColumnElement[int]:
    """``later - earlier`` in whole days (both dates): julianday on SQLite, date subtraction elsewhere."""
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def done_late_sql(status, due_on, done_on) -> ColumnElement[bool]:
    return and_(status == "done", due_on.is_not(None), done_on.is_not(None), done_on > due_on)


def overdue_sql(status, due_on, day) -> ColumnElement[bool]:
    return and_(status.not_in(("done", "cancelled")), due_on.is_not(None), due_on < day)


def timing_sql(status, due_on, done_on, day, soon) -> ColumnElement[str]:
    """``task_timing(...).code`` as one CASE; ``day`` and ``soon`` (= ``soon_day(day)``) are SQL values."""
    return case(
        (status == "cancelled", literal("cancelled")),
        (done_late_sql(status, due_on, done_on), literal("done_late")),
        (status == "done", literal("done_on_time")),
        (due_on.is_(None), literal("no_deadline")),
        (due_on < day, literal("overdue")),
        (due_on <= soon, literal("due_soon")),
        else_=literal("on_track"),
    )


def days_late_sql(dialect: str, status, due_on, done_on, day, *, default=0) -> ColumnElement[int]:
    """``task_timing(...).days_late`` in SQL (``default`` where the rule gives 0, e.g. NULL)."""
    return case(
        (done_late_sql(status, due_on, done_on), days_between_sql(dialect, done_on, due_on)),
        (overdue_sql(status, due_on, day), days_between_sql(dialect, day, due_on)),
        else_=default,
    )
