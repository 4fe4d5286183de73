"""Units as versions, answered from the store (issue 14): the unit a code meant on a day, the units of a
province on a day, what a unit became and where it came from, and the province scope of the registers.

The same answers as ``units.lineage.Lineage`` gives in memory (``tests/test_units_queries.py`` holds the
two to each other on the 2025 reform); the validity rule is ``rules.unit_validity``'s.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Connection, Date, Engine, bindparam, or_, select
from sqlalchemy.orm import aliased

from ..models import AdminUnitVersion, UnitLineage
from ..rules import unit_validity
from ..units.scope import province_id, province_scope
from ._common import read_connection, records

V = AdminUnitVersion
UNIT_FIELDS = (V.id, V.level, V.code, V.name, V.type, V.valid_from, V.valid_to, V.parent_id, V.area_km2,
               V.population_2019)
_DAY = bindparam("day", type_=Date)
_in_force = unit_validity.in_force_sql(V.valid_from, V.valid_to, _DAY)

_UNIT_ON = select(*UNIT_FIELDS).where(V.level == bindparam("level"), V.code == bindparam("code"), _in_force)

_CHILD = aliased(V)
_UNITS_OF = (
    select(*UNIT_FIELDS)
    .where(_in_force, or_(V.parent_id == bindparam("province_id"), V.parent_id.in_(
        select(_CHILD.id).where(_CHILD.parent_id == bindparam("province_id"),
                                unit_validity.in_force_sql(_CHILD.valid_from, _CHILD.valid_to, _DAY)))))
    .order_by(V.level, V.code))


@functools.cache
def _links(direction: str, with_level: bool):
    link = UnitLineage
    this, other = (link.old_unit_id, link.new_unit_id) if direction == "successors" else (
        link.new_unit_id, link.old_unit_id)
    stmt = (select(*UNIT_FIELDS, link.relation, link.effective_on, link.legal_basis, link.share)
            .join(link, other == V.id).where(this == bindparam("unit_id")).order_by(V.level, V.code))
    return stmt.where(V.level == bindparam("level")) if with_level else stmt


def _linked(c: Connection, direction: str, unit_id: int, level: str | None) -> list[dict[str, Any]]:
    params = {"unit_id": unit_id} if level is None else {"unit_id": unit_id, "level": level}
    return records(c, _links(direction, level is not None), params)


def unit_on(engine: Engine, level: str, code: str, day: dt.date) -> dict[str, Any] | None:
    """The version a code meant on ``day`` at ``level`` (None: no such unit then)."""
    with read_connection(engine) as c:
        return _unit_on(c, level, code, day)


def _unit_on(c: Connection, level: str, code: str, day: dt.date) -> dict[str, Any] | None:
    row = c.execute(_UNIT_ON, {"level": level, "code": code, "day": day}).mappings().first()
    return None if row is None else dict(row)


def units_of(engine: Engine, province_code: str, day: dt.date) -> list[dict[str, Any]]:
    """The districts and communes under the province version in force on ``day``, in force that day."""
    with read_connection(engine) as c:
        province = _unit_on(c, "province", province_code, day)
        if province is None:
            return []
        return records(c, _UNITS_OF, {"province_id": province["id"], "day": day})


def successors(engine: Engine, unit_id: int, level: str | None = None) -> list[dict[str, Any]]:
    """What became of a version: the units that took its territory, each with its link (relation, date,
    legal basis, share)."""
    with read_connection(engine) as c:
        return _linked(c, "successors", unit_id, level)


def predecessors(engine: Engine, unit_id: int, level: str | None = None) -> list[dict[str, Any]]:
    """Where a version came from: the units whose territory it took, each with its link."""
    with read_connection(engine) as c:
        return _linked(c, "predecessors", unit_id, level)


def in_province_sql(unit=V):
    """``unit`` is one of the province versions ``province_ids`` or lies under one (a district, a commune,
    or a commune of a district)."""
    scope = bindparam("province_ids", expanding=True)
    middle = aliased(V)
    return or_(unit.id.in_(scope), unit.parent_id.in_(scope),
               unit.parent_id.in_(select(middle.id).where(middle.parent_id.in_(scope))))


_UNITS_BY_CODE = (
    select(V.id, V.code, V.valid_from, V.valid_to)
    .where(V.code.in_(bindparam("codes", expanding=True)), V.level != "province", in_province_sql(V))
    .order_by(V.code, V.id))


def scope(c: Connection, province: str, day: dt.date, unit_codes: list[str] | None = None) -> dict[str, list[int]]:
    """The parameters a register query is scoped by: ``province_ids`` (``province_scope``) and ``unit_ids``,
    the versions of ``unit_codes`` under them: the one in force on ``day``, or every version of a code that
    names no unit that day (an old link to an abolished district still finds that district's work)."""
    province_ids = province_scope(c, province, day)
    if not unit_codes or not province_ids:
        return {"province_ids": province_ids, "unit_ids": []}
    by_code: dict[str, list] = {}
    for row in c.execute(_UNITS_BY_CODE, {"codes": unit_codes, "province_ids": province_ids}).mappings():
        by_code.setdefault(row["code"], []).append(row)
    ids = []
    for versions in by_code.values():
        on_day = [v for v in versions if unit_validity.in_force(v["valid_from"], v["valid_to"], day)]
        ids += [v["id"] for v in (on_day or versions)]
    return {"province_ids": province_ids, "unit_ids": ids}


_CODE_VERSIONS = select(V.id).where(V.code == bindparam("code"), V.level.in_(bindparam("levels", expanding=True)))


def code_versions(c: Connection, code: str, levels: tuple[str, ...] = ("province", "district", "commune")
                  ) -> list[int]:
    """Every version that has carried ``code`` at these levels: where a unit's own figures over time are
    (each figure is on the version of its period)."""
    return list(c.execute(_CODE_VERSIONS, {"code": code, "levels": list(levels)}).scalars())


__all__ = ["code_versions", "in_province_sql", "predecessors", "province_id", "province_scope", "scope",
           "successors", "unit_on", "units_of"]
