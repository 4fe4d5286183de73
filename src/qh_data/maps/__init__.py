"""Choropleth maps of district indicators that work with no internet (no Streamlit import here).

    from qh_data import maps
    geo = maps.province_districts("20")
    maps.require_codes_match(geo, unit_codes)               # ConfigError naming the codes if not
    cls = maps.classify([r["value"] for r in rows], "quantiles", k=5)
    m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                               legend_title="…", legend_labels=cls.labels(fmt), labels_on=True)
    html = maps.map_html(m)                                # or streamlit_folium.st_folium(m, …)

The drawing names (``render_choropleth``, ``map_html``, …) load folium on first use (PEP 562), so the
map model (``qh_data.maps.model``) can be imported by pages that never draw a map.

Leaflet is loaded from ``/app/static/vendor/leaflet/`` (``dashboard/static/vendor``), which Streamlit
serves when ``server.enableStaticServing = true``.
"""

from importlib import import_module

from qh_data.maps.boundaries import BOUNDARY_ATTRIBUTION, load_geojson, province_districts
from qh_data.maps.classify import (
    DIVERGING,
    METHODS,
    NO_DATA,
    NO_DATA_BORDER,
    PROGRESS_BREAKS,
    PROGRESS_PALETTE,
    SEQUENTIAL,
    Classification,
    bin_labels,
    change_classes,
    classify,
    default_number_format,
    diverging_palette,
    nice_step,
    number_or_none,
    progress_classes,
    sequential_palette,
)
from qh_data.maps.geometry import bounds, compact_geometry, label_point
from qh_data.maps.join import JoinReport, join_codes, require_codes_match

_RENDER = ("DEFAULT_ASSET_PREFIX", "LEAFLET_VERSION", "TEXTS", "local_map", "map_html", "render_choropleth",
           "vendor_assets")


def __getattr__(name: str):
    if name not in _RENDER:
        raise AttributeError(f"module 'qh_data.maps' has no attribute {name!r}")
    value = getattr(import_module("qh_data.maps.render"), name)
    globals()[name] = value
    return value


__all__ = [
    "BOUNDARY_ATTRIBUTION", "DEFAULT_ASSET_PREFIX", "DIVERGING", "LEAFLET_VERSION", "METHODS", "NO_DATA",
    "NO_DATA_BORDER", "PROGRESS_BREAKS", "PROGRESS_PALETTE", "SEQUENTIAL", "TEXTS", "Classification",
    "JoinReport", "bin_labels", "bounds", "change_classes", "classify", "compact_geometry",
    "default_number_format", "diverging_palette", "join_codes", "label_point", "load_geojson", "local_map",
    "map_html", "nice_step", "number_or_none", "progress_classes", "province_districts", "render_choropleth",
    "require_codes_match", "sequential_palette", "vendor_assets",
]
