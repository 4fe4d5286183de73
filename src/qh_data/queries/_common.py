"""What the query modules share: running a read, placeholders, and small helpers.

Running a read: ``with read_connection(engine) as c:`` then ``records(c, stmt, params)`` (rows as
dicts), ``one(...)``, or ``c.execute(stmt, params)`` for plain rows -- SQLAlchemy Core on its public
API. A statement is built once: a module constant, or a builder remembered with ``functools.cache``
per *shape* (the dialect where the SQL differs, and which optional filters are on). Values go in as
``bindparam``; every list is one ``bindparam(name, expanding=True)``, so its length is not a shape.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Connection, Date, Engine, bindparam, case, func

from .. import clock
from .. import periods as _periods
from ..collation import sort_key
from ..models import AdminUnitVersion
from ..rules import unit_validity


def read_connection(engine: Engine) -> Connection:
    """A pooled connection for one query function's statements (``with read_connection(engine) as c``).

    On PostgreSQL in autocommit: a SELECT needs no transaction, so there is no BEGIN before it and no
    ROLLBACK when the connection goes back (each statement sees what was committed when it starts,
    as under READ COMMITTED). The engine's pre-ping and recycle apply as to every connection."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return conn


def records(conn: Connection, stmt, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows of ``stmt`` as dicts (callers add their own keys to them)."""
    return [dict(row) for row in conn.execute(stmt, params or {}).mappings().all()]


def one(conn: Connection, stmt, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The first row of ``stmt`` as a dict, or None."""
    row = conn.execute(stmt, params or {}).mappings().first()
    return None if row is None else dict(row)


# --- placeholders and SQL pieces --------------------------------------------------------------------

def day_param():
    """The day timing and ages are judged on (``day``)."""
    return bindparam("day", type_=Date)


def in_ids(col, name: str = "ids"):
    """``col`` is one of the ids given as the list ``name``."""
    return col.in_(bindparam(name, expanding=True))


def count_if(condition):
    """How many rows meet ``condition`` (0, never NULL, over no rows)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def valid_during(u=AdminUnitVersion):
    """The unit's validity range overlaps the days ``period_start`` … ``period_end``."""
    return unit_validity.overlaps_sql(u.valid_from, u.valid_to, bindparam("period_start", type_=Date),
                                      bindparam("period_end", type_=Date))


# --- arguments ----------------------------------------------------------------------------------------

def day_of(as_of: dt.date | dt.datetime | None) -> dt.date:
    """The day a read is judged on: ``as_of`` (its day for a datetime), else Vietnam today."""
    if as_of is None:
        return clock.today()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    return as_of


def code_list(values) -> list[str] | None:
    """Codes given as one string or a list, blanks dropped; None when nothing is left."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = [str(v) for v in values if v is not None and str(v) != ""]
    return out or None


def sort_name(name: str | None) -> tuple:
    """The sort key of a name in Vietnamese alphabetical order (``qh_data.collation``, remembered there)."""
    return sort_key(name or "")


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
