"""Choropleth maps: classification, code join, escaping and the rendered map's content."""

from __future__ import annotations

import copy
import csv
import itertools
import json
import math
import re
from pathlib import Path

import mapclassify
import numpy as np
import pytest

from qh_data import maps
from qh_data.errors import ConfigError, QHError
from qh_data.maps.classify import fisher_jenks_bins

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def district_codes(province: str) -> list[str]:
    with open(ROOT / "data/reference/districts.csv", encoding="utf-8") as fh:
        return [r["district_code"] for r in csv.DictReader(fh) if r["province_code"] == province]


def make_rows(geo: dict, values: dict[str, float | None] | None = None, **overrides) -> list[dict]:
    rows = []
    feats = [f for f in geo["features"] if f["properties"]["code"]]
    for i, f in enumerate(feats):
        code = f["properties"]["code"]
        v = values.get(code, 10.0 + i) if values is not None else 10.0 + i
        row = {"code": code, "name": f["properties"]["name"], "value": v,
               "formatted_value": None if v is None else maps.default_number_format(v), "unit": "%",
               "rank": i + 1, "n": len(feats), "target_text": "Mục tiêu 2025: 95 %", "source": "Cục Thống kê",
               "is_demo": False}
        row.update(overrides.get(code, {}))
        rows.append(row)
    return rows


def render(geo, rows, method="quantiles", k=5, **kw):
    cls = maps.classify([r["value"] for r in rows], method, k)
    kw.setdefault("labels_on", True)
    m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                               legend_title=kw.pop("legend_title", "Tỷ lệ hộ nghèo"),
                               legend_labels=cls.labels(), **kw)
    return maps.map_html(m)


def rendered_geojson(html: str) -> dict:
    found = re.findall(r"geo_json_[0-9a-f]+_add\((\{.*\})\);\s*$", html, flags=re.MULTILINE)
    assert len(found) == 1, "exactly one GeoJSON layer expected"
    return json.loads(found[0])


def rendered_labels(html: str) -> list[list]:
    found = re.findall(r"^\s*(\[\[.*\]\])\.forEach", html, flags=re.MULTILINE)
    assert len(found) == 1
    return json.loads(found[0])


def rendered_legend(html: str) -> str:
    found = re.findall(r'div\.innerHTML = (".*");\s*$', html, flags=re.MULTILINE)
    assert len(found) == 1
    return json.loads(found[0])


def point_in_polygon(lat: float, lon: float, rings: list) -> bool:
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
                inside = not inside
    return inside


@pytest.fixture(scope="module")
def lang_son():
    return maps.province_districts("20")


# --------------------------------------------------------------------------------------------------
# classification
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", maps.METHODS)
def test_classify_gives_k_classes_and_one_class_per_value(method):
    values = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0, 5.5, 3.5, 8.0]
    cls = maps.classify(values, method, k=4)
    assert cls.k == 4
    assert len(cls.classes) == len(values)
    assert list(cls.bins) == sorted(cls.bins)
    assert cls.bins[-1] == max(values) and cls.lower == min(values)
    for v, c in zip(values, cls.classes):
        lo = cls.lower if c == 0 else cls.bins[c - 1]
        assert (lo <= v if c == 0 else lo < v) and v <= cls.bins[c]


def test_quantiles_split_evenly():
    cls = maps.classify([float(i) for i in range(10)], "quantiles", 5)
    assert cls.counts == (2, 2, 2, 2, 2)


@pytest.mark.parametrize("method", maps.METHODS)
def test_missing_values_stay_none_and_do_not_move_the_bins(method):
    base = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    with_missing = [None, 1.0, float("nan"), 2.0, 3.0, math.inf, 4.0, 5.0, 6.0, None]
    a = maps.classify(base, method, 3)
    b = maps.classify(with_missing, method, 3)
    assert a.bins == b.bins
    assert [b.classes[i] for i in (0, 2, 5, 9)] == [None] * 4
    assert [c for c in b.classes if c is not None] == list(a.classes)
    assert b.n_missing == 4


@pytest.mark.parametrize("method", maps.METHODS)
def test_all_equal_values_make_one_class(method):
    cls = maps.classify([7.5, 7.5, None, 7.5], method, 5)
    assert cls.k == 1 and cls.bins == (7.5,)
    assert cls.classes == (0, 0, None, 0)
    assert cls.labels() == ["7,5"]


@pytest.mark.parametrize("method", maps.METHODS)
def test_single_value(method):
    cls = maps.classify([42.0], method, 5)
    assert (cls.k, cls.classes) == (1, (0,))


@pytest.mark.parametrize("method", maps.METHODS)
def test_no_values_at_all(method):
    cls = maps.classify([None, None], method, 5)
    assert cls.k == 0 and cls.classes == (None, None) and cls.labels() == []


@pytest.mark.parametrize("method", maps.METHODS)
def test_k_is_reduced_to_the_number_of_distinct_values(method):
    values = [1.0, 1.0, 2.0, 2.0, 2.0, 3.0]
    cls = maps.classify(values, method, 5)
    assert cls.k == 3
    assert cls.classes == (0, 0, 1, 1, 1, 2)


@pytest.mark.parametrize("method", ["quantiles", "natural_breaks"])
def test_ties_fall_in_the_same_class_and_no_class_is_empty(method):
    values = [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 1.0, 2.0, 9.0, 10.0, 11.0]
    cls = maps.classify(values, method, 5)
    tied = {c for v, c in zip(values, cls.classes) if v == 5.0}
    assert len(tied) == 1
    assert all(n > 0 for n in cls.counts)
    assert len(set(cls.bins)) == cls.k


def test_equal_interval_edges_are_evenly_spaced_and_end_at_the_maximum():
    cls = maps.classify([0.0, 1.0, 2.0, 3.0, 10.0], "equal_interval", 5)
    assert cls.bins == pytest.approx((2.0, 4.0, 6.0, 8.0, 10.0))
    assert cls.bins[-1] == 10.0
    assert cls.classes == (0, 0, 0, 1, 4)


@pytest.mark.parametrize("method", maps.METHODS)
def test_negative_values(method):
    values = [-12.5, -3.0, 0.0, 4.0, 18.0, -7.0, 2.5]
    cls = maps.classify(values, method, 3)
    assert cls.lower == -12.5 and cls.bins[-1] == 18.0
    assert cls.classes[0] == 0 and cls.classes[4] == cls.k - 1
    assert cls.labels()[0].startswith("-12,5 – ")


def test_unknown_method_and_bad_k_are_refused():
    with pytest.raises(ValueError):
        maps.classify([1.0, 2.0], "jenks-ish", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        maps.classify([1.0, 2.0], "quantiles", 0)


@pytest.mark.filterwarnings("ignore:Numba not installed")
def test_natural_breaks_equal_mapclassify_fisher_jenks_also_on_the_fast_path():
    rng = np.random.default_rng(7)
    small = np.round(rng.lognormal(2, 1, 40), 1)
    assert maps.classify(list(small), "natural_breaks", 5).bins == pytest.approx(
        tuple(mapclassify.FisherJenks(small, k=5).bins))
    for n, k in ((260, 5), (120, 4), (90, 7)):
        y = np.round(rng.normal(50, 20, n), 1)
        assert fisher_jenks_bins(y, k) == pytest.approx(list(mapclassify.FisherJenks(y, k=k).bins))
    big = list(np.round(rng.normal(0, 10, 300), 2))  # > 200 values: the numpy implementation
    cls = maps.classify(big, "natural_breaks", 5)
    assert cls.bins == pytest.approx(tuple(mapclassify.FisherJenks(np.array(big), k=5).bins))


def test_labels_use_the_given_number_format():
    cls = maps.classify([1000.0, 2500.5, 4000.0], "equal_interval", 3)
    assert cls.labels() == ["1.000 – 2.000", "2.000 – 3.000", "3.000 – 4.000"]
    assert cls.labels(lambda v: f"{v:.0f}") == ["1000 – 2000", "2000 – 3000", "3000 – 4000"]


def test_default_number_format_is_vietnamese():
    assert maps.default_number_format(1234.5) == "1.234,5"
    assert maps.default_number_format(-0.001) == "0"
    assert maps.default_number_format(-2500) == "-2.500"


# progress: fixed classes ----------------------------------------------------------------------------
def test_progress_classes_are_fixed_whatever_the_data():
    a = maps.progress_classes([10.0, 20.0])
    b = maps.progress_classes([95.0, 300.0, 120.0])
    assert a.bins == b.bins == (50.0, 70.0, 90.0, 100.0, math.inf)
    assert a.k == len(maps.PROGRESS_PALETTE) == 5
    assert maps.progress_classes().labels(lambda v: f"{v:g}") == ["< 50", "50 – 70", "70 – 90", "90 – 100",
                                                                   "≥ 100"]


def test_progress_class_edges_belong_to_the_upper_class():
    values = [0.0, 49.99, 50.0, 69.9, 70.0, 89.9, 90.0, 99.99, 100.0, 250.0, None, -5.0]
    assert maps.progress_classes(values).classes == (0, 0, 1, 1, 2, 2, 3, 3, 4, 4, None, 0)


def test_progress_palette_is_okabe_ito_and_distinct():
    assert len(set(maps.PROGRESS_PALETTE)) == 5
    assert maps.PROGRESS_PALETTE[0] == "#D55E00" and maps.PROGRESS_PALETTE[-1] == "#0072B2"
    assert maps.NO_DATA not in maps.PROGRESS_PALETTE


# change: symmetric diverging ------------------------------------------------------------------------
def test_change_classes_are_symmetric_around_zero():
    values = [-10.0, -6.0, -1.0, 0.0, 1.0, 6.0, 10.0, None]
    cls = maps.change_classes(values, k=5)
    assert cls.bins == (-7.5, -2.5, 2.5, 7.5, math.inf)  # step 5: max |v| = 10 over 2 classes a side
    assert cls.classes == (0, 1, 2, 2, 2, 3, 4, None)
    for v in (0.3, 2.5, 2.6, 7.5, 9.0, 100.0):
        pos, neg = maps.change_classes([v, -v], k=5, step=5.0).classes
        assert pos + neg == 4  # v and -v get mirror-image classes
    assert cls.labels(lambda v: f"{v:g}") == ["< -7.5", "-7.5 – -2.5", "-2.5 – 2.5", "2.5 – 7.5", "> 7.5"]


def test_change_classes_only_negative_values_and_fixed_step():
    cls = maps.change_classes([-3.0, -0.2, -40.0], k=5, step=10.0)
    assert cls.bins[:4] == (-15.0, -5.0, 5.0, 15.0)
    assert cls.classes == (2, 2, 0)
    assert maps.change_classes([0.0, 0.0], k=3).classes == (1, 1)


def test_change_classes_need_an_odd_k():
    with pytest.raises(ValueError):
        maps.change_classes([1.0, -1.0], k=4)
    assert len(maps.diverging_palette(5)) == 5
    with pytest.raises(ValueError):
        maps.diverging_palette(4)


def test_nice_step():
    assert [maps.nice_step(x) for x in (0.7, 3.0, 4.2, 23.0, 0.013)] == [1.0, 5.0, 5.0, 25.0, 0.02]


def test_palettes_are_colorbrewer():
    import branca

    schemes = json.loads((Path(branca.__file__).parent / "_schemes.json").read_text())
    for k in range(3, 10):
        assert maps.sequential_palette(k) == schemes[f"YlGnBu_{k:02d}"]
    for k in (3, 5, 7, 9):
        assert maps.diverging_palette(k) == schemes[f"RdBu_{k:02d}"]
        assert maps.diverging_palette(k, "PuOr") == schemes[f"PuOr_{k:02d}"]
        assert maps.diverging_palette(k, reverse=True) == schemes[f"RdBu_{k:02d}"][::-1]
    assert [len(maps.sequential_palette(k)) for k in range(10)] == list(range(10))
    for pal in [maps.sequential_palette(k) for k in range(1, 10)] + [list(maps.PROGRESS_PALETTE)]:
        assert maps.NO_DATA.lower() not in [c.lower() for c in pal]


# --------------------------------------------------------------------------------------------------
# join by code
# --------------------------------------------------------------------------------------------------
def test_join_matches_the_province_units(lang_son):
    codes = district_codes("20")
    rep = maps.join_codes(lang_son, codes)
    assert rep.ok and len(rep.matched) == 11
    assert maps.require_codes_match(lang_son, [int(c) for c in codes]).ok


def test_join_reports_missing_and_extra_codes(lang_son):
    codes = [c for c in district_codes("20") if c != "189"] + ["999", "1000"]
    rep = maps.join_codes(lang_son, codes)
    assert rep.missing_in_geo == ("999", "1000")
    assert rep.extra_in_geo == ("189",)
    assert len(rep.matched) == 10 and not rep.ok


def test_join_error_names_the_codes_in_both_languages(lang_son):
    codes = [c for c in district_codes("20") if c != "189"] + ["999"]
    with pytest.raises(ConfigError) as err:
        maps.require_codes_match(lang_son, codes, layer="Lạng Sơn")
    assert isinstance(err.value, QHError)
    for lang in ("vi", "en"):
        msg = err.value.message(lang)
        assert "999" in msg and "189" in msg and "Lạng Sơn" in msg
    assert "không có ranh giới cho mã 999" in err.value.message("vi")
    assert "no boundary for code(s) 999" in err.value.message("en")
    # extra boundaries may be allowed (e.g. a few units drawn on a bigger layer); missing ones still fail
    assert maps.require_codes_match(lang_son, codes[:-1], allow_extra=True).extra_in_geo == ("189",)
    with pytest.raises(ConfigError, match="999"):
        maps.require_codes_match(lang_son, codes, allow_extra=True)


def test_join_reports_duplicates_and_uncoded_features(lang_son):
    geo = copy.deepcopy(lang_son)
    geo["features"].append(copy.deepcopy(geo["features"][0]))
    geo["features"].append({"type": "Feature", "properties": {"code": None, "name": "Hoành Bồ"},
                            "geometry": geo["features"][1]["geometry"]})
    rep = maps.join_codes(geo, district_codes("20"))
    assert rep.duplicate_codes == ("178",) and rep.uncoded_features == ("Hoành Bồ",)
    with pytest.raises(ConfigError, match="178"):
        maps.require_codes_match(geo, district_codes("20"))


def test_national_layer_has_two_uncoded_units():
    rep = maps.join_codes(maps.province_districts(None), [])
    assert sorted(rep.uncoded_features) == ["Hoành Bồ", "Kỳ Sơn"]
    assert len(rep.extra_in_geo) == 706


# --------------------------------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------------------------------
XSS_NAME = "Tràng Định <script>alert('x')</script>"
XSS_SOURCE = 'Sở KH&ĐT <img src=x onerror="alert(1)">'


def test_data_text_is_escaped_everywhere(lang_son):
    rows = make_rows(lang_son, overrides={})
    rows[1].update(name=XSS_NAME, source=XSS_SOURCE, target_text="<b onmouseover=alert(2)>95</b>",
                   formatted_value="<i>11</i>", unit="<u>%</u>", is_demo=True)
    html_doc = render(lang_son, rows, legend_title="<svg onload=alert(3)>", attribution="<a href=x>A</a>",
                      legend_unit="<u>%</u>")
    for raw in ("<script>alert", "<img src=x", "<b onmouseover", "<svg onload", "<i>11", "<u>%", "<a href=x"):
        assert raw not in html_doc
    feats = {f["id"]: f for f in rendered_geojson(html_doc)["features"]}
    tip = feats[rows[1]["code"]]["properties"]["tip"]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in tip
    assert "Sở KH&amp;ĐT &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in tip
    assert "&lt;b onmouseover=alert(2)&gt;95&lt;/b&gt;" in tip
    assert "&lt;i&gt;11&lt;/i&gt; &lt;u&gt;%&lt;/u&gt;" in tip
    assert "<img" not in tip and "<script" not in tip
    labels = [h for _, _, h in rendered_labels(html_doc)]
    assert any("&lt;i&gt;11&lt;/i&gt;" in h for h in labels)
    legend = rendered_legend(html_doc)
    assert "&lt;svg onload=alert(3)&gt;" in legend and "<svg" not in legend
    assert "&lt;u&gt;%&lt;/u&gt;" in legend
    assert "&lt;a href=x&gt;A&lt;/a&gt;" in json.loads(
        re.search(r'"attribution": (".*?"),', html_doc).group(1))


def test_label_names_are_escaped(lang_son):
    rows = make_rows(lang_son)
    rows[0]["name"] = XSS_NAME
    html_doc = render(lang_son, rows, label_names=True)
    assert "<script>alert" not in html_doc
    assert any("&lt;script&gt;" in h for _, _, h in rendered_labels(html_doc))


# --------------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------------
def test_tooltip_content_vi_and_en(lang_son):
    rows = make_rows(lang_son)
    rows[2].update(rank=3, n=11, is_demo=True)
    tip_vi = {f["id"]: f["properties"]["tip"] for f in rendered_geojson(render(lang_son, rows))["features"]}
    t = tip_vi[rows[2]["code"]]
    assert rows[2]["name"] in t and "12 %" in t and "Hạng 3/11" in t and "Mục tiêu 2025: 95 %" in t
    assert "Nguồn: Cục Thống kê" in t and "Dữ liệu minh họa" in t
    assert "Dữ liệu minh họa" not in tip_vi[rows[0]["code"]]
    tip_en = {f["id"]: f["properties"]["tip"]
              for f in rendered_geojson(render(lang_son, rows, lang="en"))["features"]}
    assert "Rank 3/11" in tip_en[rows[2]["code"]] and "Demo data" in tip_en[rows[2]["code"]]


def test_missing_rows_and_values_are_drawn_as_no_data(lang_son):
    rows = make_rows(lang_son, values={"181": None})
    rows = [r for r in rows if r["code"] != "182"]  # no row at all for Văn Lãng
    html_doc = render(lang_son, rows)
    feats = {f["id"]: f for f in rendered_geojson(html_doc)["features"]}
    assert len(feats) == 11
    for code in ("181", "182"):
        assert "Không có số liệu" in feats[code]["properties"]["tip"]
    # the no-data fill (hatch pattern with grey fallback) is used, with the dashed border
    assert "url(#qh-nodata) #d9d9d9" in html_doc and '"dashArray": "4 3"' in html_doc
    labelled = len(rendered_labels(html_doc))
    assert labelled == 9  # no value label on a district without data
    legend = rendered_legend(html_doc)
    assert "Không có số liệu" in legend and "qh-sw-nodata" in legend and "Đơn vị: %" in legend


def test_legend_has_one_swatch_per_class_and_a_demo_note(lang_son):
    rows = make_rows(lang_son)
    legend = rendered_legend(render(lang_son, rows, k=4))
    assert legend.count('class="qh-sw"') == 4
    assert "Dữ liệu minh họa" not in legend
    rows[0]["is_demo"] = True
    assert "Dữ liệu minh họa" in rendered_legend(render(lang_son, rows, k=4))


def test_progress_map_uses_the_fixed_palette(lang_son):
    rows = make_rows(lang_son, values={"178": 45.0, "180": 120.0})
    cls = maps.progress_classes([r["value"] for r in rows])
    m = maps.render_choropleth(lang_son, rows, classes=cls, palette=maps.PROGRESS_PALETTE,
                               legend_title="% kế hoạch", legend_labels=cls.labels(), labels_on=False)
    html_doc = maps.map_html(m)
    assert maps.PROGRESS_PALETTE[0] in html_doc and maps.PROGRESS_PALETTE[4] in html_doc
    assert "≥ 100" in rendered_legend(html_doc)


def test_highlighted_district_is_drawn_last_with_a_heavy_outline(lang_son):
    html_doc = render(lang_son, make_rows(lang_son), highlight_code="183")
    feats = rendered_geojson(html_doc)["features"]
    assert feats[-1]["id"] == "183"
    assert '"color": "#000000"' in html_doc


def test_rendering_does_not_modify_the_input_and_drops_unneeded_properties(lang_son):
    before = copy.deepcopy(lang_son)
    html_doc = render(lang_son, make_rows(lang_son))
    assert lang_son == before
    for f in rendered_geojson(html_doc)["features"]:
        assert set(f["properties"]) == {"code", "tip"}


def test_no_tile_layer_unless_asked(lang_son):
    rows = make_rows(lang_son)
    assert "L.tileLayer" not in render(lang_son, rows)
    with_tiles = render(lang_son, rows, tile_url="/tiles/{z}/{x}/{y}.png", tile_attribution="© OSM <b>")
    assert "L.tileLayer" in with_tiles and "/tiles/{z}/{x}/{y}.png" in with_tiles
    assert "<b>" not in with_tiles


def test_folium_defaults_are_not_touched_and_only_vendored_leaflet_is_linked(lang_son):
    import folium

    cdn_js = list(folium.Map.default_js)
    html_doc = render(lang_son, make_rows(lang_son), asset_prefix="/qh/app/static/vendor/")
    assert folium.Map.default_js == cdn_js
    assert '<script src="/qh/app/static/vendor/leaflet/leaflet.js"></script>' in html_doc
    assert '<link rel="stylesheet" href="/qh/app/static/vendor/leaflet/leaflet.css"/>' in html_doc
    for gone in ("jquery", "bootstrap", "awesome", "font-awesome", "glyphicons"):
        assert gone not in html_doc.lower()


def test_invalid_arguments_are_refused(lang_son):
    rows = make_rows(lang_son)
    cls = maps.classify([r["value"] for r in rows], "quantiles", 5)
    base = {"palette": maps.sequential_palette(5), "legend_title": "t", "legend_labels": cls.labels(), "labels_on": False}
    with pytest.raises(ValueError, match="aligned"):
        maps.render_choropleth(lang_son, rows[:-1], classes=cls, **base)
    with pytest.raises(ValueError, match="legend labels"):
        maps.render_choropleth(lang_son, rows, classes=cls, **{**base, "legend_labels": ["a"]})
    with pytest.raises(ValueError, match="colour"):
        maps.render_choropleth(lang_son, rows, classes=cls,
                               **{**base, "palette": ["red;background:url(x)"] * 5})
    with pytest.raises(ValueError, match="duplicate"):
        maps.render_choropleth(lang_son, rows + [rows[0]], classes=list(cls.classes) + [0], **base)
    # plain class indexes aligned with the rows are accepted too
    m = maps.render_choropleth(lang_son, rows, classes=list(cls.classes), **base)
    assert len(rendered_geojson(maps.map_html(m))["features"]) == 11


def test_label_points_lie_inside_their_districts(lang_son):
    from qh_data.maps.geometry import polygons

    for f in lang_son["features"]:
        lat, lon = maps.label_point(f["geometry"])
        assert any(point_in_polygon(lat, lon, p) for p in polygons(f["geometry"])), f["properties"]["name"]


def test_label_point_of_a_c_shape_is_inside_not_at_the_centroid():
    c_shape = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 2], [2, 2], [2, 8], [10, 8], [10, 10],
                                                   [0, 10], [0, 0]]]}
    lat, lon = maps.label_point(c_shape)
    assert point_in_polygon(lat, lon, c_shape["coordinates"])
    assert lon < 2.0  # in the spine of the C, where there is room for a label


def test_compact_geometry_rounds_and_drops_duplicates():
    g = {"type": "Polygon", "coordinates": [[[1.0000001, 2.0], [1.0000002, 2.0], [3.123456789, 2.0],
                                             [3.0, 4.0], [1.0, 2.0000004]]]}
    out = maps.compact_geometry(g, 5)
    assert out["coordinates"][0] == [[1.0, 2.0], [3.12346, 2.0], [3.0, 4.0], [1.0, 2.0]]
    assert g["coordinates"][0][0] == [1.0000001, 2.0]  # input untouched
    assert maps.compact_geometry({"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0]]]}) is None


def test_attribution_is_the_text_of_sources_md():
    text = (ROOT / "data/geo/SOURCES.md").read_text(encoding="utf-8")
    after = text.split("Attribution text to show in the app", 1)[1]
    quote = " ".join(line[1:].strip() for line in after.splitlines() if line.startswith(">"))
    assert quote.replace("*", "") == maps.BOUNDARY_ATTRIBUTION


def test_a_repeated_boundary_code_still_renders_with_unique_feature_ids(lang_son):
    geo = copy.deepcopy(lang_son)
    geo["features"].append(copy.deepcopy(geo["features"][0]))
    feats = rendered_geojson(render(geo, make_rows(lang_son)))["features"]
    ids = [f["id"] for f in feats]
    assert len(ids) == 12 and len(set(ids)) == 12
