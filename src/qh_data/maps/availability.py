"""Which periods an indicator map can be drawn for, per view, and which one to show first. No Streamlit;
data comes from ``q(name, **kwargs)`` as for :mod:`qh_data.maps.model`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qh_data import periods
from qh_data.maps.classify import number_or_none
from qh_data.rules import observed

VIEWS = ("actual", "estimate", "target", "progress", "change")
RAW_VIEWS = ("actual", "estimate", "target")
KINDS = ("actual", "estimate", "target")

Q = Callable[..., Any]


def district_periods(q: Q, *, indicator: str, province: str, as_of=None) -> dict[str, list[str]]:
    """Periods having at least one district figure, per kind, in chronological order."""
    found: dict[str, set[str]] = {k: set() for k in KINDS}
    for d in q("districts", province=province):
        s = q("indicator_series", indicator=indicator, unit_code=d["code"], as_of=as_of)
        for period, kind, value in zip(s["period"], s["kind"], s["value"], strict=True):
            if kind in found and number_or_none(value) is not None and periods.is_valid(period):
                found[kind].add(periods.validate(period))
    return {k: periods.sort_periods(v) for k, v in found.items()}


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


def change_partners(avail: Mapping[str, list[str]], period: str) -> list[str]:
    """Earlier periods of the same type with observed figures (the "compared with" choices), latest first."""
    ptype = periods.period_type(period)
    key = periods.sort_key(period)
    same = [p for p in _observed_periods(avail) if periods.period_type(p) == ptype and periods.sort_key(p) < key]
    return list(reversed(periods.sort_periods(same)))


def default_period(avail: Mapping[str, list[str]], view: str) -> str | None:
    """The latest yearly period with figures for the view (a year reads better than a half-year on a
    district map), else the latest period of any type."""
    options = view_periods(avail, view)
    if not options:
        return None
    yearly = [p for p in options if periods.period_type(p) == "year"]
    if view in ("actual", "progress", "change"):
        with_actual = [p for p in yearly if p in set(avail.get("actual", []))]
        if with_actual:
            return with_actual[-1]
    return (yearly or options)[-1]


def default_partner(avail: Mapping[str, list[str]], period: str) -> str | None:
    partners = change_partners(avail, period)
    return partners[0] if partners else None


