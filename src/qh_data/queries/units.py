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
from ._common import read_connection, records, sort_name

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


# --- the sidebar's unit filter, old links to abolished units, territory changes ------------------------

def filter_units(engine: Engine, province: str, day: dt.date) -> list[dict[str, Any]]:
    """The units of the unit filter on ``day``: the province's districts in force that day or, when it has
    none (from 1/7/2025), its communes in force that day. [{code, name, type, level}]: districts by code,
    communes by name (Vietnamese order). Empty when the code meant no province that day."""
    rows = units_of(engine, province, day)
    districts = [r for r in rows if r["level"] == "district"]
    if districts:
        return [_filter_row(r) for r in districts]
    communes = sorted((r for r in rows if r["level"] == "commune"), key=lambda r: (sort_name(r["name"]), r["code"]))
    return [_filter_row(r) for r in communes]


def _filter_row(row: dict[str, Any]) -> dict[str, Any]:
    return {"code": row["code"], "name": row["name"], "type": row["type"], "level": row["level"]}


_OLD_VERSIONS = (
    select(*UNIT_FIELDS)
    .where(V.code.in_(bindparam("codes", expanding=True)), V.level.in_(("district", "commune")),
           V.valid_to < _DAY, in_province_sql(V))
    .order_by(V.code, V.valid_from))


def abolished(engine: Engine, province: str, codes: list[str], day: dt.date) -> list[dict[str, Any]]:
    """The codes among ``codes`` that name no unit of the province on ``day`` but named one that ended before
    it (an old link with the districts abolished on 1/7/2025): per code, the version that ended last
    (``code``, ``name``, ``level``, ``valid_to``), ``ended_on`` (the day its successors took over) and
    ``successors``: the units in force on ``day`` that took its territory, following the stored lineage
    [{id, code, name, level, type}] by name. Codes that name a unit that day, or never named one of the
    province, are left out."""
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes:
        return []
    with read_connection(engine) as c:
        province_ids = province_scope(c, province)
        if not province_ids:
            return []
        last: dict[str, dict[str, Any]] = {}
        for row in c.execute(_OLD_VERSIONS, {"codes": codes, "province_ids": province_ids, "day": day}).mappings():
            last[row["code"]] = dict(row)  # ordered by start: the last one wins
        on_day = _unit_on(c, "province", province, day) if last else None
        current = {row["code"] for row in records(c, _UNITS_OF, {"province_id": on_day["id"], "day": day})
                   } if on_day else set()
        out = []
        for code in codes:
            unit = last.get(code)
            if unit is None or code in current:
                continue
            links, successors = _successors_on(c, unit["id"], day)
            ended = min((x["effective_on"] for x in links), default=unit["valid_to"] + dt.timedelta(days=1))
            out.append({"code": code, "name": unit["name"], "level": unit["level"], "valid_to": unit["valid_to"],
                        "ended_on": ended, "successors": successors})
        return out


def _successors_on(c: Connection, unit_id: int, day: dt.date) -> tuple[list[dict], list[dict[str, Any]]]:
    """The links out of a version, and the units in force on ``day`` its territory went to (through
    later versions too, when the territory moved again before ``day``)."""
    first = _linked(c, "successors", unit_id, None)
    found: dict[int, dict[str, Any]] = {}
    todo, seen = list(first), {unit_id}
    while todo:
        row = todo.pop()
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        if unit_validity.in_force(row["valid_from"], row["valid_to"], day):
            found[row["id"]] = {k: row[k] for k in ("id", "code", "name", "level", "type")}
        elif row["valid_to"] is not None and row["valid_to"] < day:
            todo += _linked(c, "successors", row["id"], None)
    return first, sorted(found.values(), key=lambda r: (sort_name(r["name"]), r["code"]))


_NEW, _OLD = aliased(V), aliased(V)
_TERRITORY_LINKS = (
    select(_NEW.id, _NEW.name, _NEW.valid_from, _NEW.area_km2, _OLD.code.label("old_code"),
           _OLD.name.label("old_name"), _OLD.area_km2.label("old_area_km2"), UnitLineage.relation,
           UnitLineage.effective_on, UnitLineage.legal_basis)
    .join(UnitLineage, UnitLineage.new_unit_id == _NEW.id).join(_OLD, _OLD.id == UnitLineage.old_unit_id)
    .where(_NEW.level == bindparam("level"), _NEW.code == bindparam("code"), _OLD.level == _NEW.level)
    .order_by(UnitLineage.effective_on, _NEW.id, _OLD.code))


def territory_changes(engine: Engine, level: str, code: str) -> list[dict[str, Any]]:
    """The days the territory behind a code changed, from the stored lineage: a version of the code that
    took over the territory of units of its level (Thái Nguyên 19 from 1/7/2025: the old Thái Nguyên and
    Bắc Kạn). A version that only continues its own code unchanged is no change; a code with one version
    (Lạng Sơn 20) has none. Oldest first: [{on, name, area_km2, legal_basis, previous: [{code, name,
    area_km2, relation}], merged: names of the predecessors with another code}]. Figures of the code before
    and after ``on`` cover different territories."""
    with read_connection(engine) as c:
        rows = records(c, _TERRITORY_LINKS, {"level": level, "code": code})
    by_version: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_version.setdefault(row["id"], []).append(row)
    out = []
    for links in by_version.values():
        if all(x["relation"] == "unchanged" and x["old_code"] == code for x in links):
            continue
        new = links[0]
        out.append({"on": min(x["effective_on"] for x in links), "name": new["name"], "area_km2": new["area_km2"],
                    "legal_basis": new["legal_basis"],
                    "previous": [{"code": x["old_code"], "name": x["old_name"], "area_km2": x["old_area_km2"],
                                  "relation": x["relation"]} for x in links],
                    "merged": [x["old_name"] for x in links if x["old_code"] != code]})
    return sorted(out, key=lambda x: x["on"])


__all__ = ["abolished", "code_versions", "filter_units", "in_province_sql", "predecessors", "province_id",
           "province_scope", "scope", "successors", "territory_changes", "unit_on", "units_of"]
