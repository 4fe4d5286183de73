"""What assistive technology and tablets need from markup the app writes (the browser checks are in
tests/browser/test_hostile_browser.py):

- ``<html lang>`` follows the interface language: every run draws the fixed script of
  ``dashboard.style.document_language`` with the current language;
- the map document's viewport allows zoom (folium's own header says ``user-scalable=no``), however
  often the map is rendered (st_folium renders it again) or copied (the page's cache hands out copies).
"""

from __future__ import annotations

import copy
import re

import pytest
from apptest_helpers import open_page

from qh_data.maps.render import local_map, map_html

BLOCKS_ZOOM = re.compile(r"user-scalable\s*=\s*(no|0)|maximum-scale\s*=\s*1(\.0)?\b", re.IGNORECASE)


def viewports(document: str) -> list[str]:
    return re.findall(r'<meta name="viewport" content="([^"]*)"', document)


def test_the_map_document_allows_zoom():
    m = local_map(location=[21.85, 106.76], zoom_start=9)
    for document in (map_html(m), map_html(m), map_html(copy.deepcopy(m))):
        assert viewports(document) == ["width=device-width, initial-scale=1.0"]
        assert not BLOCKS_ZOOM.search(document)
        assert f"#{m.get_name()} {{position: relative; width: 100.0%; height: 100.0%;" in document  # size kept
    m.render()
    assert not BLOCKS_ZOOM.search(m.get_root().header.render())  # what st_folium sends


@pytest.fixture
def app_store(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "none")


@pytest.mark.parametrize(("params", "lang"), [({}, "vi"), ({"lang": "en"}, "en")])
def test_every_page_sets_the_document_language(app_store, params, lang):
    at = open_page("overview.py", params)
    scripts = [str(e.proto.body) for e in at.get("html")]
    assert f'<script>document.documentElement.lang = "{lang}";</script>' in scripts
