"""Indicator maps by district, shared by the map page (pages/map.py) and the slideshow.

Two layers:

* pure functions (no Streamlit call) that take ``q(name, **kwargs)`` — ``dashboard.data.q`` in the app,
  :func:`direct_q` over an engine in tests and benchmarks — and build a :class:`MapModel` (one row per
  district valid in the period, the classes, the legend, the province figure), then the folium map
  (:func:`render_map`) or its HTML document (:func:`map_document`);
* the cached Streamlit side: :func:`model` (``st.cache_data``, per request and data version),
  :func:`cached_map` (``st.cache_resource``: a folium.Map holds local functions and cannot be pickled;
  a deep copy goes to ``st_folium``, which mutates the map it is given), :func:`draw_map` and
  :func:`presentation_map` for the projector.

Views: ``actual`` / ``estimate`` / ``target`` (the stored figures, data-driven classes), ``progress``
("% of target reached", fixed classes, colours the same in every period) and ``change`` (between two
periods, diverging classes). Progress and change use each district's actual figure, or its estimate
when the actual is not in yet (the table says which).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import folium
import streamlit as st
from folium.template import Template

from dashboard import components, data, fmt
from dashboard.i18n import translate
from qh_data import config, maps, periods
from qh_data.errors import ConfigError
from qh_data.maps import boundaries
from qh_data.status import percent_of_target

VIEWS = ("actual", "estimate", "target", "progress", "change")
RAW_VIEWS = ("actual", "estimate", "target")
KINDS = ("actual", "estimate", "target")
METHODS = tuple(maps.METHODS)
DEFAULT_METHOD = "quantiles"
K = 5
MAP_HEIGHT = 560
PRESENT_HEIGHT = 620

Q = Callable[..., Any]


def direct_q(engine, *, memo: bool = True) -> Q:
    """``q(name, **kwargs)`` straight on an engine (tests, benchmarks): ``queries.<name>(engine, ...)``,
    each answer remembered for the life of ``q`` when ``memo`` (treat the results as read-only)."""
    from qh_data import queries
    from qh_data.records import frame

    seen: dict[tuple, Any] = {}

    def q(name: str, **kwargs):
        key = (name, tuple(sorted(kwargs.items())))
        if not memo:
            return frame(getattr(queries, name)(engine, **kwargs))
        if key not in seen:
            seen[key] = frame(getattr(queries, name)(engine, **kwargs))
        return seen[key]

    return q


@dataclass(frozen=True)
class Request:
    """What a map shows. ``period2`` is the earlier period of a change map; ``method`` the classes of
    raw-value maps; ``as_of`` None = current figures."""

    indicator: str
    province: str
    period: str
    view: str = "actual"
    period2: str | None = None
    method: str = DEFAULT_METHOD
    as_of: dt.datetime | None = None
    lang: str = "vi"

    def key(self) -> tuple:
        return tuple(asdict(self).values())


@dataclass
class MapModel:
    request: Request
    indicator: dict[str, Any]
    rows: list[dict[str, Any]]  # one per district valid in the period, by code
    classes: maps.Classification
    palette: list[str]
    legend_title: str
    legend_labels: list[str]
    legend_unit: str | None
    decimals: int
    unit: str | None
    target_year: int | None
    province: dict[str, Any]
    n_values: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return len(self.rows)

    @property
    def empty(self) -> bool:
        return self.n_values == 0


# --- small helpers -------------------------------------------------------------------------------

def _tr(lang: str) -> Callable[..., str]:
    return lambda key, **kw: translate(key, lang, **kw)


def number_or_none(v) -> float | None:
    """A finite float, or None (None, NaN, text)."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def period_text(code: str, lang: str) -> str:
    """A period's label inside a sentence: "năm 2025", "6 tháng đầu năm 2026", "quý 3/2026" / "2025"."""
    text = periods.label(code, lang)
    return text[:1].lower() + text[1:] if lang == "vi" else text


def indicator_info(q: Q, code: str, province: str, as_of=None) -> dict[str, Any] | None:
    """The indicator's catalogue fields (one row of ``indicator_overview``) as a dict, or None."""
    ov = q("indicator_overview", province=province, as_of=as_of)
    hit = ov[ov["code"] == code]
    if hit.empty:
        return None
    row = hit.iloc[0].to_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}


def indicator_name(info: Mapping[str, Any], lang: str) -> str:
    return str((info.get("name_en") if lang == "en" else None) or info.get("name_vi") or info.get("code"))


def indicator_unit(info: Mapping[str, Any], lang: str) -> str:
    return str((info.get("unit_en") if lang == "en" else None) or info.get("unit") or "")


def district_periods(q: Q, *, indicator: str, province: str, as_of=None) -> dict[str, list[str]]:
    """Periods having at least one district figure, per kind, in chronological order."""
    found: dict[str, set[str]] = {k: set() for k in KINDS}
    for d in q("districts", province=province):
        s = q("indicator_series", indicator=indicator, unit_code=d["code"], as_of=as_of)
        for period, kind, value in zip(s["period"], s["kind"], s["value"], strict=True):
            if kind in found and number_or_none(value) is not None and periods.is_valid(period):
                found[kind].add(periods.validate(period))
    return {k: periods.sort_periods(v) for k, v in found.items()}


def view_periods(avail: Mapping[str, list[str]], view: str) -> list[str]:
    """The periods a view can be drawn for (chronological)."""
    if view in RAW_VIEWS:
        return list(avail.get(view, []))
    observed = periods.sort_periods(set(avail.get("actual", [])) | set(avail.get("estimate", [])))
    if view == "progress":
        if not target_years(avail):
            return []
        return [p for p in observed if periods.period_type(p) == "year"]
    return observed


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
    observed = set(avail.get("actual", [])) | set(avail.get("estimate", []))
    same = [p for p in observed if periods.period_type(p) == ptype and periods.sort_key(p) < key]
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


def _district_frame(q: Q, req: Request, period: str, kind: str):
    return q("indicator_values", indicator=req.indicator, period=period, kind=kind, level="district",
             province=req.province, as_of=req.as_of)


def _figures(q: Q, req: Request, period: str, kinds: tuple[str, ...]) -> tuple[list[dict], dict[str, dict]]:
    """(districts valid in the period [{code, name}], {code: {value, kind, source, is_demo}}) taking the
    first kind that has a figure for each district."""
    units: list[dict] = []
    figs: dict[str, dict] = {}
    for i, kind in enumerate(kinds):
        df = _district_frame(q, req, period, kind)
        if i == 0:
            units = [{"code": str(c), "name": str(n)} for c, n in zip(df["code"], df["name"], strict=True)]
        for r in df.to_dict("records"):
            code = str(r["code"])
            v = number_or_none(r["value"])
            if v is not None and code not in figs:
                figs[code] = {"value": v, "kind": kind, "source": r.get("source"), "is_demo": bool(r.get("is_demo")),
                              "revision": r.get("revision")}
    return units, figs


def _province_figure(q: Q, req: Request, period: str, kinds: tuple[str, ...]) -> dict | None:
    for kind in kinds:
        df = q("indicator_values", indicator=req.indicator, period=period, kind=kind, level="province",
               province=req.province, as_of=req.as_of)
        if len(df):
            r = df.iloc[0].to_dict()
            v = number_or_none(r.get("value"))
            if v is not None:
                return {**r, "value": v, "kind": kind}
    return None


def _ranks(values: list[float | None], higher_is_better: bool) -> list[int | None]:
    """Competition ranks (1 = best; ties share a rank) among the values that exist."""
    present = sorted((v for v in values if v is not None), reverse=higher_is_better)
    first: dict[float, int] = {}
    for i, v in enumerate(present, start=1):
        first.setdefault(v, i)
    return [None if v is None else first[v] for v in values]


def _decimals_for(edges) -> int:
    """Enough decimals (0–3) to write every finite class edge exactly."""
    best = 0
    for e in edges:
        if e is None or not math.isfinite(e):
            continue
        d = 0
        while d < 3 and abs(round(e, d) - e) > 1e-9 * max(1.0, abs(e)):
            d += 1
        best = max(best, d)
    return best


def change_in_points(info: Mapping[str, Any]) -> bool:
    """Shares and rates change by points (2,5 điểm %), other figures by percent (+8,1 %)."""
    return bool(info.get("is_rate")) or str(info.get("unit") or "").strip() == "%"


def _change(v1: float | None, v0: float | None, points: bool) -> float | None:
    if v1 is None or v0 is None:
        return None
    if points:
        return v1 - v0
    if v0 == 0:
        return None
    return (v1 - v0) / abs(v0) * 100


# --- the model -----------------------------------------------------------------------------------

def build_model(q: Q, req: Request) -> MapModel:
    """Rows, classes and legend of one map (no Streamlit call: ``q`` gives the data)."""
    if req.view not in VIEWS:
        raise ValueError(f"view {req.view!r}")
    tr = _tr(req.lang)
    lang = req.lang
    info = indicator_info(q, req.indicator, req.province, req.as_of)
    if info is None:
        from qh_data.errors import NotFound

        raise NotFound(translate("map.no_indicator", "vi", code=req.indicator),
                       translate("map.no_indicator", "en", code=req.indicator))
    unit = indicator_unit(info, lang)
    dec = int(info.get("decimals") or 0)
    higher = info.get("direction") != "lower"
    period_label = periods.label(req.period, lang)
    period_mid = period_text(req.period, lang)
    avail = district_periods(q, indicator=req.indicator, province=req.province, as_of=req.as_of)
    ty = target_year_for(target_years(avail), req.period)
    is_year = periods.period_type(req.period) == "year"

    def number(v, d=dec):
        return fmt.number(v, d, lang)

    observed = ("actual", "estimate")
    notes: list[str] = []
    province: dict[str, Any] = {}
    if req.view in RAW_VIEWS:
        units, figs = _figures(q, req, req.period, (req.view,))
        targets: dict[str, dict] = {}
        if req.view != "target" and ty is not None:
            _, targets = _figures(q, req, str(ty), ("target",))
        values = [figs.get(u["code"], {}).get("value") for u in units]
        rank_values = values
        out_unit, out_dec = unit, dec
        legend_title = tr("map.legend_raw", kind=tr(f"status.kind.{req.view}"), period=period_label)
        pf = _province_figure(q, req, req.period, (req.view,))
        ptarget = _province_figure(q, req, str(ty), ("target",)) if ty is not None and req.view != "target" else None
        province = {"value": pf["value"] if pf else None, "figure": pf, "target": ptarget,
                    "percent": (percent_of_target(pf["value"], ptarget["value"], direction=info.get("direction"))
                                if pf and ptarget and is_year else None)}
    elif req.view == "progress":
        units, figs = _figures(q, req, req.period, observed)
        _, targets = (_figures(q, req, str(ty), ("target",)) if ty is not None else ([], {}))
        values = []
        for u in units:
            f, tg = figs.get(u["code"]), targets.get(u["code"])
            values.append(percent_of_target(f["value"], tg["value"], direction=info.get("direction"))
                          if f and tg else None)
        rank_values = values
        higher = True
        out_unit, out_dec = tr("map.unit_of_target"), 0
        legend_title = (tr("map.legend_progress_same", year=ty) if ty == periods.year(req.period) and is_year
                        else tr("map.legend_progress", year=ty if ty is not None else "–", period=period_label))
        pf = _province_figure(q, req, req.period, observed)
        ptarget = _province_figure(q, req, str(ty), ("target",)) if ty is not None else None
        province = {"value": (percent_of_target(pf["value"], ptarget["value"], direction=info.get("direction"))
                              if pf and ptarget else None), "figure": pf, "target": ptarget}
        if any(f["kind"] == "estimate" for f in figs.values()):
            notes.append(tr("map.note_estimates_used"))
    else:  # change
        if not req.period2:
            raise ValueError("a change map needs period2")
        points = change_in_points(info)
        units, figs = _figures(q, req, req.period, observed)
        _, base = _figures(q, req, req.period2, observed)
        targets = {}
        values = [_change(figs.get(u["code"], {}).get("value"), base.get(u["code"], {}).get("value"), points)
                  for u in units]
        rank_values = values
        out_unit = tr("map.unit_points") if points else "%"
        out_dec = 1
        legend_title = tr("map.legend_change", period=period_mid, period2=period_text(req.period2, lang))
        pf = _province_figure(q, req, req.period, observed)
        pb = _province_figure(q, req, req.period2, observed)
        province = {"value": _change(pf["value"] if pf else None, pb["value"] if pb else None, points),
                    "figure": pf, "base": pb}
        if any(f["kind"] == "estimate" for f in list(figs.values()) + list(base.values())):
            notes.append(tr("map.note_estimates_used"))

    ranks = _ranks(rank_values, higher)
    n = sum(v is not None for v in values)

    # classes, palette, legend
    if req.view in RAW_VIEWS:
        method = req.method if req.method in METHODS else DEFAULT_METHOD
        cls = maps.classify(values, method, K)
        palette = maps.sequential_palette(cls.k)
        labels = cls.labels(lambda v: number(v, out_dec))
    elif req.view == "progress":
        cls = maps.progress_classes(values)
        palette = list(maps.PROGRESS_PALETTE)
        labels = cls.labels(lambda v: number(v, 0))
    else:
        cls = maps.change_classes(values, K)
        palette = maps.diverging_palette(cls.k, "RdBu", reverse=info.get("direction") == "lower")
        label_dec = _decimals_for([*cls.bins, cls.lower])
        labels = cls.labels(lambda v: number(v, label_dec))

    rows: list[dict[str, Any]] = []
    for u, v, rank in zip(units, values, ranks, strict=True):
        code = u["code"]
        f = figs.get(code)
        tg = targets.get(code) if targets else None
        row: dict[str, Any] = {
            "code": code, "name": u["name"], "value": v,
            "formatted_value": None if v is None else number(v, out_dec),
            "unit": out_unit or None, "rank": rank, "n": n if rank is not None else None,
            "source": (f or {}).get("source"), "kind_used": (f or {}).get("kind"),
            "observed": (f or {}).get("value"), "target": (tg or {}).get("value"),
            "is_demo": bool((f or {}).get("is_demo") or (tg or {}).get("is_demo")),
            "target_text": None,
        }
        if req.view in ("actual", "estimate") and tg is not None:
            pct = percent_of_target(v, tg["value"], direction=info.get("direction")) if (v is not None and is_year) else None
            row["percent"] = pct
            row["target_text"] = (tr("map.tip_target_pct", year=ty, target=number(tg["value"]), unit=unit,
                                     pct=number(pct, 0)) if pct is not None
                                  else tr("map.tip_target", year=ty, target=number(tg["value"]), unit=unit))
        elif req.view == "progress" and f is not None:
            row["target_text"] = tr("map.tip_progress", kind=tr(f"status.kind.{f['kind']}"), period=period_mid,
                                    value=number(f["value"]), unit=unit, year=ty,
                                    target=number(tg["value"]) if tg else "–")
        elif req.view == "change":
            b = base.get(code)
            row["base"] = (b or {}).get("value")
            row["is_demo"] = row["is_demo"] or bool((b or {}).get("is_demo"))
            if f is not None or b is not None:
                row["target_text"] = tr("map.tip_change", period=period_label,
                                        value=number((f or {}).get("value")), period2=periods.label(req.period2, lang),
                                        base=number((b or {}).get("value")), unit=unit)
        rows.append(row)

    province_name = next((p["name"] for p in q("provinces") if p["code"] == req.province), req.province)
    province.update({"name": province_name, "unit": out_unit, "decimals": out_dec})
    return MapModel(request=req, indicator=info, rows=rows, classes=cls, palette=list(palette),
                    legend_title=legend_title, legend_labels=list(labels), legend_unit=out_unit or None,
                    decimals=out_dec, unit=unit, target_year=ty, province=province, n_values=n, notes=notes)


# --- boundaries and the map ----------------------------------------------------------------------

def boundary_file(province: str) -> str:
    return boundaries.PROVINCE_FILES.get(str(province), boundaries.NATIONAL_FILE)


def boundaries_for(q: Q, province: str, unit_codes: list[str]) -> dict:
    """The province's district boundaries, reduced to ``unit_codes`` (the units valid in the period).

    A missing or unreadable file, or codes that do not match the units, raise ``ConfigError`` with one
    sentence naming the file or the codes.
    """
    name = boundary_file(province)
    try:
        geo = maps.province_districts(province)
    except ConfigError:
        raise
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(translate("map.boundary_corrupt", "vi", file=name),
                          translate("map.boundary_corrupt", "en", file=name)) from exc
    feats = geo.get("features") if isinstance(geo, dict) else None
    if not isinstance(feats, list) or not all(isinstance(f, dict) for f in feats):
        raise ConfigError(translate("map.boundary_corrupt", "vi", file=name),
                          translate("map.boundary_corrupt", "en", file=name))
    all_codes = {str(d["code"]) for d in q("districts", province=province)}
    geo_codes = {str((f.get("properties") or {}).get("code")) for f in feats}
    # every unit valid in the period needs its boundary; a boundary may belong to a unit of the province
    # that is not valid in the period (it is left out), never to a code that is no unit at all; one
    # sentence names every code that does not match
    maps.require_codes_match(geo, sorted(set(unit_codes) | (geo_codes & all_codes)), layer=name)
    wanted = set(unit_codes)
    return {"type": "FeatureCollection",
            "features": [f for f in feats if str((f.get("properties") or {}).get("code")) in wanted]}


class _MapFixes(folium.MacroElement):
    """Two fixes for maps drawn in st_folium's iframe, and larger type on the projector.

    * Leaflet focuses the map container on mousedown (for its keyboard handler) with a plain
      ``focus()``; inside the iframe that makes the browser scroll the whole page to bring the iframe
      into view *between* mousedown and mouseup when the map is partly off screen, and the click then
      lands elsewhere (no district is selected). Focus with ``preventScroll`` instead; the keyboard
      handler (arrow keys pan, +/- zoom) keeps working.
    * The value labels hide those that overlap a larger district's label after each zoom, but the
      first pass can run before the iframe has its size (nothing measured, all labels left visible):
      run it again once the map has been laid out and whenever the map is resized.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        {%- if this.present %}
        <style>
        .qh-label { font-size: 19px !important; }
        .qh-legend { font-size: 17px !important; max-width: 340px !important; }
        .leaflet-tooltip.qh-tooltip { font-size: 17px !important; max-width: 380px !important; }
        </style>
        {%- endif %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function (map) {
            var kb = map.keyboard;
            if (kb && kb._onMouseDown) {
                var on = kb.enabled();
                if (on) { kb.disable(); }
                kb._onMouseDown = function () {
                    if (this._focused) { return; }
                    try { this._map._container.focus({preventScroll: true}); }
                    catch (e) { this._map._container.focus(); }
                };
                if (on) { kb.enable(); }
            }
            function recull() { map.fire("zoomend"); }
            map.whenReady(function () { setTimeout(recull, 250); setTimeout(recull, 1200); });
            map.on("resize", recull);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, present: bool = False):
        super().__init__()
        self._name = "QhMapFixes"
        self.present = present


def _texts(lang: str) -> dict[str, str]:
    tr = _tr(lang)
    return {"no_data": tr("map.no_data"), "rank": tr("map.tip_rank"), "source": tr("map.tip_source"),
            "demo": tr("common.demo_mark"), "unit": tr("map.legend_unit"), "legend": tr("map.legend")}


def _short_name(name: str) -> str:
    """"Huyện Tràng Định" → "Tràng Định", "Thành phố Lạng Sơn" → "TP. Lạng Sơn" (labels on the projector)."""
    for prefix, short in (("Thành phố ", "TP. "), ("Thị xã ", "TX. "), ("Huyện ", ""), ("Quận ", "Q. ")):
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def render_map(q: Q, model: MapModel, *, labels_on: bool, label_names: bool = False,
               highlight: str | None = None, tile_url: str | None = None, tile_attribution: str | None = None,
               present: bool = False):
    """The folium map of a model (boundaries joined by GSO code). ``present``: larger type, short names."""
    geo = boundaries_for(q, model.request.province, [r["code"] for r in model.rows])
    rows = [{**r, "name": _short_name(r["name"])} for r in model.rows] if present else model.rows
    m = maps.render_choropleth(
        geo, rows, classes=model.classes, palette=model.palette, legend_title=model.legend_title,
        legend_labels=model.legend_labels, labels_on=labels_on, label_names=label_names,
        tile_url=tile_url, tile_attribution=tile_attribution, lang=model.request.lang,
        highlight_code=highlight, legend_unit=model.legend_unit, texts=_texts(model.request.lang),
    )
    _MapFixes(present).add_to(m)
    return m


def map_document(q: Q, model: MapModel, **kwargs) -> str:
    """The rendered map as one HTML document (tests, benchmarks)."""
    return maps.map_html(render_map(q, model, **kwargs))


# --- Streamlit: cached model and map ---------------------------------------------------------------

@st.cache_data(ttl=600, max_entries=256, show_spinner=False)
def _model_cached(url: str, version: int, key: tuple) -> MapModel:
    return build_model(data.q, Request(*key))


def model(req: Request) -> MapModel:
    """The model of a request, cached per (request, data version)."""
    return _model_cached(config.database_url(), data.version(), req.key())


@st.cache_resource(max_entries=48, show_spinner=False)
def _map_cached(url: str, version: int, key: tuple, labels_on: bool, label_names: bool, highlight: str | None,
                tile_url: str | None, present: bool):
    m = _model_cached(url, version, key)
    return render_map(data.q, m, labels_on=labels_on, label_names=label_names, highlight=highlight,
                      tile_url=tile_url, tile_attribution=tile_attribution(tile_url, m.request.lang),
                      present=present)


def tile_attribution(url: str | None, lang: str = "vi") -> str | None:
    """The attribution of a configured basemap: ``QH_TILE_ATTRIBUTION``, else the tile server's host
    (Leaflet/folium refuse custom tiles without one)."""
    if not url:
        return None
    import os
    from urllib.parse import urlsplit

    text = (os.environ.get("QH_TILE_ATTRIBUTION") or "").strip()
    return text or translate("map.tile_attribution", lang, host=urlsplit(url).netloc or url)


def cached_map(req: Request, *, labels_on: bool, label_names: bool = False, highlight: str | None = None,
               present: bool = False):
    """A fresh copy of the cached folium map (st_folium mutates the map it is given)."""
    m = _map_cached(config.database_url(), data.version(), req.key(), labels_on, label_names, highlight,
                    config.tile_url(), present)
    return copy.deepcopy(m)


def clear_caches() -> None:
    _model_cached.clear()
    _map_cached.clear()


def draw_map(req: Request, *, labels_on: bool, key: str, height: int = MAP_HEIGHT, label_names: bool = False,
             highlight: str | None = None, interactive: bool = True, present: bool = False) -> str | None:
    """Draw the map with st_folium; returns the code of the district clicked last (or None)."""
    from streamlit_folium import st_folium

    m = cached_map(req, labels_on=labels_on, label_names=label_names, highlight=highlight, present=present)
    out = st_folium(m, key=key, height=height, use_container_width=True,
                    returned_objects=["last_active_drawing"] if interactive else [])
    drawing = (out or {}).get("last_active_drawing") if interactive else None
    if isinstance(drawing, dict):
        code = (drawing.get("properties") or {}).get("code")
        return str(code) if code else None
    return None


# --- figures shown next to a map -------------------------------------------------------------------

def province_figures(m: MapModel, lang: str) -> list[tuple[str, str, str | None]]:
    """(label, value, colour) of the province figure(s) of a map, for components.figures."""
    tr = _tr(lang)
    req = m.request
    p = m.province
    unit = m.unit or ""
    items: list[tuple[str, str, str | None]] = []

    def fig(label: str, v, d: int, u: str | None, colour: str | None = None) -> None:
        """A figure: the number big, the unit in the label (long units do not fit a big figure)."""
        if u and u.strip() == "%":
            items.append((label, fmt.percent(v, d, lang), colour))
        else:
            items.append((f"{label} ({u})" if u and v is not None else label, fmt.number(v, d, lang), colour))

    raw_dec = int(m.indicator.get("decimals") or 0)
    if req.view in RAW_VIEWS:
        fig(tr("map.fig_province", name=p["name"]), p.get("value"), m.decimals, unit)
        if p.get("target"):
            fig(tr("map.fig_target", year=m.target_year), p["target"]["value"], m.decimals, unit)
        if p.get("percent") is not None:
            items.append((tr("map.fig_percent"), fmt.percent(p["percent"], 0, lang), _progress_colour(p["percent"])))
    elif req.view == "progress":
        items.append((tr("map.fig_progress", name=p["name"], year=m.target_year),
                      fmt.percent(p.get("value"), 0, lang), _progress_colour(p.get("value"))))
        if p.get("figure"):
            fig(tr("map.fig_observed", kind=tr(f"status.kind.{p['figure']['kind']}"),
                   period=period_text(req.period, lang)), p["figure"]["value"], raw_dec, unit)
        reached = sum(1 for r in m.rows if r["value"] is not None and r["value"] >= 100)
        items.append((tr("map.fig_reached"), f"{fmt.number(reached, lang=lang)} / {fmt.number(m.n_values, lang=lang)}",
                      maps.PROGRESS_PALETTE[-1]))
    else:
        fig(tr("map.fig_change", name=p["name"]), p.get("value"), m.decimals, m.legend_unit)
        grew = sum(1 for r in m.rows if r["value"] is not None and r["value"] > 0)
        items.append((tr("map.fig_increased"), f"{fmt.number(grew, lang=lang)} / {fmt.number(m.n_values, lang=lang)}",
                      None))
    items.append((tr("map.fig_coverage"), f"{fmt.number(m.n_values, lang=lang)} / {fmt.number(m.n_units, lang=lang)}",
                  None))
    return items


def _progress_colour(pct: float | None) -> str | None:
    if pct is None:
        return None
    c = maps.progress_classes([pct]).classes[0]
    return maps.PROGRESS_PALETTE[c] if c is not None else None


def province_method_text(m: MapModel, lang: str) -> str | None:
    """How the province figure was made: the roll-up rule and how many districts it covers."""
    tr = _tr(lang)
    fig = (m.province or {}).get("figure")
    if not fig:
        return None
    method = fig.get("method") or "province"
    n, total = fig.get("districts_contributing"), fig.get("districts_total")
    try:
        n, total = int(n or 0), int(total or 0)
    except (TypeError, ValueError):
        n, total = 0, 0
    return tr(f"map.rollup_{method}", n=fmt.number(n, lang=lang), total=fmt.number(total, lang=lang))


# --- a unit's series: trend chart and table ---------------------------------------------------------

KIND_COLOURS = {"actual": "#0072B2", "estimate": "#E69F00", "target": "#D55E00"}


def series_records(series, lang: str, decimals: int) -> list[dict[str, Any]]:
    """Rows of ``indicator_series``/``province_series`` ready for a chart or a table."""
    out = []
    for r in series.to_dict("records"):
        v = number_or_none(r.get("value"))
        if v is None or not periods.is_valid(r["period"]):
            continue
        p = periods.parse(r["period"])
        out.append({"period": p.code, "period_label": p.label(lang), "period_type": p.type, "year": p.year,
                    "kind": r["kind"], "kind_word": translate(f"status.kind.{r['kind']}", lang), "value": v,
                    "value_text": fmt.number(v, decimals, lang), "source": r.get("source"),
                    "is_demo": bool(r.get("is_demo")), "revision": r.get("revision"),
                    "submitted_at": r.get("submitted_at")})
    return out


def trend_chart(records: list[dict[str, Any]], lang: str, *, unit: str = "", height: int = 260, big: bool = False):
    """Yearly figures of one unit: actuals as a solid line, estimates dashed, targets as diamonds.
    None when there is nothing yearly to draw."""
    import altair as alt
    import pandas as pd

    yearly = [r for r in records if r["period_type"] == "year"]
    if not yearly:
        return None
    df = pd.DataFrame(yearly)
    words = {k: translate(f"status.kind.{k}", lang) for k in KINDS}
    domain = [words[k] for k in KINDS]
    colour = alt.Color("kind_word:N", title=None, scale=alt.Scale(domain=domain, range=[KIND_COLOURS[k] for k in KINDS]),
                       legend=alt.Legend(orient="top", labelFontSize=18 if big else 13, symbolSize=120, columns=3 if big else 2,
                                         symbolType="circle"))
    font = 16 if big else 12
    base = alt.Chart(df).encode(
        x=alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1, labelFontSize=font, labelOverlap=True),
                scale=alt.Scale(zero=False, nice=False, padding=12)),
        y=alt.Y("value:Q", title=unit or None, scale=alt.Scale(zero=False),
                axis=alt.Axis(labelFontSize=font, titleFontSize=font)),
        color=colour,
        tooltip=[alt.Tooltip("period_label:N", title=translate("map.col_period", lang)),
                 alt.Tooltip("kind_word:N", title=translate("map.col_kind", lang)),
                 alt.Tooltip("value_text:N", title=translate("map.col_value", lang))],
    )
    lines = base.transform_filter(alt.FieldOneOfPredicate(field="kind", oneOf=["actual", "estimate"])).mark_line(
        point=alt.OverlayMarkDef(size=40 if not big else 80), strokeWidth=3 if big else 2).encode(
        strokeDash=alt.StrokeDash("kind:N", legend=None,
                                  scale=alt.Scale(domain=["actual", "estimate"], range=[[1, 0], [6, 4]])))
    targets = base.transform_filter(alt.datum.kind == "target").mark_point(
        shape="diamond", size=160 if not big else 260, filled=True, opacity=1)
    return (alt.layer(lines, targets).properties(height=height)
            .configure_view(strokeWidth=0).configure_legend(labelLimit=300))


# --- the projector --------------------------------------------------------------------------------

def presentation_request(indicator: str, province: str, as_of, lang: str) -> Request | None:
    """A progress map for the latest year with figures when the indicator has targets, else the latest
    actual figures; None when it has no district figures at all."""
    q = data.q
    avail = district_periods(q, indicator=indicator, province=province, as_of=as_of)
    for view in ("progress", "actual", "estimate"):
        period = default_period(avail, view)
        if period:
            return Request(indicator=indicator, province=province, period=period, view=view, as_of=as_of,
                           lang=lang)
    return None


def presentation_map(ctx, indicator: str) -> None:
    """A large, labelled map for the projector (slideshow): progress toward the target, or the latest
    actual figures; the province figures beside it."""
    lang = ctx.lang
    tr = _tr(lang)
    f = ctx.filters
    info = indicator_info(data.q, indicator, f.province, ctx.as_of_dt)
    if info is None:
        components.empty_state(tr("map.no_indicator", code=indicator))
        return
    req = presentation_request(indicator, f.province, ctx.as_of_dt, lang)
    if req is None:
        components.empty_state(tr("map.no_district_data", name=indicator_name(info, lang)))
        return
    try:
        m = model(req)
        left, right = st.container(key="qh_split").columns([3, 1], gap="medium")
        with left:
            st.markdown(f"**{components.esc(indicator_name(info, lang))}** · {components.esc(m.legend_title)}",
                        unsafe_allow_html=True)
            draw_map(req, labels_on=True, label_names=True, key="slide_map", height=PRESENT_HEIGHT,
                     highlight=f.districts[0] if len(f.districts) == 1 else None, interactive=False, present=True)
        with right:
            components.figures(province_figures(m, lang), columns=1)
            method = province_method_text(m, lang)
            if method:
                st.caption(method)
            for note in m.notes:
                st.caption(note)
    except ConfigError as exc:
        components.show_error(exc)
