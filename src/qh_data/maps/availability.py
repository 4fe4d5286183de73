"""Which periods an indicator map can be drawn for, per view, on which geography, and which one to show
first. No Streamlit; data comes from ``q(name, **kwargs)`` as for :mod:`qh_data.maps.model`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qh_data import periods
from qh_data.queries._rollup import GEOGRAPHIES  # the levels a province's figures are on, districts first
from qh_data.rules import observed

VIEWS = ("actual", "estimate", "target", "progress", "change")
RAW_VIEWS = ("actual", "estimate", "target")
KINDS = ("actual", "estimate", "target")

Q = Callable[..., Any]


class Availability(dict):
    """kind -> the periods having figures of that kind (chronological), and ``levels``: (kind, period) ->
    the geographies holding them (``district`` before 1/7/2025, ``commune`` after; both possible for 2025)."""

    def __init__(self, by_kind: Mapping[str, list[str]], levels: Mapping[tuple[str, str], list[str]]):
        super().__init__(by_kind)
        self.levels = dict(levels)


def unit_periods(q: Q, *, indicator: str, province: str, as_of=None) -> Availability:
    """Periods having at least one district or commune figure, per kind, in chronological order, with the
    geographies each is on: one query (``queries.figure_periods``) over the province's units of both levels."""
    found: dict[str, set[str]] = {k: set() for k in KINDS}
    levels: dict[tuple[str, str], list[str]] = {}
    rows = q("figure_periods", indicator=indicator, province=province, as_of=as_of)
    for period, kind, level in zip(rows["period"], rows["kind"], rows["level"], strict=True):
        if kind in found:
            found[kind].add(period)
            levels.setdefault((kind, period), []).append(level)
    return Availability({k: periods.sort_periods(v) for k, v in found.items()}, levels)


def figure_levels(avail: Mapping[str, list[str]], view: str, period: str) -> list[str]:
    """The geographies holding the figures a view draws for a period (its kind's, or the observed kinds'
    for progress and change), districts first."""
    levels = getattr(avail, "levels", {})
    kinds = (view,) if view in RAW_VIEWS else observed.OBSERVED_KINDS
    found = {lvl for k in kinds for lvl in levels.get((k, period), ())}
    return [lvl for lvl in GEOGRAPHIES if lvl in found]


def all_levels(avail: Mapping[str, list[str]]) -> list[str]:
    """Every geography some figure of the indicator is on (which boundary sources the page names)."""
    found = {lvl for lv in getattr(avail, "levels", {}).values() for lvl in lv}
    return [lvl for lvl in GEOGRAPHIES if lvl in found]


def _observed_periods(avail: Mapping[str, list[str]]) -> set[str]:
    """Periods with an observed figure (an actual or an estimate) in at least one district."""
    return {p for kind in observed.OBSERVED_KINDS for p in avail.get(kind, [])}


def view_periods(avail: Mapping[str, list[str]], view: str) -> list[str]:
    """The periods a view can be drawn for (chronological)."""
    if view in RAW_VIEWS:
        return list(avail.get(view, []))
    seen = periods.sort_periods(_observed_periods(avail))
    if view == "progress":
        if not target_years(avail):
            return []
        return [p for p in seen if periods.period_type(p) == "year"]
    return seen


def target_years(avail: Mapping[str, list[str]]) -> list[int]:
    return sorted({periods.year(p) for p in avail.get("target", []) if periods.period_type(p) == "year"})


def target_year_for(years: list[int], period: str) -> int | None:
    """The target a period is judged against: the first target year not before the period's year,
    else the last one."""
    if not years:
        return None
    y = periods.year(period)
    later = [t for t in years if t >= y]
    return later[0] if later else years[-1]


def change_partners(avail: Mapping[str, list[str]], period: str, level: str | None = None) -> list[str]:
    """Earlier periods of the same type with observed figures (the "compared with" choices), latest first;
    with ``level``, only those with figures on that geography (a commune is not compared with a district)."""
    ptype = periods.period_type(period)
    key = periods.sort_key(period)
    same = [p for p in _observed_periods(avail) if periods.period_type(p) == ptype and periods.sort_key(p) < key
            and (level is None or level in figure_levels(avail, "change", p))]
    return list(reversed(periods.sort_periods(same)))


def default_period(avail: Mapping[str, list[str]], view: str) -> str | None:
    """The latest yearly period with figures for the view (a year reads better than a half-year), else the
    latest period of any type; among the periods on the latest geography that has figures for the view (the
    communes once there are commune figures: the map opens on the units in force, not on the districts)."""
    options = view_periods(avail, view)
    if not options:
        return None
    on = {p: figure_levels(avail, view, p) for p in options}
    latest = max((GEOGRAPHIES.index(lv) for lvls in on.values() for lv in lvls), default=None)
    if latest is not None:
        options = [p for p in options if GEOGRAPHIES[latest] in on[p]]
        if view == "change":  # a period with something to compare it with, on the same geography
            options = [p for p in options if change_partners(avail, p, GEOGRAPHIES[latest])] or options
    yearly = [p for p in options if periods.period_type(p) == "year"]
    if view in ("actual", "progress", "change"):
        with_actual = [p for p in yearly if p in set(avail.get("actual", []))]
        if with_actual:
            return with_actual[-1]
    return (yearly or options)[-1]


def default_partner(avail: Mapping[str, list[str]], period: str) -> str | None:
    partners = change_partners(avail, period)
    return partners[0] if partners else None


