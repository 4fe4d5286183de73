"""Bản đồ chỉ tiêu — one indicator by district: actual, estimate, target, progress toward the target or
change between two periods; click a district for its trend, its figures and their revisions; the same
data beneath the map as a sortable, downloadable table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import components, data, downloads, fmt, page, state
from dashboard.i18n import t
from dashboard.safe_text import md, plain
from dashboard.views import mapview, unit_changes
from qh_data import maps, periods
from qh_data.errors import ConfigError
from qh_data.maps import availability, figures
from qh_data.maps import model as mapmodel

ALL = "all"
GROUP_ORDER = ("economy", "society", "environment", "infrastructure")

ctx = page.context("map")
f, lang = ctx.filters, ctx.lang
q = data.q


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _keep(key: str, options: list, default) -> None:
    """A widget's remembered value must be one of its current options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


overview = q("indicator_overview", province=f.province, as_of=ctx.as_of_dt)
if overview.empty:
    components.empty_state(t("map.no_indicators"))
    ctx.footer()
    st.stop()

group_rank = {g: i for i, g in enumerate(GROUP_ORDER)}
overview = overview.assign(_g=overview["group"].map(lambda g: group_rank.get(g, 99))).sort_values(
    ["_g", "sort_order", "code"], kind="stable")
groups = list(dict.fromkeys(overview["group"]))
names = {c: mapmodel.indicator_name(r, lang) for c, r in zip(overview["code"], overview.to_dict("records"), strict=True)}
group_of = dict(zip(overview["code"], overview["group"], strict=True))


def group_word(g: str) -> str:
    return t(f"status.group.{g}") if g in GROUP_ORDER else str(g)


# --- what to show ----------------------------------------------------------------------------------
url_grp = state.page_param("grp")
_init("map_grp", url_grp if url_grp in groups else ALL)
_init("map_ind", state.page_param("ind"))
_init("map_view", state.page_param("view"))
_init("map_cls", state.page_param("cls"))
_init("map_labels", {"1": True, "0": False}.get(state.page_param("labels") or "", f.present))

with st.container(border=True):
    c1, c2 = st.columns([1, 3])
    _keep("map_grp", [ALL, *groups], ALL)
    grp = c1.selectbox(t("map.field"), [ALL, *groups], key="map_grp",
                       format_func=lambda g: t("map.field_all") if g == ALL else group_word(g))
    codes = [c for c in overview["code"] if grp == ALL or group_of[c] == grp]
    _keep("map_ind", codes, codes[0])
    indicator = c2.selectbox(t("map.indicator"), codes, key="map_ind",
                             format_func=lambda c: f"{group_word(group_of[c])} · {plain(names[c])}")

    _keep("map_view", list(availability.VIEWS), "actual")
    view = st.radio(t("map.view"), list(availability.VIEWS), key="map_view", horizontal=True,
                    format_func=lambda v: t(f"map.view_{v}"))

    avail = availability.unit_periods(q, indicator=indicator, province=f.province, as_of=ctx.as_of_dt)
    options = availability.view_periods(avail, view)
    if "map_per" not in st.session_state:
        # a link may ask for a period without figures: it is kept among the choices (and the page says
        # there is nothing for it) while the indicator and the view stay the same
        wanted = state.page_param("per")
        if wanted and periods.is_valid(wanted):
            st.session_state["map_per"] = periods.validate(wanted)
            if periods.validate(wanted) not in options:
                st.session_state["map_extra_per"] = (indicator, view, periods.validate(wanted))
    extra_per = st.session_state.get("map_extra_per")
    if extra_per and extra_per[:2] == (indicator, view):
        options = periods.sort_periods([*options, extra_per[2]])
    period = None
    period2 = None
    level = None  # the geography drawn: the period's (districts to 30/6/2025, communes after), chosen for 2025
    geos: list[str] = []
    carry_onto = None  # a district period drawn on the communes of the as-of day (the user's choice)
    method = mapmodel.DEFAULT_METHOD
    c3, c4, c5, c6 = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
    if options:
        _keep("map_per", options, availability.default_period(avail, view) or options[-1])
        period = c3.selectbox(t("map.period"), list(reversed(options)), key="map_per",
                              format_func=lambda p: periods.label(p, lang))
        geos = list(q("geographies", province=f.province, period=period)) or ["district"]
        held = availability.figure_levels(avail, view, period)
        level = ([g for g in geos if g in held] or geos)[0]
        if len(geos) > 1:  # a period straddling 1/7/2025: say where its figures are, let the user switch
            _init("map_geo", state.page_param("geo"))
            _keep("map_geo", geos, level)
            level = mapview.geography_switch(geos, held, period, lang)
        if view == "change":
            partners = availability.change_partners(avail, period, level)
            _init("map_per2", state.page_param("per2"))
            if partners:
                _keep("map_per2", partners, partners[0])
                period2 = c4.selectbox(t("map.period2"), partners, key="map_per2",
                                       format_func=lambda p: periods.label(p, lang))
        if view in ("actual", "estimate") and level == "district" and any(
                u["level"] == "commune" for u in ctx.filter_units()):
            carry_onto = mapview.carry_switch(c5, mapmodel.indicator_info(q, indicator, f.province, ctx.as_of_dt),
                                              ctx.today, lang)
        if view in availability.RAW_VIEWS:
            _keep("map_cls", list(maps.METHODS), mapmodel.DEFAULT_METHOD)
            method = c4.selectbox(t("map.method"), list(maps.METHODS), key="map_cls",
                                  format_func=lambda m: t(f"map.method_{m}"), help=t("map.method_help"))
    labels_on = c6.toggle(t("map.labels"), key="map_labels")

info = mapmodel.indicator_info(q, indicator, f.province, ctx.as_of_dt) or {}
name = names[indicator]
st.subheader(md(name))
unit_changes.territory_note("province", f.province)  # Thái Nguyên: figures before/after 1/7/2025 on other territories

state.sync_url(f, state.page_params_of_url() | {
    "grp": "" if grp == ALL else grp, "ind": indicator, "view": view, "per": period or "",
    "per2": period2 if view == "change" and period2 else "", "cls": method if view in availability.RAW_VIEWS else "",
    "geo": level if len(geos) > 1 else "", "carry": "1" if carry_onto else "",
    "labels": "1" if labels_on else "0"})


def province_only_state() -> None:
    """No district figures at all: say so, and show the province's own figures when there are some."""
    components.empty_state(t("map.no_district_data", name=md(name)))
    series = q("province_series", indicator=indicator, province=f.province, as_of=ctx.as_of_dt)
    recs = figures.series_records(series, fmt.WORDS, lang, int(info.get("decimals") or 0))
    if recs:
        st.markdown(f"**{t('map.province_series_heading', name=md(ctx.province_name()))}**")
        st.dataframe(pd.DataFrame([{t("map.col_period"): r["period_label"], t("map.col_kind"): r["kind_word"],
                                    t("map.col_value"): r["value_text"],
                                    t("map.col_unit"): mapmodel.indicator_unit(info, lang),
                                    t("map.col_source"): r["source"] or "–"} for r in reversed(recs)]),
                     hide_index=True, width="stretch")


if not any(avail.values()):
    province_only_state()
    ctx.footer()
    st.stop()
if not options:
    components.empty_state(t("map.no_periods_for_view", view=t(f"map.view_{view}"), name=md(name)))
    ctx.footer()
    st.stop()
if view == "change" and not period2:
    components.empty_state(t("map.no_partner", period=periods.label(period, lang)))
    ctx.footer()
    st.stop()

req = mapmodel.Request(indicator=indicator, province=f.province, period=period, view=view, period2=period2,
                      method=method, as_of=ctx.as_of_dt, lang=lang, level=level, carry_onto=carry_onto)
model = data.map_model(req)


def lt(key: str, **values) -> str:
    """A sentence about the units drawn (huyện / xã, phường)."""
    return t(mapmodel.level_key(key, model.level), **values)


if model.empty:
    components.empty_state(lt("map.no_data_period", name=md(name), view=t(f"map.view_{view}").lower(),
                              period=mapmodel.period_text(period, lang)))
    ctx.footer()
    st.stop()

components.figures(figures.province_figures(model, fmt.WORDS))
method_text = figures.province_method_text(model, fmt.WORDS)
for line in [method_text, *model.notes]:
    if line:
        st.caption(line)

rows_by_code = {r["code"]: r for r in model.rows}
unit_codes = [r["code"] for r in model.rows]
unit_names = {r["code"]: r["name"] for r in model.rows}
_init("map_unit", state.page_param("unit") or (f.districts[0] if f.districts else None))
if st.session_state.get("map_unit") not in unit_codes:
    st.session_state["map_unit"] = None
highlight = f.districts[0] if len(f.districts) == 1 and f.districts[0] in unit_codes else None


def district_panel(code: str | None) -> None:
    if not code:
        st.caption(lt("map.click_hint"))
        return
    row = rows_by_code[code]
    value = "–" if row["value"] is None else " ".join(x for x in (row["formatted_value"], row["unit"]) if x)
    lines = [f"**{components.esc(value)}**"]
    if row.get("rank"):
        lines.append(components.esc(lt("map.rank_line", rank=row["rank"], n=row["n"])))
    if row.get("target_text"):
        lines.append(components.esc(row["target_text"]))
    if row.get("is_demo"):
        lines.append(f'<span class="qh-demo">{components.esc(t("common.demo_mark"))}</span>')
    st.markdown("  \n".join(lines), unsafe_allow_html=True)

    series = q("indicator_series", indicator=indicator, unit_code=code, as_of=ctx.as_of_dt)
    recs = figures.series_records(series, fmt.WORDS, lang, int(info.get("decimals") or 0))
    if not recs:
        components.empty_state(lt("map.no_series"))
        return
    chart = mapview.trend_chart(recs, lang, unit=mapmodel.indicator_unit(info, lang), big=f.present)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    table = pd.DataFrame([{
        "period": r["period_label"], "kind": r["kind_word"], "value": r["value"], "source": r["source"] or "–",
        "revision": r["revision"], "demo": r["is_demo"]} for r in reversed(recs)])
    dec = int(info.get("decimals") or 0)
    decimal, thousands = ("," , ".") if lang == "vi" else (".", ",")
    st.dataframe(table.style.format({"value": f"{{:,.{dec}f}}"}, decimal=decimal, thousands=thousands, na_rep="–"),
                 hide_index=True, width="stretch", height=min(320, 38 + 35 * len(table)),
                 column_config={"period": t("map.col_period"), "kind": t("map.col_kind"),
                                "value": st.column_config.Column(t("map.col_value")),
                                "source": st.column_config.TextColumn(t("map.col_source"), width="medium"),
                                "revision": st.column_config.NumberColumn(t("map.col_revision"), format="%d"),
                                "demo": st.column_config.CheckboxColumn(t("map.col_demo"))})
    with st.expander(t("map.history_heading")):
        choices = [(r["period"], r["kind"]) for r in reversed(recs)]
        current_kind = view if view in availability.RAW_VIEWS else (row.get("kind_used") or "actual")
        default = (period, current_kind) if (period, current_kind) in choices else choices[0]
        chosen = st.selectbox(t("map.history_pick"), choices, index=choices.index(default),
                              format_func=lambda c: f"{periods.label(c[0], lang)} · {t(f'status.kind.{c[1]}')}",
                              key=f"map_hist_{code}")
        hist = q("value_history", indicator=indicator, unit_code=code, period=chosen[0], kind=chosen[1])
        if hist.empty:
            st.caption(t("map.no_history"))
        else:
            st.dataframe(pd.DataFrame({
                t("map.hist_revision"): hist["revision"],
                t("map.col_value"): hist["value"].map(lambda v: fmt.number(v, dec, lang)),
                t("map.hist_at"): hist["submitted_at"].map(lambda v: fmt.datetime(v, lang)),
                t("map.hist_by"): hist["submitter_name"].fillna(hist["submitted_by"]).fillna("–"),
                t("map.col_source"): hist["source"].fillna("–"),
                t("map.hist_note"): hist["note"].fillna(""),
                t("map.hist_current"): hist["is_current"],
            }), hide_index=True, width="stretch")


@st.fragment
def map_and_panel(req: mapmodel.Request, labels_on: bool, highlight: str | None) -> None:
    left, right = st.container(key="qh_split").columns([3, 2], gap="medium")
    selected = st.session_state.get("map_unit")
    with left:
        try:
            clicked = mapview.draw_map(req, labels_on=labels_on, key="map_main", highlight=selected or highlight,
                                       height=mapview.PRESENT_HEIGHT if f.present else mapview.MAP_HEIGHT,
                                       present=f.present)
        except ConfigError as exc:
            components.show_error(exc)
            clicked = None
        st.caption(lt("map.map_hint"))
    marker = (req.key(), selected, clicked)
    if clicked and clicked in unit_codes and st.session_state.get("map_last_click") != marker:
        st.session_state["map_last_click"] = marker
        if clicked != selected:
            # draw the map again with the clicked district outlined (only this fragment reruns)
            st.session_state["map_unit"] = clicked
            st.rerun(scope="fragment")
    with right:
        st.markdown(f"#### {components.esc(lt('map.district_heading'))}", unsafe_allow_html=True)
        code = st.selectbox(lt("map.pick_district"), unit_codes, key="map_unit", index=None,
                            format_func=lambda c: plain(unit_names.get(c, c)), placeholder=lt("map.pick_placeholder"))
        district_panel(code)
    state.sync_url(f, state.page_params_of_url() | {"unit": code or ""})


map_and_panel(req, labels_on, highlight)
mapview.boundary_sources(availability.all_levels(avail) or [model.level], lang)

# --- the same data as a table (the accessible alternative), downloadable ---------------------------
st.subheader(lt("map.table_heading"))
cols: dict[str, list] = {"district": [], "value": [], "rank": []}
extra: list[str] = []
if view in ("actual", "estimate"):
    extra = ["target", "percent"]
elif view == "progress":
    extra = ["observed", "kind", "target"]
elif view == "change":
    extra = ["observed", "base"]
for key in [*extra, "source", "demo"]:
    cols[key] = []
for r in model.rows:
    cols["district"].append(r["name"])
    cols["value"].append(r["value"])
    cols["rank"].append(r["rank"])
    for key in extra:
        cols[key].append(t(f"status.kind.{r['kind_used']}") if key == "kind" and r.get("kind_used")
                         else None if key == "kind" else r.get(key))
    cols["source"].append(r.get("source") or "–")
    cols["demo"].append(bool(r.get("is_demo")))
table = pd.DataFrame(cols)
raw_dec = int(info.get("decimals") or 0)
value_unit = model.legend_unit or ""
labels = {
    "district": lt("map.col_district"),
    "value": f"{t(f'map.view_{view}')} ({value_unit})" if value_unit else t(f"map.view_{view}"),
    "rank": t("map.col_rank"),
    "target": t("map.col_target", year=model.target_year or "–"),
    "percent": t("map.col_percent"),
    "observed": t("map.col_observed", period=periods.label(period, lang)),
    "kind": t("map.col_kind"),
    "base": t("map.col_observed", period=periods.label(period2, lang)) if period2 else "",
    "source": t("map.col_source"),
    "demo": t("map.col_demo"),
}
formats = {"value": f"{{:,.{model.decimals}f}}", "target": f"{{:,.{raw_dec}f}}", "percent": "{:,.0f}",
           "observed": f"{{:,.{raw_dec}f}}", "base": f"{{:,.{raw_dec}f}}"}
decimal, thousands = ("," , ".") if lang == "vi" else (".", ",")
st.dataframe(
    table.style.format({k: v for k, v in formats.items() if k in table.columns}, decimal=decimal,
                       thousands=thousands, na_rep="–"),
    hide_index=True, width="stretch", key="map_table", height=min(800, 40 + 35 * len(table)),
    column_config={
        **{k: st.column_config.Column(labels[k]) for k in table.columns if k not in ("rank", "demo", "district")},
        "district": st.column_config.TextColumn(labels["district"], width="medium"),
        "rank": st.column_config.NumberColumn(labels["rank"], format="%d"),
        "demo": st.column_config.CheckboxColumn(labels["demo"]),
    },
)
export = table.rename(columns=labels)
export.insert(0, t("map.col_indicator"), name)
export.insert(1, t("map.col_unit"), value_unit)
slug = f"ban-do-{indicator}-{period}-{view}".replace("_", "-").lower()
downloads.table_buttons(export, t("map.sheet"), slug)
ctx.footer()
