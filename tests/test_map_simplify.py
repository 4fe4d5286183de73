"""Geometry made for the screen (issue 14 point 7): simplify_ring, screen_detail, render_choropleth(fit_screen=True).

The sizes and draw times these buy are measured by bench/map_communes.py (bench/RESULTS.md), not asserted here.
"""

from __future__ import annotations

import json
import re

from qh_data import maps


def render(geo, rows, **kw):
    cls = maps.classify([r["value"] for r in rows], "quantiles", 5)
    m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k), legend_title="Tỷ lệ",
                               legend_labels=cls.labels(), **kw)
    return maps.map_html(m)


def rendered_geojson(html: str) -> dict:
    found = re.findall(r"geo_json_[0-9a-f]+_add\((\{.*\})\);\s*$", html, flags=re.MULTILINE)
    assert len(found) == 1, "exactly one GeoJSON layer expected"
    return json.loads(found[0])


def test_simplify_ring_drops_points_within_the_tolerance_and_keeps_small_rings():
    from qh_data.maps.geometry import simplify_ring

    # a square with a wobble of 0.01 on its bottom edge and a spike of 1 on its top edge
    ring = [[0, 0], [5, 0.01], [10, 0], [10, 10], [5, 11], [0, 10], [0, 0]]
    assert simplify_ring(ring, 0.1) == [[0, 0], [10, 0], [10, 10], [5, 11], [0, 10], [0, 0]]
    assert simplify_ring(ring, 0.0) == [[float(x), float(y)] for x, y in ring]
    tiny = [[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]  # smaller than the tolerance: kept whole
    assert simplify_ring(tiny, 0.1) == tiny


def test_fit_screen_simplifies_by_the_extent_and_keeps_every_unit():
    from qh_data.maps.boundaries import unit_boundaries
    from qh_data.maps.geometry import polygons, screen_detail

    national = unit_boundaries(None, "commune")
    assert screen_detail(maps.bounds(f["geometry"] for f in national["features"]))[0] == 3
    geo = unit_boundaries("19", "commune")  # Thái Nguyên's 92 communes, 14,861 vertices
    decimals, tolerance = screen_detail(maps.bounds(f["geometry"] for f in geo["features"]))
    assert decimals == 4 and 0.0003 < tolerance < 0.001
    rows = [{"code": f["properties"]["code"], "name": f["properties"]["name"], "value": float(i)}
            for i, f in enumerate(geo["features"])]
    full = rendered_geojson(render(geo, rows, labels_on=False))["features"]
    fit = rendered_geojson(render(geo, rows, labels_on=False, fit_screen=True))["features"]
    assert [f["id"] for f in fit] == [f["id"] for f in full] and len(fit) == 92

    def vertices(features):
        return sum(len(r) for f in features for p in polygons(f["geometry"]) for r in p)

    assert vertices(fit) < 0.7 * vertices(full)  # 9,805 of 14,861
