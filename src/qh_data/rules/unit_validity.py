"""When a unit version is in force.

A version (``admin_unit_version``, ``units.lineage.Unit``) is in force from ``valid_from`` to ``valid_to``,
both days included; ``valid_from`` None means "since before the data begins", ``valid_to`` None "still in
force". Two questions are asked of it:
- *in force on a day*: the unit a code meant that day, the units listed for an as-of date;
- *overlaps a period* [start, end]: the units a period's figures can be on (the year 2025 overlaps both the
  districts, to 30/6, and the communes, from 1/7);
and one of a parent: it *covers* a child's whole range.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_


def in_force(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


def overlaps(valid_from: dt.date | None, valid_to: dt.date | None, start: dt.date, end: dt.date) -> bool:
    """The version is in force on at least one day of [start, end]."""
    return (valid_from is None or valid_from <= end) and (valid_to is None or start <= valid_to)


def covers(valid_from: dt.date | None, valid_to: dt.date | None, start: dt.date | None, end: dt.date | None) -> bool:
    """The version is in force over the whole of [start, end] (None: open at that end)."""
    starts_in_time = valid_from is None or (start is not None and valid_from <= start)
    lasts = valid_to is None or (end is not None and end <= valid_to)
    return starts_in_time and lasts


# --- the same in SQL ---------------------------------------------------------------------------------

def in_force_sql(valid_from, valid_to, day) -> ColumnElement[bool]:
    """``day``: a column, a bound value or a ``bindparam(..., type_=Date)``."""
    return and_(or_(valid_from.is_(None), valid_from <= day), or_(valid_to.is_(None), valid_to >= day))


def overlaps_sql(valid_from, valid_to, start, end) -> ColumnElement[bool]:
    return and_(or_(valid_from.is_(None), valid_from <= end), or_(valid_to.is_(None), valid_to >= start))
