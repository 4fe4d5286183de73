"""Province figures rolled up from the districts (the machinery behind ``indicators``).

The figure in force is the revision with ``superseded_at IS NULL``; "as of" a moment T it is the
revision with ``submitted_at <= T`` and (``superseded_at`` null or after T): the placeholder
``moment``, whose presence changes the SQL. A district counts for a period when its validity range
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
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, DateTime, Float, and_, bindparam, case, cast, func, or_, select

from ..models import AdminUnitVersion, IndicatorValue, PlanVersion
from ..rules import plan_validity, unit_validity
from ..rules.end_of_day import counts_by_sql
from ._common import count_if, periods, records
from .units import code_versions

U = AdminUnitVersion
PARENTS = bindparam("parent_ids", expanding=True)


def in_force(as_of: bool, v=IndicatorValue):
    """The revision in force: the current one, or (``as_of``) the one in force at ``moment``; a target only
    while its plan's targets count (``rules.plan_validity``: not those of an adjustment awaiting approval)."""
    plans = plan_validity.targets_counted_sql(v, PlanVersion, as_of)
    if not as_of:
        return and_(v.superseded_at.is_(None), plans)
    moment = bindparam("moment", type_=DateTime)
    return and_(counts_by_sql(v.submitted_at, moment),
                or_(v.superseded_at.is_(None), v.superseded_at > moment), plans)



GEOGRAPHIES = ("district", "commune")  # the levels a province's figures are drawn and rolled up on
DISTRICT_RANGES = select(U.code, U.valid_from, U.valid_to, U.level).where(U.parent_id.in_(PARENTS),
                                                                           U.level.in_(GEOGRAPHIES))


def district_ranges(c: Connection, province: str) -> list[tuple]:
    """(code, valid_from, valid_to, level) of the districts and communes of every version of the province."""
    return c.execute(DISTRICT_RANGES, {"parent_ids": code_versions(c, province, ("province",))}).all()


def districts_valid(district_rows: list[tuple], period_code: str, level: str | None = None) -> int:
    """How many units of ``level`` (default: the period's geography, ``geography_of``) overlap the period."""
    if not periods.is_valid(period_code):
        return 0
    p = periods.parse(period_code)
    level = level or geography_of(district_rows, period_code)
    return sum(1 for _, valid_from, valid_to, lvl in district_rows
               if lvl == level and unit_validity.overlaps(valid_from, valid_to, p.start, p.end))


def geographies(unit_rows: list[tuple], period_code: str) -> list[str]:
    """The levels (district, commune) with units of the province in force during the period: one before
    and one after a rearrangement, both for a period that straddles it (the year 2025)."""
    if not periods.is_valid(period_code):
        return []
    p = periods.parse(period_code)
    found = {lvl for _, valid_from, valid_to, lvl in unit_rows
             if unit_validity.overlaps(valid_from, valid_to, p.start, p.end)}
    return [lvl for lvl in GEOGRAPHIES if lvl in found]


def geography_of(unit_rows: list[tuple], period_code: str) -> str:
    """The geography a period is shown on by default: its only one, or for a period straddling a
    rearrangement the one before it (the figures of such a period were collected on the old units)."""
    found = geographies(unit_rows, period_code)
    return found[0] if found else "district"


def _value_filters(as_of: bool, by_period: bool, by_kind: bool, v=IndicatorValue) -> list:
    conds = [v.indicator_code.in_(bindparam("indicator", expanding=True)), in_force(as_of, v)]
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
    pop = U.population_2019
    weighted = and_(v.value.is_not(None), pop.is_not(None), pop > 0)
    return (
        select(v.indicator_code, v.period, v.kind, U.level, U.valid_from, U.valid_to,
               func.count(v.value).label("n"),
               cast(func.sum(v.value), Float).label("total"),
               cast(func.avg(v.value), Float).label("mean"),
               cast(func.sum(case((weighted, v.value * pop))), Float).label("wsum"),
               cast(func.sum(case((weighted, pop))), Float).label("wpop"),
               count_if(weighted).label("n_pop"),
               func.max(case((v.is_demo.is_(True), 1), else_=0)).label("any_demo"),
               func.max(v.submitted_at).label("last_submitted"))
        .join(U, U.id == v.unit_id)
        .where(*_value_filters(as_of, by_period, by_kind), U.parent_id.in_(PARENTS), U.level.in_(GEOGRAPHIES))
        .group_by(v.indicator_code, v.period, v.kind, U.level, U.valid_from, U.valid_to)
    )


def _rollup_aggregates(c: Connection, province_ids: list[int], indicator_codes: list[str], moment: dt.datetime | None,
                       *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    """District aggregates per (indicator, period, kind), computed in SQL over the districts of the
    province valid during each period: n (values), total, mean, wsum/wpop/n_pop (population
    weighting), any_demo, last_submitted.

    One pass over the values: SQL sums them per (indicator, period, kind) and per validity range of
    the districts (districts almost always share one range, so there is one group per figure); the
    ranges valid during the figure's period are then added up here -- the same sums as filtering the
    districts in SQL first, without a second pass to learn which periods occur."""
    values, shape = _value_values(indicator_codes, moment, period, kind)
    values["parent_ids"] = province_ids
    by_level: dict[tuple, dict] = {}
    for (code, period_code, kind_code, level, valid_from, valid_to, n, total, mean, wsum, wpop, n_pop, any_demo,
         last_submitted) in c.execute(_rollup(*shape), values).all():
        if not periods.is_valid(period_code):  # an unreadable period code matches no district
            continue
        p = periods.parse(period_code)
        if not unit_validity.overlaps(valid_from, valid_to, p.start, p.end):
            continue
        key = (code, period_code, kind_code, level)
        acc = by_level.get(key)
        if acc is None:
            by_level[key] = {"n": n, "total": total, "mean": mean, "wsum": wsum, "wpop": wpop, "n_pop": n_pop,
                             "any_demo": any_demo, "last_submitted": last_submitted, "level": level}
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
    # a key whose every valid range had no values (all NULL) is still a group, as with SQL's GROUP BY.
    # One geography per figure: where a period has figures on both (2025: districts to 30/6, communes from
    # 1/7), the one holding more of them; they are never added together (the same territory twice).
    out: dict[tuple, dict] = {}
    for (code, period_code, kind_code, _level), acc in sorted(by_level.items(), key=lambda kv: GEOGRAPHIES.index(
            kv[0][3])):
        key = (code, period_code, kind_code)
        if key not in out or int(acc["n"] or 0) > int(out[key]["n"] or 0):
            out[key] = acc
    return out


OWN_FIELDS = ("indicator_code", "period", "period_type", "year", "kind", "value", "source", "file_name",
               "is_demo", "submitted_at", "revision", "note")

@functools.cache
def _own_values_statement(as_of: bool, by_period: bool, by_kind: bool):
    return (select(*[getattr(IndicatorValue, f) for f in OWN_FIELDS])
            .where(IndicatorValue.unit_id.in_(bindparam("unit_ids", expanding=True)),
                   *_value_filters(as_of, by_period, by_kind)))


def own_values(c: Connection, unit_ids: list[int], indicator_codes: list[str], moment: dt.datetime | None,
                *, period: str | None = None, kind: str | None = None) -> dict[tuple, dict]:
    """A unit's own figures (every version of its code: ``units.code_versions``) per (indicator, period,
    kind)."""
    values, shape = _value_values(indicator_codes, moment, period, kind)
    values["unit_ids"] = unit_ids
    return {(row["indicator_code"], row["period"], row["kind"]): row
            for row in records(c, _own_values_statement(*shape), values)}


def combine(aggregation: str, agg: dict | None, own: dict | None, districts_total: int) -> dict:
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
        elif aggregation == "mean_pop" and agg["n"] and agg.get("level") == "commune":
            # no population of the new communes is published (admin_reform_2025.md): their plain mean, said so
            value, n, method = agg["mean"], int(agg["n"]), "mean"
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


def province_figures(c: Connection, province: str, indicators: dict[str, SimpleNamespace],
                      moment: dt.datetime | None, *, period: str | None = None,
                      kind: str | None = None) -> dict[tuple, dict]:
    """Province figures per (indicator, period, kind): roll-up or own value (see module notes)."""
    codes = list(indicators)
    if not codes:
        return {}
    province_ids = code_versions(c, province, ("province",))
    aggs = _rollup_aggregates(c, province_ids, codes, moment, period=period, kind=kind)
    own = own_values(c, province_ids, codes, moment, period=period, kind=kind)
    district_rows = c.execute(DISTRICT_RANGES, {"parent_ids": province_ids}).all()
    valid_per_period: dict[tuple, int] = {}
    out = {}
    for key in set(aggs) | set(own):
        ind = indicators[key[0]]
        level = aggs[key]["level"] if key in aggs else geography_of(district_rows, key[1])
        if (key[1], level) not in valid_per_period:
            valid_per_period[(key[1], level)] = districts_valid(district_rows, key[1], level)
        fig = combine(ind.aggregation, aggs.get(key), own.get(key), valid_per_period[(key[1], level)])
        fig["unit_level"] = level
        if fig["value"] is None and key not in own and fig["basis"] == "province":
            continue
        out[key] = fig
    return out

