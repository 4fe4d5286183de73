""""As of a day" means up to and including the last instant of that day.

A figure or an update stamped at any moment of day D (23:59:59.5 included) counts for D; one stamped
at 00:00 of D + 1 does not. Stored times are naive Vietnam local times (``qh_data.clock``) with
microseconds, so the last instant is ``datetime.combine(D, time.max)`` (23:59:59.999999).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement


def end_of_day(day: dt.date | dt.datetime) -> dt.datetime:
    """The last instant of ``day``; a datetime is taken as the moment it names."""
    if isinstance(day, dt.datetime):
        return day
    return dt.datetime.combine(day, dt.time.max)


def moment(as_of: dt.date | dt.datetime | None) -> dt.datetime | None:
    """None (now: current figures), a datetime as given, or the last instant of a given day."""
    return None if as_of is None else end_of_day(as_of)


def counts_by(stamp: dt.datetime, as_of: dt.date | dt.datetime) -> bool:
    """True when something stamped at ``stamp`` already counts as of ``as_of``."""
    return stamp <= end_of_day(as_of)


# --- the same in SQL ---------------------------------------------------------------------------------

def counts_by_sql(stamp_col, end) -> ColumnElement[bool]:
    """``stamp_col`` counts by ``end`` (a bound ``end_of_day(...)`` value or a placeholder for one)."""
    return stamp_col <= end
