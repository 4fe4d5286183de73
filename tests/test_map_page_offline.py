"""The map page works with no internet: what it draws points only at the app's own files.

Two checks on the seeded demo: (1) the HTML document of every kind of map the page and the slideshow
draw, rendered through ``qh_data.maps.draw`` (both provinces, every view, labels on and off, the
projector style), parsed by the checker of ``tests/test_map_offline.py``: no ``http(s)://`` or other
absolute URL, no protocol-relative ``//host``, every ``/app/static/...`` path an existing file; (2) what
the page actually hands to streamlit-folium's component in a real run (AppTest): its script, header
and html, and the JS/CSS links the component will load.
"""

from __future__ import annotations

import json
import re

import pytest
from apptest_helpers import assert_clean, open_page
from test_map_offline import LOCAL_PATH, STATIC, check_offline, decoded, external_references

from dashboard.fmt import WORDS
from qh_data import maps
from qh_data.maps import availability, draw
from qh_data.maps import model as mapmodel

VENDORED = {"/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/leaflet/leaflet.css"}


@pytest.fixture
def engine(read_store):
    """The seeded SQLite demo shared read-only by the session (every connection refuses writes)."""
    return read_store("sqlite", "demo")[0]


@pytest.fixture
def app_db(engine, monkeypatch):
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("QH_DATABASE_URL", url)
    monkeypatch.setenv("QH_AUTH", "none")
    monkeypatch.delenv("QH_TILE_URL", raising=False)  # the app's caches are keyed by the tile URL too
    return url


def _requests(q, province: str, indicator: str, methods: bool) -> list[mapmodel.Request]:
    avail = availability.unit_periods(q, indicator=indicator, province=province)
    out = []
    for view in availability.VIEWS:
        period = availability.default_period(avail, view)
        partner = availability.default_partner(avail, period) if view == "change" else None
        for method in (maps.METHODS if view == "actual" and methods else (mapmodel.DEFAULT_METHOD,)):
            out.append(mapmodel.Request(indicator, province, period, view, partner, method))
    return out


@pytest.mark.parametrize("province", ["20", "19"])
def test_every_map_the_page_draws_is_self_contained(engine, province):
    q = mapmodel.direct_q(engine)
    checked = 0
    for indicator in ("grdp_per_capita", "poverty_rate"):
        for req in _requests(q, province, indicator, methods=indicator == "grdp_per_capita"):
            model = mapmodel.build_model(q, req, WORDS)
            code = model.rows[0]["code"]
            for kwargs in ({"labels_on": False}, {"labels_on": True, "highlight": code},
                           {"labels_on": True, "label_names": True, "present": True}):
                doc = draw.map_document(q, model, WORDS, **kwargs)
                assert check_offline(doc) == [], (req, kwargs)
                assert set(LOCAL_PATH.findall(doc)) == VENDORED
                checked += 1
    assert checked == (7 + 5) * 3


def test_english_map_is_self_contained_too(engine):
    q = mapmodel.direct_q(engine)
    model = mapmodel.build_model(q, mapmodel.Request("forest_cover", "20", "2025", "progress", lang="en"), WORDS)
    doc = draw.map_document(q, model, WORDS, labels_on=True)
    assert check_offline(doc) == []
    assert "Share of the 2025 target reached" in decoded(doc)


def test_the_checker_used_here_is_not_toothless(engine):
    q = mapmodel.direct_q(engine)
    model = mapmodel.build_model(q, mapmodel.Request("grdp_per_capita", "20", "2025"), WORDS)
    doc = draw.map_document(q, model, WORDS, labels_on=True)
    assert check_offline(doc.replace("/app/static/vendor/leaflet/leaflet.js",
                                     "https://unpkg.com/leaflet@1.9.3/dist/leaflet.js"))
    url = "https://tile.example.org/{z}/{x}/{y}.png"
    tiled = draw.map_document(q, model, WORDS, labels_on=True, tile_url=url, tile_attribution=draw.tile_attribution(url, WORDS))
    assert check_offline(tiled)  # a configured basemap is the only way a map reaches out


def _component_args(at) -> list[dict]:
    return [json.loads(el.proto.json_args) for el in at.get("component_instance")
            if el.proto.component_name.endswith("st_folium")]


@pytest.mark.parametrize("page,params", [
    ("map.py", {"view": "actual", "labels": "1"}),
    ("map.py", {"view": "progress", "unit": "186", "present": "1"}),
    ("map.py", {"view": "change", "lang": "en"}),
    ("slideshow.py", {"slide": "2", "present": "1"}),
])
def test_what_the_page_hands_to_st_folium_is_local(app_db, page, params):
    at = open_page(page, params)
    assert_clean(at)
    [args] = _component_args(at)
    links = set(args["js_links"]) | set(args["css_links"])
    assert links == VENDORED
    for path in links:
        assert (STATIC / path[len("/app/static/"):]).is_file(), path
    for piece in (args["script"], args["header"], args["html"]):
        assert external_references(piece) == [] and external_references(decoded(piece)) == []
    assert not re.search(r"tile_layer|L\.tileLayer", args["script"])  # no basemap unless configured
