"""The folium map of a :class:`~qh_data.maps.model.MapModel`: the province's boundaries reduced to the
districts of the period, joined by GSO code and drawn by :func:`~qh_data.maps.render.render_choropleth`.
No Streamlit: the dashboard caches the map and hands it to st_folium; tests and benchmarks take its
HTML document (:func:`map_document`)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import folium

from qh_data.errors import ConfigError
from qh_data.maps import boundaries
from qh_data.maps.join import require_codes_match
from qh_data.maps.model import MapModel, Q, Words, level_key
from qh_data.maps.render import map_html, render_choropleth


def boundary_file(province: str, level: str = "district") -> str:
    if level == "commune":
        return boundaries.PROVINCE_COMMUNE_FILES.get(str(province), boundaries.NATIONAL_COMMUNE_FILE)
    return boundaries.PROVINCE_FILES.get(str(province), boundaries.NATIONAL_FILE)


def _corrupt(words: Words, name: str) -> ConfigError:
    return ConfigError(words.translate("map.boundary_corrupt", "vi", file=name),
                       words.translate("map.boundary_corrupt", "en", file=name))


def boundaries_for(q: Q, province: str, unit_codes: list[str], words: Words, level: str = "district") -> dict:
    """The province's boundaries of one geography (``level``), reduced to ``unit_codes`` (the units valid
    in the period).

    A missing or unreadable file, or codes that do not match the units, raise ``ConfigError`` with one
    sentence naming the file or the codes.
    """
    name = boundary_file(province, level)
    try:
        geo = boundaries.unit_boundaries(province, level, codes=unit_codes)
    except ConfigError:
        raise
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _corrupt(words, name) from exc
    feats = geo.get("features") if isinstance(geo, dict) else None
    if not isinstance(feats, list) or not all(isinstance(f, dict) for f in feats):
        raise _corrupt(words, name)
    all_codes = ({str(d["code"]) for d in q("districts", province=province)} if level == "district"
                 else set(unit_codes))
    geo_codes = {str((f.get("properties") or {}).get("code")) for f in feats}
    # every unit valid in the period needs its boundary; a boundary may belong to a unit of the province
    # that is not valid in the period (it is left out), never to a code that is no unit at all; one
    # sentence names every code that does not match
    require_codes_match(geo, sorted(set(unit_codes) | (geo_codes & all_codes)), layer=name)
    wanted = set(unit_codes)
    return {"type": "FeatureCollection",
            "features": [f for f in feats if str((f.get("properties") or {}).get("code")) in wanted]}


def short_name(name: str) -> str:
    """"Huyện Tràng Định" → "Tràng Định", "Thành phố Lạng Sơn" → "TP. Lạng Sơn" (labels on the projector)."""
    for prefix, short in (("Thành phố ", "TP. "), ("Thị xã ", "TX. "), ("Huyện ", ""), ("Quận ", "Q. ")):
        if name.startswith(prefix):
            return short + name[len(prefix):]
    return name


def map_texts(words: Words, lang: str, level: str = "district") -> dict[str, str]:
    """The words inside the map (tooltips, legend) from the interface's catalogue."""
    tr = words.bound(lang)
    return {"no_data": tr("map.no_data"), "rank": tr(level_key("map.tip_rank", level)), "source": tr("map.tip_source"),
            "demo": tr("common.demo_mark"), "unit": tr("map.legend_unit"), "legend": tr("map.legend")}


def tile_attribution(url: str | None, words: Words, lang: str = "vi") -> str | None:
    """The attribution of a configured basemap: ``QH_TILE_ATTRIBUTION``, else the tile server's host
    (Leaflet/folium refuse custom tiles without one)."""
    if not url:
        return None
    text = (os.environ.get("QH_TILE_ATTRIBUTION") or "").strip()
    return text or words.translate("map.tile_attribution", lang, host=urlsplit(url).netloc or url)


def render_map(q: Q, model: MapModel, words: Words, *, labels_on: bool, label_names: bool = False,
               highlight: str | None = None, tile_url: str | None = None, tile_attribution: str | None = None,
               present: bool = False) -> folium.Map:
    """The folium map of a model (boundaries joined by GSO code), with the fixes a map in st_folium's
    iframe needs. ``present``: larger type and short names (the projector)."""
    lang = model.request.lang
    geo = boundaries_for(q, model.request.province, [r["code"] for r in model.rows], words, model.level)
    rows = [{**r, "name": short_name(r["name"])} for r in model.rows] if present else model.rows
    return render_choropleth(
        geo, rows, classes=model.classes, palette=model.palette, legend_title=model.legend_title,
        legend_labels=model.legend_labels, labels_on=labels_on, label_names=label_names,
        tile_url=tile_url, tile_attribution=tile_attribution, lang=lang,
        highlight_code=highlight, legend_unit=model.legend_unit, texts=map_texts(words, lang, model.level),
        iframe_fixes=True, present=present, attribution=boundaries.attribution(model.levels or [model.level]),
        fit_screen=True,
    )


def map_document(q: Q, model: MapModel, words: Words, **kwargs) -> str:
    """The rendered map as one HTML document (tests, benchmarks)."""
    return map_html(render_map(q, model, words, **kwargs))
