"""Choropleth maps of district indicators, drawn with folium and working with no internet.

* Leaflet comes from the app itself (``dashboard/static/vendor/leaflet``, served by Streamlit at
  ``/app/static/vendor/...``): folium's default CDN links (Leaflet, jQuery, Bootstrap, Font Awesome,
  awesome-markers, glyphicons) are replaced by the vendored Leaflet only; nothing else is needed.
* No basemap unless a tile URL is given.
* Every piece of data or user text placed in HTML (tooltips, labels, legend, attribution) is escaped
  here with :func:`html.escape`; tooltips are built in Python, never by folium's GeoJsonTooltip.
* No branca colormap (streamlit-folium would add d3 from a CDN for it): the legend is our own Leaflet
  control.

:func:`render_choropleth` is a pure function of its arguments (the input GeoJSON is not modified), so
the page can cache the map or its HTML under (indicator, period, view, data version, language, …).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import folium
from branca.element import Element
from folium.utilities import JsCode

from qh_data.maps.boundaries import BOUNDARY_ATTRIBUTION
from qh_data.maps.classify import NO_DATA_BORDER, Classification, default_number_format
from qh_data.maps.elements import NO_DATA_FILL, MapDecorations, MapFixes, ValueLabels, map_css
from qh_data.maps.geometry import bounds, compact_geometry, label_point, polygons, ring_area, screen_detail
from qh_data.maps.join import feature_code
from qh_data.text import inert

DEFAULT_ASSET_PREFIX = "/app/static/vendor"
LEAFLET_VERSION = "1.9.3"  # the version folium 0.20 links to; vendored from npm

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "no_data": "Không có số liệu",
        "rank": "Hạng {rank}/{n}",
        "source": "Nguồn: {source}",
        "demo": "Dữ liệu minh họa",
        "unit": "Đơn vị: {unit}",
        "legend": "Chú giải",
    },
    "en": {
        "no_data": "No data",
        "rank": "Rank {rank}/{n}",
        "source": "Source: {source}",
        "demo": "Demo data",
        "unit": "Unit: {unit}",
        "legend": "Legend",
    },
}

_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def esc(value: Any) -> str:
    """HTML-escape any value for element content or a quoted attribute (direction controls dropped)."""
    return html.escape(inert(value), quote=True)


def vendor_assets(asset_prefix: str = DEFAULT_ASSET_PREFIX) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(js, css) links of the vendored files a map needs, as folium ``default_js``/``default_css`` lists."""
    p = asset_prefix.rstrip("/")
    return ([("leaflet", f"{p}/leaflet/leaflet.js")], [("leaflet_css", f"{p}/leaflet/leaflet.css")])


class ZoomableMap(folium.Map):
    """A folium.Map whose page lets the reader zoom (WCAG 1.4.4): folium's own header sets
    ``<meta name="viewport" ... maximum-scale=1.0, user-scalable=no>``, which blocks pinch-zoom on the
    committee's tablets. After folium renders the map, its header entry (named after the map) is
    replaced, through branca's public ``add_child``, by the same styles with a viewport that allows zoom."""

    def render(self, **kwargs: Any) -> None:
        super().render(**kwargs)
        self.get_root().header.add_child(Element(self.header_html()), name=self.get_name())

    def header_html(self) -> str:
        """folium 0.20's map header (the map's size and position, full-page body, the global switches)
        with a viewport that allows zoom."""
        w, h, left, top = self.width, self.height, self.left, self.top
        switches = self.global_switches
        return (
            '<meta name="viewport" content="width=device-width, initial-scale=1.0" />\n'
            f"<style>#{self.get_name()} {{position: {self.position}; width: {w[0]}{w[1]}; height: {h[0]}{h[1]};"
            f" left: {left[0]}{left[1]}; top: {top[0]}{top[1]};}}\n"
            f".leaflet-container {{ font-size: {self.font_size}; }}</style>\n"
            "<style>html, body {width: 100%; height: 100%; margin: 0; padding: 0;}</style>\n"
            "<style>#map {position: absolute; top: 0; bottom: 0; right: 0; left: 0;}</style>\n"
            f"<script>L_NO_TOUCH = {json.dumps(bool(switches.no_touch))};"
            f" L_DISABLE_3D = {json.dumps(bool(switches.disable_3d))};</script>\n"
        )


def local_map(*, asset_prefix: str = DEFAULT_ASSET_PREFIX, **kwargs: Any) -> folium.Map:
    """A folium.Map that loads only the vendored Leaflet, with no tile layer unless ``tiles`` is given.

    ``default_js``/``default_css`` are set on the instance: folium's class-level lists (CDN links) are
    left alone, so other maps in the process are not affected.
    """
    kwargs.setdefault("tiles", None)
    m = ZoomableMap(**kwargs)
    js, css = vendor_assets(asset_prefix)
    m.default_js = js
    m.default_css = css
    return m


def _legend_html(*, title: str, unit: str | None, colors: Sequence[str], labels: Sequence[str],
                 any_demo: bool, texts: Mapping[str, str]) -> str:
    parts = [f'<div class="qh-legend-title">{esc(title)}</div>']
    if unit:
        parts.append(f'<div class="qh-legend-unit">{esc(texts["unit"].format(unit=unit))}</div>')
    for color, label in zip(colors, labels):
        parts.append(f'<div class="qh-legend-row"><span class="qh-sw" style="background:{color}"></span>'
                     f"<span>{esc(label)}</span></div>")
    parts.append('<div class="qh-legend-row"><span class="qh-sw qh-sw-nodata"></span>'
                 f'<span>{esc(texts["no_data"])}</span></div>')
    if any_demo:
        parts.append(f'<div class="qh-legend-demo">{esc(texts["demo"])}</div>')
    return "".join(parts)


def _area(geometry: dict) -> float:
    return sum(abs(ring_area(p[0])) - sum(abs(ring_area(h)) for h in p[1:]) for p in polygons(geometry) if p)


def _has_value(v: Any) -> bool:
    if v is None:
        return False
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _value_text(row: Mapping[str, Any] | None) -> str | None:
    if row is None or not _has_value(row.get("value")):
        return None
    fv = row.get("formatted_value")
    return str(fv) if fv not in (None, "") else default_number_format(float(row["value"]))


def _tooltip_html(name: str, row: Mapping[str, Any] | None, texts: Mapping[str, str]) -> str:
    parts = [f'<div class="qh-tip-name">{esc(name)}</div>']
    value = _value_text(row)
    if value is None:
        parts.append(f'<div class="qh-tip-value">{esc(texts["no_data"])}</div>')
    else:
        unit = (row or {}).get("unit")
        parts.append(f'<div class="qh-tip-value">{esc(value)}{" " + esc(unit) if unit else ""}</div>')
        rank, n = row.get("rank"), row.get("n")
        if rank is not None and n:
            parts.append(f"<div>{esc(texts['rank'].format(rank=rank, n=n))}</div>")
    if row is not None:
        if row.get("target_text"):
            parts.append(f"<div>{esc(row['target_text'])}</div>")
        if row.get("source"):
            parts.append(f'<div class="qh-tip-src">{esc(texts["source"].format(source=row["source"]))}</div>')
        if row.get("is_demo"):
            parts.append(f'<div class="qh-tip-demo">{esc(texts["demo"])}</div>')
    return "".join(parts)


def _class_list(classes: Classification | Sequence[int | None], n_rows: int) -> list[int | None]:
    out = list(classes.classes if isinstance(classes, Classification) else classes)
    if len(out) != n_rows:
        raise ValueError(f"classes has {len(out)} entries for {n_rows} rows (they must be aligned)")
    return out


_TOOLTIP_JS = JsCode(
    "function (feature, layer) {\n"
    "    layer.bindTooltip(feature.properties.tip, {sticky: true, className: \"qh-tooltip\", opacity: 0.96});\n"
    "}"
)


def render_choropleth(
    geojson: dict,
    rows: Sequence[Mapping[str, Any]],
    *,
    classes: Classification | Sequence[int | None],
    palette: Sequence[str],
    legend_title: str,
    legend_labels: Sequence[str],
    labels_on: bool,
    tile_url: str | None = None,
    attribution: str = BOUNDARY_ATTRIBUTION,
    lang: str = "vi",
    highlight_code: str | None = None,
    tile_attribution: str | None = None,
    legend_unit: str | None = None,
    label_names: bool = False,
    asset_prefix: str = DEFAULT_ASSET_PREFIX,
    scroll_zoom: bool = False,
    legend_position: str = "topright",
    decimals: int = 5,
    fit_screen: bool = False,
    texts: Mapping[str, str] | None = None,
    iframe_fixes: bool = False,
    present: bool = False,
) -> folium.Map:
    """A choropleth of ``rows`` over the district boundaries ``geojson``, joined by GSO code.

    ``rows``: one mapping per unit with keys ``code``, ``name``, ``value`` (None = no data),
    ``formatted_value`` (the value as the page writes it, without unit), ``unit``, ``rank``, ``n``
    (rank among n units), ``target_text`` (e.g. "Mục tiêu 2025: 95 %"), ``source``, ``is_demo``.
    ``classes``: a :class:`Classification` of the rows' values, or one class index (or None) per row,
    in the order of ``rows``. ``palette``: one colour per class (``#rrggbb``). ``legend_labels``: one
    label per class. Features without a row, or whose row has no value or no class, are drawn as
    "no data" (hatched grey, dashed border).

    ``labels_on`` writes each district's value at a point inside it (``label_names`` adds the name).
    ``tile_url``: a basemap (``{z}/{x}/{y}`` URL) with its ``tile_attribution``; none by default.
    ``attribution``: shown in the map footer (plain text, escaped). ``highlight_code``: the district
    drawn with a heavy outline on top of the others. ``iframe_fixes``: the fixes a map inside
    st_folium's iframe needs (:class:`~qh_data.maps.elements.MapFixes`); ``present`` adds larger type
    for the projector to them. ``fit_screen``: the coordinates' ``decimals`` and a simplification follow
    the layer's extent on the largest screen (``geometry.screen_detail``) instead of ``decimals``: what keeps
    the national commune layer (3,321 polygons) within 3 MB.
    """
    t = {**TEXTS.get(lang, TEXTS["vi"]), **(texts or {})}
    if legend_position not in ("topright", "topleft", "bottomright", "bottomleft"):
        raise ValueError(f"legend_position {legend_position!r}")
    class_of = _class_list(classes, len(rows))
    k = classes.k if isinstance(classes, Classification) else len(legend_labels)
    if len(legend_labels) != k:
        raise ValueError(f"{len(legend_labels)} legend labels for {k} classes")
    if len(palette) < k:
        raise ValueError(f"palette has {len(palette)} colours for {k} classes")
    colors = [str(c) for c in palette[:k]]
    for c in colors:
        if not _COLOR.match(c):
            raise ValueError(f"not a #rrggbb colour: {c!r}")
    for c in class_of:
        if c is not None and not 0 <= c < k:
            raise ValueError(f"class index {c} outside 0..{k - 1}")

    by_code: dict[str, tuple[Mapping[str, Any], int | None]] = {}
    for row, c in zip(rows, class_of):
        code = str(row.get("code")).strip() if row.get("code") is not None else None
        if not code:
            raise ValueError("every row needs a code")
        if code in by_code:
            raise ValueError(f"duplicate row code {code}")
        by_code[code] = (row, c if _has_value(row.get("value")) else None)

    highlight = str(highlight_code) if highlight_code is not None else None
    features: list[dict] = []
    label_items: list[tuple[float, tuple[float, float], str]] = []  # (priority, point, html)
    fill_of: dict[str, str] = {}
    hl_feature: dict | None = None
    tolerance = 0.0
    if fit_screen:
        decimals, tolerance = screen_detail(bounds(f.get("geometry") for f in geojson.get("features", [])))
    for i, feat in enumerate(geojson.get("features", [])):
        geom = compact_geometry(feat.get("geometry") or {}, decimals, tolerance)
        if geom is None:
            continue
        code = feature_code(feat)
        props = feat.get("properties") or {}
        row, c = by_code.get(code, (None, None)) if code else (None, None)
        name = (row.get("name") if row is not None else None) or props.get("name") or code or "?"
        fid = code if code and code not in fill_of else f"_f{i}"  # unique even if a code repeats
        fill_of[fid] = colors[c] if c is not None else NO_DATA_FILL
        out = {"type": "Feature", "id": fid, "properties": {"code": code, "tip": _tooltip_html(name, row, t)},
               "geometry": geom}
        if highlight is not None and code == highlight:
            hl_feature = out
        else:
            features.append(out)
        if labels_on:
            value = _value_text(row)
            if value is not None or label_names:
                pt = label_point(geom)
                if pt is not None:
                    inner = esc(value) if value is not None else ""
                    if label_names:
                        inner = f'<span class="qh-label-name">{esc(name)}</span>{inner}'
                    prio = math.inf if code is not None and code == highlight else _area(geom)
                    label_items.append((prio, pt, f'<div class="qh-label">{inner}</div>'))
    if hl_feature is not None:
        features.append(hl_feature)  # drawn last: its outline is not covered by the neighbours'

    many = len(features) > 100
    weight = 0.5 if many else 1.2

    def style(feature: dict) -> dict:
        fid = feature["id"]
        fill = fill_of[fid]
        s: dict[str, Any] = {"fillColor": fill, "fillOpacity": 0.75 if tile_url else 1.0,
                             "color": "#4d4d4d", "weight": weight, "opacity": 1.0}
        if fill == NO_DATA_FILL:
            s.update(color=NO_DATA_BORDER, dashArray="4 3")
        if highlight is not None and feature["properties"]["code"] == highlight:
            s.update(color="#000000", weight=weight + 2.8, dashArray=None)
        return s

    def hover(feature: dict) -> dict:
        return {"weight": weight + 2, "color": "#000000"}

    data = {"type": "FeatureCollection", "features": features}
    bb = bounds(f["geometry"] for f in features)
    center = [(bb[0][0] + bb[1][0]) / 2, (bb[0][1] + bb[1][1]) / 2] if bb else [16.0, 106.0]
    m = local_map(asset_prefix=asset_prefix, location=center, zoom_start=8 if bb else 5,
                  zoom_snap=0.25, scroll_wheel_zoom=scroll_zoom)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=esc(tile_attribution or ""), name="basemap",
                         overlay=False, control=False).add_to(m)
    layer_kwargs: dict[str, Any] = {"attribution": esc(attribution)} if attribution else {}
    if features:
        folium.GeoJson(data, name="districts", style_function=style, highlight_function=hover,
                       on_each_feature=_TOOLTIP_JS, control=False, **layer_kwargs).add_to(m)
    if label_items:
        label_items.sort(key=lambda it: -it[0])
        ValueLabels([[round(lat, 5), round(lon, 5), h] for _, (lat, lon), h in label_items],
                    map_name=m.get_name()).add_to(m)
    unit = legend_unit
    if unit is None:
        unit = next((str(r["unit"]) for r in rows if r.get("unit")), None)
    legend = _legend_html(title=legend_title, unit=unit, colors=colors, labels=legend_labels,
                          any_demo=any(bool(r.get("is_demo")) for r in rows), texts=t)
    MapDecorations(map_name=m.get_name(), css=map_css(white_background=not tile_url, label_px=12 if many else 14),
                   legend_html=legend, position=legend_position).add_to(m)
    if iframe_fixes:
        MapFixes(map_name=m.get_name(), present=present).add_to(m)
    if bb:
        # room at the bottom for the attribution footer
        m.fit_bounds(bb, padding_top_left=(10, 10), padding_bottom_right=(10, 34))
    return m


def map_html(m: folium.Map) -> str:
    """The map as one self-contained HTML document (Leaflet loaded from the vendored path)."""
    return m.get_root().render()
