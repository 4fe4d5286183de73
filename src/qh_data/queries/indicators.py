"""Indicator queries: one figure across the districts, a unit's series, the overview, a figure's history.

``as_of`` (a date means the end of that day, ``qh_data.rules.end_of_day``) asks for the figures in
force at that moment instead of the current ones. How province figures are rolled up from the
districts is told in ``_rollup``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import defaultdict
from types import SimpleNamespace

from sqlalchemy import Connection, Engine, and_, bindparam, select

from .. import clock, status
from ..errors import NotFound, ValidationFailed
from ..models import AdminUnitVersion, Indicator, IndicatorValue, User
from ..records import Records
from ..rules import observed, unit_validity
from ..rules.end_of_day import moment as moment_of
from . import plans, units
from ._common import one, periods, read_connection, records, valid_during
from ._rollup import (
    GEOGRAPHIES,
    OWN_FIELDS,
    combine,
    district_ranges,
    districts_valid,
    geography_of,
    in_force,
    own_values,
    province_figures,
)
from ._rollup import geographies as _geographies

KIND_ORDER = {"actual": 0, "estimate": 1, "target": 2}  # how a period's figures are listed


_INDICATOR_FIELDS = ("code", "name_vi", "name_en", "unit", "unit_en", "group", "owner_role", "direction",
                     "aggregation", "is_rate", "decimals", "sort_order", "is_demo")


def _indicator_columns():
    return [getattr(Indicator, f) for f in _INDICATOR_FIELDS]


_INDICATOR = select(*_indicator_columns()).where(Indicator.code == bindparam("code"))


@functools.cache
def _indicator_list(by_group: bool, by_owner: bool):
    stmt = select(*_indicator_columns()).order_by(Indicator.sort_order, Indicator.code)
    if by_group:
        stmt = stmt.where(Indicator.group == bindparam("group"))
    if by_owner:
        stmt = stmt.where(Indicator.owner_role == bindparam("owner_role"))
    return stmt


def _indicator(c: Connection, code: str) -> SimpleNamespace:
    row = one(c, _INDICATOR, {"code": code})
    if row is None:
        raise NotFound(f"Không có chỉ tiêu '{code}'.", f"Indicator '{code}' does not exist.")
    return SimpleNamespace(**row)


# every version of the code ``unit_code``: a unit's own figures over time (each on its period's version)
_code_versions = select(AdminUnitVersion.id).where(AdminUnitVersion.code == bindparam("unit_code"))
_UNIT_NAME = (select(AdminUnitVersion.name).where(AdminUnitVersion.code == bindparam("code"))
              .order_by(AdminUnitVersion.valid_to.is_(None).desc(), AdminUnitVersion.valid_to.desc()).limit(1))

DISTRICT_VALUE_COLUMNS = ("code", "name", "population", "value", "source", "file_name", "is_demo",
                          "submitted_at", "revision", "note")
PROVINCE_VALUE_COLUMNS = ("code", "name", "value", "basis", "method", "aggregation", "districts_contributing",
                          "districts_total", "own_value", "source", "is_demo", "submitted_at", "revision",
                          "unit_level")


@functools.cache
def _unit_values(as_of: bool):
    iv = IndicatorValue
    u = AdminUnitVersion
    v = (select(iv.unit_id, iv.value, iv.source, iv.file_name, iv.is_demo, iv.submitted_at, iv.revision,
                iv.note)
         .where(iv.indicator_code == bindparam("indicator"), iv.period == bindparam("period"), iv.kind == bindparam("kind"),
                in_force(as_of)).subquery("v"))
    return (
        select(u.code, u.name, u.population_2019.label("population"), v.c.value,
               v.c.source, v.c.file_name, v.c.is_demo, v.c.submitted_at, v.c.revision, v.c.note)
        .select_from(u)
        .outerjoin(v, v.c.unit_id == u.id)
        .where(u.parent_id.in_(bindparam("parent_ids", expanding=True)), u.level == bindparam("level"),
               valid_during(u))
        .order_by(u.code)
    )


def indicator_values(engine: Engine, *, indicator: str, period: str, kind: str = "actual",
                     level: str = "district", province: str, as_of: dt.date | dt.datetime | None = None
                     ) -> Records:
    """Figures of one indicator for one period and kind.

    ``level='district'`` / ``'commune'``: one row per district / commune of the province in force during
    the period (also those with no figure: value None, NaN in a frame), DISTRICT_VALUE_COLUMNS; ``attrs``
    holds ``districts_contributing`` and ``districts_total`` (of that level). Which levels a period has:
    ``geographies``.
    ``level='province'``: one row, PROVINCE_VALUE_COLUMNS — the roll-up by the indicator's
    aggregation (see module notes) with how many districts contributed.
    """
    code = periods.validate(period)
    p = periods.parse(code)
    moment = moment_of(as_of)
    if level not in ("district", "commune", "province"):
        raise ValidationFailed(f"Cấp '{level}' không hợp lệ: district, commune hoặc province.",
                               f"Level '{level}' is not valid: district, commune or province.")
    with read_connection(engine) as c:
        ind = _indicator(c, indicator)
        if level == "province":
            figs = province_figures(c, province, {ind.code: ind}, moment, period=code, kind=kind)
            name = c.scalar(_UNIT_NAME, {"code": province})
            fig = figs.get((ind.code, code, kind))
            if fig is None:
                ranges = district_ranges(c, province)
                fig = {**combine(ind.aggregation, None, None, districts_valid(ranges, code)),
                       "unit_level": geography_of(ranges, code)}
            row = {"code": province, "name": name if name is not None else province,
                   "aggregation": ind.aggregation, **fig}
            return Records([row], PROVINCE_VALUE_COLUMNS)
        rows = records(c, _unit_values(moment is not None),
                        {"indicator": ind.code, "period": code, "kind": kind, "moment": moment, "level": level,
                         "parent_ids": units.code_versions(c, province, ("province",)), "period_start": p.start,
                         "period_end": p.end})
    contributing = 0
    for row in rows:
        row["is_demo"] = bool(row["is_demo"])
        value = row["value"]
        if value is not None:
            value = float(value)
            if not math.isnan(value):
                contributing += 1
            row["value"] = value
    return Records(rows, DISTRICT_VALUE_COLUMNS, floats=("value",),
                   attrs={"districts_contributing": contributing, "districts_total": len(rows)})


SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "source", "file_name", "is_demo",
                  "submitted_at", "revision", "note")
PROVINCE_SERIES_COLUMNS = ("period", "period_type", "year", "kind", "value", "basis", "method",
                           "districts_contributing", "districts_total", "own_value", "source", "is_demo",
                           "submitted_at", "revision", "unit_level")


@functools.lru_cache(maxsize=8192)
def _series_sort_key(period: str, kind: str):
    key = periods.sort_key(period) if periods.is_valid(period) else (dt.date.max, 9)
    return (key, KIND_ORDER.get(kind, 9))


@functools.cache
def _series(as_of: bool):
    """The indicator, outer-joined to the unit's figures in force: one statement says both whether the
    indicator exists and what its figures are."""
    v = IndicatorValue
    return (select(*[getattr(v, f) for f in OWN_FIELDS if f != "indicator_code"])
            .select_from(Indicator)
            .outerjoin(v, and_(v.indicator_code == Indicator.code, v.unit_id.in_(_code_versions),
                               in_force(as_of, v)))
            .where(Indicator.code == bindparam("code")))


def indicator_series(engine: Engine, *, indicator: str, unit_code: str,
                     as_of: dt.date | dt.datetime | None = None) -> Records:
    """Every figure in force for one unit across periods and kinds, in period order: SERIES_COLUMNS."""
    moment = moment_of(as_of)
    with read_connection(engine) as c:
        found = records(c, _series(moment is not None), {"code": indicator, "unit_code": unit_code, "moment": moment})
    if not found:
        raise NotFound(f"Không có chỉ tiêu '{indicator}'.", f"Indicator '{indicator}' does not exist.")
    rows = [row for row in found if row["period"] is not None]  # the indicator alone: no figure
    rows.sort(key=lambda row: _series_sort_key(row["period"], row["kind"]))
    return Records(rows, SERIES_COLUMNS)


def province_series(engine: Engine, *, indicator: str, province: str,
                    as_of: dt.date | dt.datetime | None = None) -> Records:
    """The province figure per period and kind (roll-up rules of the module notes):
    PROVINCE_SERIES_COLUMNS, in period order."""
    moment = moment_of(as_of)
    with read_connection(engine) as c:
        ind = _indicator(c, indicator)
        figs = province_figures(c, province, {ind.code: ind}, moment)
    rows = []
    for (_, period, kind), fig in figs.items():
        ok = periods.is_valid(period)
        rows.append({"period": period, "period_type": periods.period_type(period) if ok else None,
                     "year": periods.year(period) if ok else None, "kind": kind, **fig})
    rows.sort(key=lambda row: _series_sort_key(row["period"], row["kind"]))
    return Records(rows, PROVINCE_SERIES_COLUMNS)


OVERVIEW_COLUMNS = (
    "code", "name_vi", "name_en", "unit", "unit_en", "group", "owner_role", "direction", "aggregation",
    "is_rate", "decimals", "sort_order", "level", "unit_code", "baseline_2020", "latest_actual_year",
    "latest_actual_value", "latest_estimate_period", "latest_estimate_value", "target_2025", "target_2030",
    "progress_target_year",
    "progress_baseline_year", "progress_baseline_value", "progress_latest_year", "progress_latest_value",
    "latest_is_estimate", "status", "ratio", "observed_rate", "required_rate", "method", "explanation_vi",
    "explanation_en", "is_demo", "plan_id", "plan_vi", "plan_en",
)


def indicator_overview(engine: Engine, province: str, *, as_of: dt.date | dt.datetime | None = None,
                       group: str | None = None, owner_role: str | None = None,
                       district: str | None = None) -> Records:
    """One row per indicator (OVERVIEW_COLUMNS), for the province (roll-up) or one district.

    ``baseline_2020``: the 2020 actual (its estimate when no actual). ``latest_actual_*``: the latest
    yearly actual. ``latest_estimate_*``: the latest estimate of any period type. ``target_2025``,
    ``target_2030``: yearly targets. Progress (``status`` … ``explanation_en``) is
    ``status.progress_from_series`` over the yearly series — each year's observed figure
    (``qh_data.rules.observed``: its actual, or its estimate while the actual is not in;
    ``latest_is_estimate`` says so) — against the 2030 target, or the 2025
    target when there is no 2030 one. A handful of queries in all, whatever the number of indicators.
    Targets are those of the plan in force on the as-of day (``rules.plan_validity``; an adjustment awaiting
    approval is not); ``plan_id``, ``plan_vi`` / ``plan_en`` name it, and the explanation of a status against a
    target says which ("Mục tiêu theo QĐ 222/QĐ-TTg."); before a province's first decision none is named.
    """
    moment = moment_of(as_of)
    with read_connection(engine) as c:
        plan = plans.in_force_among(plans.province_plans(c, province),
                                    moment.date() if moment is not None else clock.today())
        inds = {row["code"]: SimpleNamespace(**row)
                for row in records(c, _indicator_list(bool(group), bool(owner_role)),
                                    {"group": group, "owner_role": owner_role})}
        if not inds:
            return Records([], OVERVIEW_COLUMNS)
        if district:
            figs = {k: {"value": row["value"], "is_demo": bool(row["is_demo"])}
                    for k, row in own_values(c, units.code_versions(c, district), list(inds), moment).items()}
        else:
            figs = province_figures(c, province, inds, moment)
    by_indicator: dict[str, dict[tuple[str, str], dict]] = defaultdict(dict)
    for (code, period, kind), fig in figs.items():
        if fig["value"] is not None and periods.is_valid(period):
            by_indicator[code][(periods.validate(period), kind)] = fig
    rows = []
    for code, ind in inds.items():
        vals = by_indicator.get(code, {})

        def get(period: str, kind: str, vals=vals):
            fig = vals.get((period, kind))
            return None if fig is None else fig["value"]

        # each year's observed figure: its actual, or its estimate while the actual is not in
        yearly = observed.observed_by((periods.year(period), kind, fig["value"])
                                      for (period, kind), fig in vals.items() if periods.period_type(period) == "year")
        estimate_years = {y for y, (kind, _) in yearly.items() if kind == "estimate"}
        actual_years = sorted(y for y, (kind, _) in yearly.items() if kind == "actual")
        estimates = sorted(((period, fig["value"]) for (period, kind), fig in vals.items() if kind == "estimate"),
                           key=lambda x: periods.sort_key(x[0]))
        t2025, t2030 = get("2025", "target"), get("2030", "target")
        target = (2030, t2030) if t2030 is not None else (2025, t2025) if t2025 is not None else None
        result = status.progress_from_series(sorted((y, v) for y, (_, v) in yearly.items()), target, ind.direction,
                                             bool(ind.is_rate), status.BASELINE_YEAR, estimate_years=estimate_years)
        result = status.with_plan(result, plan and plan["label_vi"], plan and plan["label_en"])
        baseline = yearly.get(2020, (None, None))[1]
        rows.append({
            "code": code, "name_vi": ind.name_vi, "name_en": ind.name_en, "unit": ind.unit,
            "unit_en": ind.unit_en,
            "group": ind.group, "owner_role": ind.owner_role, "direction": ind.direction,
            "aggregation": ind.aggregation, "is_rate": bool(ind.is_rate), "decimals": ind.decimals,
            "sort_order": ind.sort_order, "level": "district" if district else "province",
            "unit_code": district or province, "baseline_2020": baseline,
            "latest_actual_year": actual_years[-1] if actual_years else None,
            "latest_actual_value": yearly[actual_years[-1]][1] if actual_years else None,
            "latest_estimate_period": estimates[-1][0] if estimates else None,
            "latest_estimate_value": estimates[-1][1] if estimates else None,
            "target_2025": t2025, "target_2030": t2030,
            "progress_target_year": result.target[0] if result.target else None,
            "progress_baseline_year": result.baseline[0] if result.baseline else None,
            "progress_baseline_value": result.baseline[1] if result.baseline else None,
            "progress_latest_year": result.latest[0] if result.latest else None,
            "progress_latest_value": result.latest[1] if result.latest else None,
            "latest_is_estimate": result.latest_is_estimate, "status": result.status, "ratio": result.ratio,
            "observed_rate": result.observed_rate, "required_rate": result.required_rate,
            "method": result.method, "explanation_vi": result.explanation_vi,
            "explanation_en": result.explanation_en,
            "is_demo": bool(ind.is_demo) or any(f["is_demo"] for f in vals.values()),
            "plan_id": plan["id"] if plan else None, "plan_vi": plan["label_vi"] if plan else None,
            "plan_en": plan["label_en"] if plan else None,
        })
    return Records(rows, OVERVIEW_COLUMNS)


VALUE_HISTORY_COLUMNS = ("id", "revision", "value", "source", "file_name", "note", "submitted_by_id",
                         "submitted_by", "submitter_name", "submitted_at", "superseded_at", "is_current",
                         "is_demo")

_VALUE_HISTORY = (
    select(IndicatorValue.id, IndicatorValue.revision, IndicatorValue.value, IndicatorValue.source,
           IndicatorValue.file_name, IndicatorValue.note, IndicatorValue.submitted_by_id,
           User.username.label("submitted_by"), User.display_name.label("submitter_name"),
           IndicatorValue.submitted_at, IndicatorValue.superseded_at, IndicatorValue.is_demo)
    .outerjoin(User, User.id == IndicatorValue.submitted_by_id)
    .where(IndicatorValue.indicator_code == bindparam("indicator"), IndicatorValue.unit_id.in_(_code_versions),
           IndicatorValue.period == bindparam("period"), IndicatorValue.kind == bindparam("kind"))
    .order_by(IndicatorValue.revision.desc(), IndicatorValue.id.desc()))


def value_history(engine: Engine, *, indicator: str, unit_code: str, period: str, kind: str) -> Records:
    """Every revision of one figure, newest first: VALUE_HISTORY_COLUMNS (submitted_by = user name,
    submitter_name = display name)."""
    with read_connection(engine) as c:
        rows = records(c, _VALUE_HISTORY, {"indicator": indicator, "unit_code": unit_code,
                                            "period": periods.validate(period), "kind": kind})
    for row in rows:
        row["is_current"] = row["superseded_at"] is None
        row["is_demo"] = bool(row["is_demo"])
    return Records(rows, VALUE_HISTORY_COLUMNS)


def geographies(engine: Engine, *, province: str, period: str) -> list[str]:
    """The levels (``district``, ``commune``) the province's units take during ``period``: districts before
    1/7/2025, communes from then on, both for the year 2025. The first is the one shown by default."""
    with read_connection(engine) as c:
        return _geographies(district_ranges(c, province), periods.validate(period))


FIGURE_PERIOD_COLUMNS = ("period", "kind", "level")


@functools.cache
def _figure_periods(as_of: bool):
    """(period, kind, level, the unit's validity) of the figures in force of one indicator on the districts
    and communes under the province's versions: one row per distinct combination."""
    iv, u = IndicatorValue, AdminUnitVersion
    return (select(iv.period, iv.kind, u.level, u.valid_from, u.valid_to)
            .join(u, u.id == iv.unit_id)
            .where(iv.indicator_code == bindparam("indicator"), in_force(as_of), iv.value.is_not(None),
                   u.parent_id.in_(bindparam("parent_ids", expanding=True)), u.level.in_(GEOGRAPHIES))
            .group_by(iv.period, iv.kind, u.level, u.valid_from, u.valid_to))


def figure_periods(engine: Engine, *, indicator: str, province: str,
                   as_of: dt.date | dt.datetime | None = None) -> Records:
    """Which periods and kinds of an indicator have figures on the province's districts or communes, and on
    which level (FIGURE_PERIOD_COLUMNS, in period order, districts before communes): what a map can be drawn
    for. A figure counts on its level only when its unit is in force during its period (a 2030 target left
    on a district that ended on 30/6/2025 is no district map of 2030)."""
    moment = moment_of(as_of)
    with read_connection(engine) as c:
        found = c.execute(_figure_periods(moment is not None),
                          {"indicator": indicator, "moment": moment,
                           "parent_ids": units.code_versions(c, province, ("province",))}).all()
    keep = set()
    for period, kind, level, valid_from, valid_to in found:
        if periods.is_valid(period):
            p = periods.parse(period)
            if unit_validity.overlaps(valid_from, valid_to, p.start, p.end):
                keep.add((p.code, kind, level))
    rows = [dict(zip(FIGURE_PERIOD_COLUMNS, key, strict=True)) for key in sorted(
        keep, key=lambda k: (_series_sort_key(k[0], k[1]), GEOGRAPHIES.index(k[2])))]
    return Records(rows, FIGURE_PERIOD_COLUMNS)
