"""Unit versions on the write side (issue 14, stage 2 "expand"; docs/units-over-time.md).

Every write that stores a unit code also stores the id of the ``admin_unit_version`` the code means:
- ``version_ids`` / ``version_id``: the version of a code in force on a day, or over a period (one home for
  "which version does this code mean then"; the services call it, they do not restate it);
- ``sync_from_codes``: the bulk form for seeds (demo, synth), the same step as migration 0002: a version for
  every ``admin_unit`` row that has none, and every empty id beside a code filled by joining on the code.
Reads stay on codes in this stage.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from sqlalchemy import Connection, and_, bindparam, case, exists, func, insert, select, update
from sqlalchemy.orm import Session

from .. import periods
from ..errors import QHError
from ..models import (
    AdminUnit,
    AdminUnitVersion,
    Agency,
    DocumentSigner,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    issue_admin_unit,
    task_admin_unit,
)
from ..rules import unit_validity

# Start dates refdata gives without a source (docs/units-over-time.md, point 4): on a version they are NULL,
# "in force since before the data begins". refdata.load writes these; migration 0002 keeps its own copy.
PLACEHOLDER_VALID_FROM = {"province": dt.date(2008, 8, 1), "district": dt.date(2020, 1, 1)}

# (table, code column, id column): every column that points at a unit by its code, and its id beside it.
ID_COLUMNS = (
    (Agency.__table__, "province_code", "province_unit_id"),
    (Agency.__table__, "admin_unit_code", "unit_id"),
    (IndicatorValue.__table__, "admin_unit_code", "unit_id"),
    (Task.__table__, "province_code", "province_unit_id"),
    (task_admin_unit, "admin_unit_code", "unit_id"),
    (Issue.__table__, "province_code", "province_unit_id"),
    (issue_admin_unit, "admin_unit_code", "unit_id"),
    (Meeting.__table__, "province_code", "province_unit_id"),
    (DocumentSigner.__table__, "province_code", "province_unit_id"),
)

V = AdminUnitVersion.__table__


class AmbiguousUnitCode(QHError):
    """A code names two versions over the days asked about (a reused code, issue 14)."""


@functools.cache
def _versions_stmt(with_level: bool):
    """Versions of the codes overlapping [first, last] (a single day: first = last)."""
    stmt = select(V.c.code, V.c.id).where(
        V.c.code.in_(bindparam("codes", expanding=True)),
        unit_validity.overlaps_sql(V.c.valid_from, V.c.valid_to, bindparam("first", type_=V.c.valid_to.type),
                                   bindparam("last", type_=V.c.valid_from.type)),
    )
    return stmt.where(V.c.level == bindparam("level")) if with_level else stmt


def version_ids(conn: Connection | Session, codes: Iterable[str], first: dt.date, last: dt.date | None = None,
                level: str | None = None) -> dict[str, int]:
    """{code: version id} of the versions in force on ``first`` (or overlapping ``first``..``last``).

    A code with no version then is left out; a code with two (a reused code over a period that straddles
    the change) raises ``AmbiguousUnitCode``: the caller must say which unit it means.
    """
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    params = {"codes": codes, "first": first, "last": last or first}
    if level is not None:
        params["level"] = level
    found: dict[str, int] = {}
    for code, vid in conn.execute(_versions_stmt(level is not None), params).all():
        if code in found:
            raise AmbiguousUnitCode(
                f"Mã đơn vị {code} chỉ hai đơn vị khác nhau trong khoảng {first}–{last or first}.",
                f"Unit code {code} names two different units between {first} and {last or first}.")
        found[code] = vid
    return found


def version_id(conn: Connection | Session, level: str | None, code: str | None, day: dt.date) -> int | None:
    """The id of the version of (level, code) in force on ``day``; None for no code or no such version."""
    if not code:
        return None
    return version_ids(conn, [code], day, level=level).get(code)


def sync_from_codes(conn: Connection) -> dict[str, int]:
    """Bulk step for seeds: a version for every unit without one, then every empty id filled from its code.

    Exact while each code has one version (stage 2: a reused code cannot be stored yet, ``admin_unit.code``
    is the key); refuses otherwise. Returns the counts written.
    """
    U = AdminUnit.__table__
    valid_from = case(*((and_(U.c.level == lvl, U.c.valid_from == day), None)
                        for lvl, day in PLACEHOLDER_VALID_FROM.items()), else_=U.c.valid_from)
    missing = select(U.c.level, U.c.code, valid_from, U.c.valid_to, U.c.name, U.c.type, U.c.area_km2,
                     U.c.population_2019, U.c.source, U.c.is_synthetic).where(
        ~exists().where(V.c.level == U.c.level, V.c.code == U.c.code)).order_by(U.c.level, U.c.code)
    cols = ["level", "code", "valid_from", "valid_to", "name", "type", "area_km2", "population_2019", "source",
            "is_synthetic"]
    added = conn.execute(insert(V).from_select(cols, missing)).rowcount
    reused = conn.execute(select(V.c.code).group_by(V.c.code).having(func.count() > 1).limit(1)).first()
    if reused is not None:
        raise AmbiguousUnitCode(
            f"Mã {reused.code} có hơn một phiên bản đơn vị: không gán được theo mã.",
            f"Code {reused.code} has more than one unit version: ids cannot be filled from codes.")
    parent = V.alias("parent")
    conn.execute(update(V).where(V.c.parent_id.is_(None)).values(parent_id=select(parent.c.id).where(
        U.c.level == V.c.level, U.c.code == V.c.code, parent.c.code == U.c.parent_code).scalar_subquery()))
    filled = {}
    for table, code_col, id_col in ID_COLUMNS:
        stmt = update(table).where(table.c[id_col].is_(None), table.c[code_col].is_not(None)).values(
            {id_col: select(V.c.id).where(V.c.code == table.c[code_col]).scalar_subquery()})
        filled[f"{table.name}.{id_col}"] = conn.execute(stmt).rowcount
    return {"versions": added, **filled}


def figure_unit_ids(conn: Connection | Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(unit code, period code): version id} for figures: the version overlapping the period.

    (Targets will take the version the plan was drawn on, docs/units-over-time.md; at this stage each code
    has one version, so both rules give the same id.)
    """
    by_period: dict[str, set[str]] = {}
    for code, period in keys:
        by_period.setdefault(period, set()).add(code)
    out: dict[tuple[str, str], int] = {}
    for period, codes in by_period.items():
        p = periods.parse(period)
        out.update({(code, period): vid for code, vid in version_ids(conn, codes, p.start, p.end).items()})
    return out


LINKS = {"task": (task_admin_unit, "task_id"), "issue": (issue_admin_unit, "issue_id")}


def fill_links(session: Session, owner: str, owner_id: int, day: dt.date) -> None:
    """Fill the empty unit ids of one task's or issue's unit links (``owner`` "task" or "issue", after a
    flush) with the versions in force on ``day`` (the task's ``assigned_on``, the issue's ``raised_on``)."""
    table, owner_column = LINKS[owner]
    codes = session.execute(select(table.c.admin_unit_code).where(
        table.c[owner_column] == owner_id, table.c.unit_id.is_(None))).scalars().all()
    for code, vid in version_ids(session, codes, day).items():
        session.execute(update(table).where(table.c[owner_column] == owner_id, table.c.admin_unit_code == code)
                        .values(unit_id=vid))
