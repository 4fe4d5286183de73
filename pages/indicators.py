"""Chỉ tiêu và mục tiêu — every indicator with its baseline (2020), latest actual and estimate, targets
for 2025 and 2030, progress status and a small trend; filters by field, owner agency and area; an
"explain" view with the inputs and the arithmetic behind each status."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from dashboard import charts, components, data, downloads, fmt, page, state, theme
from dashboard.i18n import t
from dashboard.safe_text import md, plain
from dashboard.views import plan_targets, unit_changes
from qh_data import periods
from qh_data.maps import figures, number_or_none
from qh_data.maps import model as mapmodel
from qh_data.rules import observed
from qh_data.status import (
    MODERATE_RATIO,
    ON_TRACK_RATIO,
    PROGRESS_STATUSES,
    TREND_MODERATE_RATE,
    TREND_ON_TRACK_RATE,
    TREND_STATUSES,
)

ALL = "all"
PROVINCE = "province"
GROUP_ORDER = ("economy", "society", "environment", "infrastructure")

ctx = page.context("indicators")
f, lang = ctx.filters, ctx.lang
q = data.q


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _keep(key: str, options: list, default) -> None:
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def group_word(g: str) -> str:
    return t(f"status.group.{g}") if g in GROUP_ORDER else str(g)


catalogue = q("indicator_overview", province=f.province, as_of=ctx.as_of_dt)
if catalogue.empty:
    components.empty_state(t("indicators.no_indicators"))
    ctx.footer()
    st.stop()

groups = sorted(set(catalogue["group"]), key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else 99, g))
agencies = q("agencies", province=f.province)
role_names: dict[str, str] = {}
for a in agencies:
    if a["role"] and a["role"] not in role_names:
        role_names[a["role"]] = a["short_name"] or a["name"]
owner_roles = sorted({r for r in catalogue["owner_role"] if isinstance(r, str) and r},
                     key=lambda r: role_names.get(r, r))
area_units = ctx.filter_units()  # the sidebar's units of the as-of day: districts, or communes from 1/7/2025
district_names = {u["code"]: u["name"] for u in area_units}
area_level = {u["code"]: u["level"] for u in area_units}
agency_role = next((a["role"] for a in agencies if a["code"] == f.agency), None)

# --- filters -----------------------------------------------------------------------------------------
_init("ind_grp", state.page_param("grp"))
_init("ind_own", state.page_param("own") or (agency_role if agency_role in owner_roles else ALL))
_init("ind_view", state.page_param("view"))
if st.session_state.get("ind_unit_from") != tuple(f.districts):
    # the area follows the sidebar's district filter whenever that filter changes
    st.session_state["ind_unit_from"] = tuple(f.districts)
    wanted_unit = state.page_param("unit") if "ind_unit" not in st.session_state else None
    st.session_state["ind_unit"] = wanted_unit or (f.districts[0] if f.districts else PROVINCE)
units = [PROVINCE, *(f.districts or district_names)]

with st.container(border=True):
    c1, c2, c3, c4 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
    _keep("ind_grp", [ALL, *groups], ALL)
    grp = c1.selectbox(t("indicators.field"), [ALL, *groups], key="ind_grp",
                       format_func=lambda g: t("indicators.field_all") if g == ALL else group_word(g))
    _keep("ind_own", [ALL, *owner_roles], ALL)
    own = c2.selectbox(t("indicators.owner"), [ALL, *owner_roles], key="ind_own",
                       format_func=lambda r: t("indicators.owner_all") if r == ALL else plain(role_names.get(r, r)))
    _keep("ind_unit", units, units[0] if len(units) == 1 or not f.districts else units[1])
    unit = c3.selectbox(t("indicators.area"), units, key="ind_unit",
                        format_func=lambda c: t("indicators.area_province", name=ctx.province_name())
                        if c == PROVINCE else plain(district_names.get(c, c)))
    _keep("ind_view", ["table", "explain"], "table")
    view = c4.radio(t("indicators.view"), ["table", "explain"], key="ind_view", horizontal=True,
                    format_func=lambda v: t(f"indicators.view_{v}"))

district = None if unit == PROVINCE else unit
# a territory that changed (Thái Nguyên with Bắc Kạn from 1/7/2025): said here, marked on the trend chart
breaks = (unit_changes.territory_note("province", f.province) if district is None
          else unit_changes.territory_note(area_level.get(district, "district"), district))
ov = q("indicator_overview", province=f.province, as_of=ctx.as_of_dt, group=None if grp == ALL else grp,
       owner_role=None if own == ALL else own, district=district)
ov = ov.assign(_g=ov["group"].map(lambda g: GROUP_ORDER.index(g) if g in GROUP_ORDER else 99)).sort_values(
    ["_g", "sort_order", "code"], kind="stable").reset_index(drop=True)

params = {"grp": "" if grp == ALL else grp, "own": "" if own == ALL else own,
          "unit": "" if unit == PROVINCE else unit, "view": view}
if ov.empty:
    state.sync_url(f, state.page_params_of_url() | params | {"ind": ""})
    components.empty_state(t("indicators.empty"))
    ctx.footer()
    st.stop()

records = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
           for r in ov.to_dict("records")]


def name_of(r: dict) -> str:
    return mapmodel.indicator_name(r, lang)


def unit_of(r: dict) -> str:
    return mapmodel.indicator_unit(r, lang)


def series_frame(code: str):
    if district:
        return q("indicator_series", indicator=code, unit_code=district, as_of=ctx.as_of_dt)
    return q("province_series", indicator=code, province=f.province, as_of=ctx.as_of_dt)


def series_of(code: str) -> list[dict]:
    dec = int(next((r["decimals"] for r in records if r["code"] == code), 1) or 0)
    return figures.series_records(series_frame(code), fmt.WORDS, lang, dec)


def yearly_trend(series) -> list[float]:
    """Each year's observed figure (its actual, else its estimate: ``qh_data.rules.observed``), the
    series the status judges. Read straight off the query's columns: a sparkline needs no formatted
    labels (200 of them per run at national scale)."""
    yearly = []
    for period, kind, value in zip(series["period"], series["kind"], series["value"], strict=True):
        if periods.is_valid(period):
            p = periods.parse(period)
            if p.type == "year":
                yearly.append((p.year, kind, number_or_none(value)))
    return [v for _, (_, v) in sorted(observed.observed_by(yearly).items())]


# --- status counts -------------------------------------------------------------------------------
counts = ov["status"].value_counts().to_dict()
components.figures([(t(f"status.progress.{s}"), fmt.number(counts.get(s, 0), lang=lang), theme.PROGRESS_COLORS[s])
                    for s in PROGRESS_STATUSES], columns=5)
st.caption(t("indicators.counts_caption", n=fmt.number(len(ov), lang=lang),
             area=t("indicators.area_province", name=md(ctx.province_name())) if district is None
             else md(district_names.get(district, district))))


def explain(r: dict) -> None:
    """The inputs and the arithmetic behind one indicator's status."""
    status = r["status"] or "insufficient_data"
    word = t(f"status.progress.{status}")
    unit = unit_of(r)
    dec = int(r.get("decimals") or 0)
    st.markdown(f"#### {components.esc(name_of(r))} {components.badge(word, theme.PROGRESS_COLORS[status])}",
                unsafe_allow_html=True)

    def figure(year, value, estimate=False) -> str:
        if value is None or year is None:
            return "–"
        text = f"{int(year)}: {fmt.number(value, dec, lang)} {unit}".strip()
        return text + (f" ({t('indicators.estimate_mark')})" if estimate else "")

    method = r.get("method") or "none"

    def rate(v) -> str:
        v = number_or_none(v)
        if v is None:
            return "–"
        if method in ("cagr", "trend", "trend_linear"):
            return t("indicators.per_year", value=fmt.percent(v * 100, 2, lang))
        if method == "linear":
            return t("indicators.per_year", value=f"{fmt.number(v, dec + 1, lang)} {unit}".strip())
        return f"{fmt.number(v, dec + 1, lang)} {unit}".strip()

    inputs = [
        (t("indicators.in_baseline"), figure(r.get("progress_baseline_year"), number_or_none(r.get("progress_baseline_value")))),
        (t("indicators.in_latest"), figure(r.get("progress_latest_year"), number_or_none(r.get("progress_latest_value")),
                                           bool(r.get("latest_is_estimate")))),
        (t("indicators.in_target"), figure(r.get("progress_target_year"),
                                           number_or_none(r.get("target_2030")) if r.get("progress_target_year") == 2030
                                           else number_or_none(r.get("target_2025")))),
        (t("indicators.in_direction"), t(f"indicators.direction_{'lower' if r.get('direction') == 'lower' else 'higher'}")),
        (t("indicators.in_method"), t(f"indicators.method_{method}")),
        (t("indicators.in_observed"), rate(r.get("observed_rate"))),
        (t("indicators.in_required"), rate(r.get("required_rate"))),
        (t("indicators.in_ratio"), "–" if number_or_none(r.get("ratio")) is None else fmt.number(r["ratio"], 3, lang)),
    ]
    left, right = st.container(key="qh_split").columns([1, 1], gap="large")
    with left:
        st.markdown("  \n".join(f"**{components.esc(k)}:** {components.esc(v)}" for k, v in inputs),
                    unsafe_allow_html=True)
        with st.container(border=True):
            st.markdown(f"**{components.esc(t('indicators.arithmetic'))}**  \n"
                        + components.esc(r.get("explanation_en") if lang == "en" else r.get("explanation_vi")),
                        unsafe_allow_html=True)
        if status in TREND_STATUSES:
            st.caption(t("indicators.rule_trend", high=fmt.percent(TREND_ON_TRACK_RATE * 100, 1, lang),
                         med=fmt.percent(TREND_MODERATE_RATE * 100, 1, lang)))
        else:
            st.caption(t("indicators.rule", on_track=fmt.number(ON_TRACK_RATIO, 2, lang),
                         moderate=fmt.number(MODERATE_RATIO, 1, lang)))
        if r.get("is_demo"):
            st.markdown(f'<span class="qh-demo">{components.esc(t("common.demo_mark"))}</span>',
                        unsafe_allow_html=True)
        if district is None:  # the target under each plan: the approved one and its adjustment, side by side
            plan_targets.draw(r["code"], f.province, ctx.today, lang)
    with right:
        recs = series_of(r["code"])
        chart = charts.trend_chart(recs, lang, unit=unit, big=f.present, breaks=breaks)
        if chart is None:
            components.empty_state(t("indicators.no_series"))
        else:
            st.altair_chart(chart, width="stretch")


codes = [r["code"] for r in records]
by_code = {r["code"]: r for r in records}

if view == "explain":
    _init("ind_pick", state.page_param("ind"))
    _keep("ind_pick", codes, codes[0])
    pick = st.selectbox(t("indicators.pick"), codes, key="ind_pick",
                        format_func=lambda c: f"{group_word(by_code[c]['group'])} · {plain(name_of(by_code[c]))}")
    state.sync_url(f, state.page_params_of_url() | params | {"ind": pick})
    explain(by_code[pick])
    ctx.footer()
    st.stop()

# --- the table --------------------------------------------------------------------------------------
# Indicators have different units, so the figures are written out (each with its own decimals, the
# Vietnamese way) rather than sorted as one numeric column; the export keeps them as numbers.
numbers = pd.DataFrame({
    "baseline": [number_or_none(r["baseline_2020"]) for r in records],
    "actual": [number_or_none(r["latest_actual_value"]) for r in records],
    "estimate": [number_or_none(r["latest_estimate_value"]) for r in records],
    "target_2025": [number_or_none(r["target_2025"]) for r in records],
    "target_2030": [number_or_none(r["target_2030"]) for r in records],
})


def written(col: str) -> list[str]:
    return [fmt.number(v, int(r["decimals"] or 0), lang) for v, r in zip(numbers[col], records, strict=True)]


table = pd.DataFrame({
    "name": [name_of(r) for r in records],
    "status": [t(f"status.progress.{r['status']}") for r in records],
    "trend": [yearly_trend(series_frame(r["code"])) for r in records],
    "unit": [unit_of(r) for r in records],
    "baseline": written("baseline"),
    "actual": written("actual"),
    "actual_year": ["–" if r["latest_actual_year"] is None else str(int(r["latest_actual_year"])) for r in records],
    "estimate": written("estimate"),
    "estimate_period": [periods.label(r["latest_estimate_period"], lang) if r["latest_estimate_period"] else "–"
                        for r in records],
    "target_2025": written("target_2025"),
    "target_2030": written("target_2030"),
    "group": [group_word(r["group"]) for r in records],
    "demo": [bool(r["is_demo"]) for r in records],
})
status_codes = [r["status"] for r in records]
styler = table.style.apply(lambda col: [f"background-color: {theme.PROGRESS_COLORS[s]}; color: "
                                        f"{theme.text_color(theme.PROGRESS_COLORS[s])}; font-weight: 600"
                                        for s in status_codes], subset=["status"])
right = {"alignment": "right"}
event = st.dataframe(
    styler, hide_index=True, width="stretch", key="ind_table", on_select="rerun", selection_mode="single-row",
    height=min(720, 38 + 35 * len(table)),
    column_config={
        "name": st.column_config.TextColumn(t("indicators.col_name"), width="large"),
        "status": st.column_config.TextColumn(t("indicators.col_status"), width="medium"),
        "trend": st.column_config.LineChartColumn(t("indicators.col_trend"), width="small"),
        "unit": t("indicators.col_unit"),
        "baseline": st.column_config.TextColumn(t("indicators.col_baseline"), **right),
        "actual": st.column_config.TextColumn(t("indicators.col_actual"), **right),
        "actual_year": st.column_config.TextColumn(t("indicators.col_actual_year"), **right),
        "estimate": st.column_config.TextColumn(t("indicators.col_estimate"), **right),
        "estimate_period": t("indicators.col_estimate_period"),
        "target_2025": st.column_config.TextColumn(t("indicators.col_target", year=2025), **right),
        "target_2030": st.column_config.TextColumn(t("indicators.col_target", year=2030), **right),
        "group": t("indicators.col_group"),
        "demo": st.column_config.CheckboxColumn(t("indicators.col_demo")),
    },
)
export = pd.DataFrame({
    t("indicators.col_name"): table["name"], t("indicators.col_group"): table["group"],
    t("indicators.col_unit"): table["unit"], t("indicators.col_baseline"): numbers["baseline"],
    t("indicators.col_actual"): numbers["actual"], t("indicators.col_actual_year"): table["actual_year"],
    t("indicators.col_estimate"): numbers["estimate"], t("indicators.col_estimate_period"): table["estimate_period"],
    t("indicators.col_target", year=2025): numbers["target_2025"],
    t("indicators.col_target", year=2030): numbers["target_2030"],
    t("indicators.col_status"): table["status"],
    t("indicators.col_explanation"): [r["explanation_en"] if lang == "en" else r["explanation_vi"] for r in records],
    t("indicators.col_demo"): table["demo"],
})
downloads.table_buttons(export, t("indicators.sheet"), "chi-tieu-va-muc-tieu")

rows = event.selection.rows if event and event.selection else []
selected = codes[rows[0]] if rows else None
state.sync_url(f, state.page_params_of_url() | params | {"ind": selected or ""})
if selected:
    explain(by_code[selected])
else:
    st.caption(t("indicators.select_hint"))
ctx.footer()
