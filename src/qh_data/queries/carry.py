"""Figures carried across the 2025 break (issue 14, point 4): a period before a rearrangement shown on
the communes in force on a later day, through the lineage in ``unit_lineage``.

Only an additive indicator (aggregation ``sum``) is carried; a rate or an average of a territory cannot
be re-cut by area, so asking for one raises ``NotCarried`` with the reason. Per new commune:

* ``exact``: every old unit it came from gave it its whole territory (``whole`` / ``unchanged``) and has a
  figure: the sum of those figures;
* ``estimate``: some old unit was split (``part``): its figure is shared by the link's area ``share`` or,
  for a former district the commune lies wholly in, by the commune's area over the district's;
* ``not_comparable``: a split with no share to go by, or a commune whose old communes lay in more than
  one former district (its district figures cannot be cut without guessing);
* ``no_data``: the old units it came from have no figure for the period.

Old communes are used when every one a new commune came from has a figure; otherwise its former district.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.orm import aliased

from ..errors import QHError
from ..models import AdminUnitVersion, IndicatorValue, UnitLineage
from ..records import Records
from ..rules import unit_validity
from ..rules.end_of_day import moment as moment_of
from . import units
from ._common import periods, read_connection, records
from ._rollup import in_force
from .indicators import _indicator

V = AdminUnitVersion
OLD = aliased(AdminUnitVersion)
CARRY_COLUMNS = ("code", "name", "value", "basis", "came_from", "is_demo")
BASES = ("exact", "estimate", "not_comparable", "no_data")

_TARGETS = (select(V.id, V.code, V.name, V.area_km2)
            .where(V.parent_id == bindparam("province_id"), V.level == "commune",
                   unit_validity.in_force_sql(V.valid_from, V.valid_to, bindparam("day")))
            .order_by(V.code))
_LINKS = (select(UnitLineage.new_unit_id, UnitLineage.relation, UnitLineage.share, OLD.id.label("old_id"),
                 OLD.level, OLD.code, OLD.name, OLD.area_km2)
          .join(OLD, OLD.id == UnitLineage.old_unit_id)
          .where(UnitLineage.new_unit_id.in_(bindparam("targets", expanding=True)),
                 OLD.level.in_(("commune", "district")))
          .order_by(UnitLineage.new_unit_id, OLD.level, OLD.code))


def _values(as_of: bool):
    iv = IndicatorValue
    return (select(iv.unit_id, iv.value, iv.is_demo)
            .where(iv.indicator_code == bindparam("indicator"), iv.period == bindparam("period"),
                   iv.kind == bindparam("kind"), iv.unit_id.in_(bindparam("unit_ids", expanding=True)),
                   in_force(as_of)))


_VALUES = {as_of: _values(as_of) for as_of in (False, True)}


class NotCarried(QHError):
    """The indicator cannot be carried onto the new units (not additive)."""


def carriable(aggregation: str | None) -> bool:
    """Only a figure that adds up over a territory can be re-cut onto other units."""
    return aggregation == "sum"


def refusal(name_vi: str, name_en: str) -> NotCarried:
    return NotCarried(
        f"Chỉ tiêu “{name_vi}” không cộng được (tỷ lệ, bình quân): số liệu trước khi sắp xếp không chia lại "
        "được theo xã, phường mới.",
        f"“{name_en}” is not additive (a rate or an average): figures from before the rearrangement cannot "
        "be re-cut onto the new communes.")


def carried_values(engine: Engine, *, indicator: str, period: str, kind: str = "actual", province: str,
                   onto: dt.date, as_of: dt.date | dt.datetime | None = None) -> Records:
    """The figures of ``period`` on the communes of ``province`` in force on ``onto`` (CARRY_COLUMNS, one
    row per commune; ``attrs``: the count of each basis)."""
    code = periods.validate(period)
    moment = moment_of(as_of)
    with read_connection(engine) as c:
        ind = _indicator(c, indicator)
        if not carriable(ind.aggregation):
            raise refusal(ind.name_vi, ind.name_en)
        pid = units.province_id(c, province, onto)
        targets = records(c, _TARGETS, {"province_id": pid, "day": onto}) if pid is not None else []
        links = _links(c, [t["id"] for t in targets])
        old_ids = sorted({x["old_id"] for rows in links.values() for x in rows})
        values = {r["unit_id"]: r for r in c.execute(
            _VALUES[moment is not None], {"indicator": ind.code, "period": code, "kind": kind,
                                          "unit_ids": old_ids, "moment": moment}).mappings()}
    rows = [_carry(t, links.get(t["id"], []), values) for t in targets]
    counts = {b: sum(1 for r in rows if r["basis"] == b) for b in BASES}
    return Records(rows, CARRY_COLUMNS, floats=("value",), attrs=counts)


def _links(c: Connection, target_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in c.execute(_LINKS, {"targets": target_ids}).mappings():
        out[row["new_unit_id"]].append(dict(row))
    return out


def _carry(target: dict, links: list[dict], values: dict[int, dict]) -> dict[str, Any]:
    communes = [x for x in links if x["level"] == "commune"]
    districts = [x for x in links if x["level"] == "district"]
    if communes and all(x["old_id"] in values for x in communes):
        value, basis = _from_communes(communes, values)
        came_from = communes
    elif len(districts) > 1:
        value, basis, came_from = None, "not_comparable", districts
    elif districts and districts[0]["old_id"] in values:
        value, basis = _from_district(target, districts[0], values)
        came_from = districts
    else:
        value, basis, came_from = None, "no_data", communes or districts
    demo = any(values[x["old_id"]]["is_demo"] for x in came_from if x["old_id"] in values)
    return {"code": target["code"], "name": target["name"], "value": value, "basis": basis,
            "came_from": ", ".join(x["name"] for x in came_from), "is_demo": demo}


def _from_communes(links: list[dict], values: dict[int, dict]) -> tuple[float | None, str]:
    total, estimated = 0.0, False
    for x in links:
        figure = values[x["old_id"]]["value"]
        if figure is None:
            return None, "no_data"
        if x["relation"] == "part":
            if x["share"] is None:
                return None, "not_comparable"
            figure, estimated = float(figure) * x["share"], True
        total += float(figure)
    return total, "estimate" if estimated else "exact"


def _from_district(target: dict, link: dict, values: dict[int, dict]) -> tuple[float | None, str]:
    figure = values[link["old_id"]]["value"]
    if figure is None:
        return None, "no_data"
    if link["relation"] != "part":
        return float(figure), "exact"
    share = link["share"]
    if share is None and target["area_km2"] and link["area_km2"]:
        share = min(1.0, target["area_km2"] / link["area_km2"])
    if share is None:
        return None, "not_comparable"
    return float(figure) * share, "estimate"


__all__ = ["BASES", "CARRY_COLUMNS", "NotCarried", "carriable", "carried_values", "refusal"]
