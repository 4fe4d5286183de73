"""AppTest runs of the map page across the 2025 reform (issue 14) on the seeded demo (SQLite): today it
opens on the communes in force, as of 30/7/2020 on the districts of that time, and for the year 2025 it
says where the figures are and lets the user switch; both boundary sources are named."""

from __future__ import annotations

import pytest
from apptest_helpers import assert_clean, open_page, read_back
from test_pages_map_indicators import (
    all_text,
    communes_of,
    districts_of,
    folium_args,
    map_features,
)

from dashboard import i18n
from qh_data import periods


@pytest.fixture
def app_db(read_store, monkeypatch):
    """The seeded SQLite demo shared read-only (as in test_pages_map_indicators)."""
    engine = read_store("sqlite", "demo")[0]
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "none")
    return engine


def test_the_map_opens_on_todays_communes_and_names_both_boundary_sources(app_db):
    """The default run: Lạng Sơn drawn as its 65 communes (a commune period), the table and the sentences
    about communes, the province basis "n/65 xã, phường", both boundary sources named under the map."""
    at = open_page("map.py", {})
    assert_clean(at)
    assert at.selectbox(key="map_per").value == "2026-H1"
    [args] = folium_args(at)
    feats = map_features(args["script"])
    assert sorted(f["properties"]["code"] for f in feats) == sorted(communes_of(app_db, "20"))
    assert "sapnhap.bando.com.vn" in args["script"]
    captions = [read_back(c.value) for c in at.caption]
    assert any("65/65 xã, phường có số liệu" in c for c in captions)
    assert "Bảng số liệu theo xã, phường" in all_text(at)
    assert [c for c in captions if c.startswith("Nguồn ranh giới: Ranh giới huyện / District boundaries")
            and c.endswith("sapnhap.bando.com.vn, qua thanglequoc/vietnamese-provinces-database (MIT)")]
    assert "map_geo" not in {r.key for r in at.radio}  # one geography in 2026-H1: nothing to switch
    # Thái Nguyên: its 92 communes, Bắc Kạn's territory included, 55 with figures
    tn = open_page("map.py", {"p": "19"})
    assert_clean(tn)
    feats = map_features(folium_args(tn)[0]["script"])
    assert len(feats) == 92 and any("55/92 xã, phường có số liệu" in read_back(c.value) for c in tn.caption)


def test_as_of_30_7_2020_the_map_draws_the_11_districts_of_that_time(app_db):
    at = open_page("map.py", {"asof": "2020-07-30"})
    assert_clean(at)
    assert at.selectbox(key="map_per").value == "2019"
    feats = map_features(folium_args(at)[0]["script"])
    assert sorted(f["properties"]["code"] for f in feats) == sorted(districts_of(app_db, "20"))
    assert "Bảng số liệu theo huyện" in all_text(at) and "map_geo" not in {r.key for r in at.radio}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_year_2025_says_where_its_figures_are_and_switches(app_db, lang):
    at = open_page("map.py", {"ind": "budget_revenue", "per": "2025", "lang": lang})
    assert_clean(at)
    geo = at.radio(key="map_geo")
    assert geo.value == "district" and geo.options == [i18n.translate("map.geo_district", lang),
                                                       i18n.translate("map.geo_commune", lang)]
    assert i18n.translate("map.geo_straddle", lang, period=periods.label("2025", lang),
                          levels=i18n.translate("map.geo_district", lang)) in [read_back(c.value) for c in at.caption]
    script = folium_args(at)[0]["script"]
    assert len(map_features(script)) == 11
    assert "District boundaries" in script and "sapnhap.bando.com.vn" in script  # 2025: both sources
    if lang == "vi":  # the switch (an English rerun in AppTest trips on the field box's words)
        geo.set_value("commune").run()
        assert_clean(at)
        params = {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}
        assert params["geo"] == "commune" and params["per"] == "2025"
    else:  # the same choice from a link
        at = open_page("map.py", {"ind": "budget_revenue", "per": "2025", "geo": "commune", "lang": lang})
        assert_clean(at)
    assert at.radio(key="map_geo").value == "commune"
    # the 2025 actuals were collected on the districts: on the communes the page says there are none
    assert not folium_args(at)
    assert {"vi": "Chưa có số liệu thực hiện cấp xã", "en": "There are no commune actual figures"}[lang] in all_text(at)
