"""Indicator maps on screen, shared by the map page (pages/map.py) and the slideshow: the Streamlit side
of ``qh_data.maps`` (the model: :mod:`qh_data.maps.model`, its figures: :mod:`qh_data.maps.figures`, the
folium map: :mod:`qh_data.maps.draw`).

* :func:`draw_map` hands the cached folium map to st_folium (the caches live in ``dashboard.data``:
  ``map_model`` and ``folium_map``, keyed by the data version);
* :func:`trend_chart`: one unit's yearly figures (altair);
* :func:`presentation_map`: the large, labelled map of the projector.
"""

from __future__ import annotations

import streamlit as st

from dashboard import charts, components, data, fmt, state
from dashboard.i18n import translate
from dashboard.safe_text import md, plain
from qh_data import periods
from qh_data.errors import ConfigError
from qh_data.maps import boundaries, figures
from qh_data.maps.model import Request, indicator_info, indicator_name, presentation_request
from qh_data.queries import carry

MAP_HEIGHT = 560
PRESENT_HEIGHT = 620


def draw_map(req: Request, *, labels_on: bool, key: str, height: int = MAP_HEIGHT, label_names: bool = False,
             highlight: str | None = None, interactive: bool = True, present: bool = False) -> str | None:
    """Draw the map with st_folium; returns the code of the district clicked last (or None)."""
    from streamlit_folium import st_folium

    m = data.folium_map(req, labels_on=labels_on, label_names=label_names, highlight=highlight, present=present)
    out = st_folium(m, key=key, height=height, use_container_width=True,
                    returned_objects=["last_active_drawing"] if interactive else [])
    drawing = (out or {}).get("last_active_drawing") if interactive else None
    if isinstance(drawing, dict):
        code = (drawing.get("properties") or {}).get("code")
        return str(code) if code else None
    return None


# --- the geography of a period -------------------------------------------------------------------

def geography_switch(geos: list[str], held: list[str], period: str, lang: str) -> str:
    """For a period with two geographies (the year 2025: districts to 30/6, communes from 1/7): which one
    its figures are on (``held``), and the choice of the one drawn (widget ``map_geo``, bound to the URL
    by the page). Returns the chosen level."""
    levels = ", ".join(translate(f"map.geo_{g}", lang) for g in held) or translate("map.geo_none", lang)
    st.caption(translate("map.geo_straddle", lang, period=periods.label(period, lang), levels=levels))
    return st.radio(translate("map.geo", lang), geos, key="map_geo", horizontal=True,
                    format_func=lambda g: translate(f"map.geo_{g}", lang))


def carry_switch(container, info: dict | None, day, lang: str):
    """The choice of drawing a district period on the communes of ``day`` (widget ``map_carry``, URL
    ``carry``): offered for an additive indicator, shown switched off with the reason for any other.
    Returns ``day`` when chosen, else None."""
    label = translate("map.carry_toggle", lang)
    info = info or {}
    if not carry.carriable(info.get("aggregation")):
        reason = carry.refusal(info.get("name_vi") or "", info.get("name_en") or "").message(lang)
        container.toggle(label, value=False, disabled=True, help=plain(reason), key="map_carry_off")
        return None
    if "map_carry" not in st.session_state:
        st.session_state["map_carry"] = state.page_param("carry") == "1"
    on = container.toggle(label, key="map_carry", help=translate("map.carry_help", lang, date=fmt.date(day, lang)))
    return day if on else None


def boundary_sources(levels: list[str], lang: str) -> None:
    """The sources of the boundaries the page can draw (both when its periods span 1/7/2025); the map
    itself names the one it draws."""
    st.caption(translate("map.boundary_sources", lang, sources=md(boundaries.attribution(levels))))


# --- a unit's series: trend chart ------------------------------------------------------------------

trend_chart = charts.trend_chart  # the chart lives with the others (dashboard.charts); kept here for its callers


# --- the projector --------------------------------------------------------------------------------

def presentation_map(ctx, indicator: str) -> None:
    """A large, labelled map for the projector (slideshow): progress toward the target, or the latest
    actual figures; the province figures beside it."""
    lang = ctx.lang
    f = ctx.filters
    info = indicator_info(data.q, indicator, f.province, ctx.as_of_dt)
    if info is None:
        components.empty_state(translate("map.no_indicator", lang, code=md(indicator)))
        return
    req = presentation_request(data.q, indicator, f.province, ctx.as_of_dt, lang)
    if req is None:
        components.empty_state(translate("map.no_district_data", lang, name=md(indicator_name(info, lang))))
        return
    try:
        m = data.map_model(req)
        left, right = st.container(key="qh_split").columns([3, 1], gap="medium")
        with left:
            st.markdown(f"**{components.esc(indicator_name(info, lang))}** · {components.esc(m.legend_title)}",
                        unsafe_allow_html=True)
            draw_map(req, labels_on=True, label_names=True, key="slide_map", height=PRESENT_HEIGHT,
                     highlight=f.districts[0] if len(f.districts) == 1 else None, interactive=False, present=True)
        with right:
            components.figures(figures.province_figures(m, fmt.WORDS), columns=1)
            method = figures.province_method_text(m, fmt.WORDS)
            if method:
                st.caption(method)
            for note in m.notes:
                st.caption(note)
    except ConfigError as exc:
        components.show_error(exc)
