"""The maps must work with no internet: nothing in a rendered map may point outside the app.

Renders the province maps and the national map, parses the HTML (attributes, inline scripts and
styles) and fails on any absolute URL (``http://``, ``https://``, any ``scheme://``) or
protocol-relative ``//host`` reference; checks that every ``/app/static/...`` path exists under
``dashboard/static/``; and that the rendered GeoJSON has one feature per district. The same checks run
on what streamlit-folium's component receives (its header, html, script and the js/css link lists
it loads itself).
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qh_data import maps

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "dashboard" / "static"
VENDOR = STATIC / "vendor"

ANY_SCHEME_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://")
# //host… as an attribute value, a CSS url()/@import, or the start of a JS/JSON string
PROTOCOL_RELATIVE = re.compile(r"""(?:^|["'(=\s])//[A-Za-z0-9\-._~%]+(?:[:/?#]|\.[A-Za-z]{2,})""")
LOCAL_PATH = re.compile(r"""/app/static/[^\s"'()<>\\]+""")
URL_ATTRS = {"src", "href", "action", "poster", "data", "srcset", "xlink:href", "formaction", "background",
             "manifest", "ping", "cite", "longdesc", "usemap", "codebase", "archive", "content"}


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def external_references(text: str) -> list[str]:
    found = [m.group(0) for m in ANY_SCHEME_URL.finditer(text)]
    found += [m.group(0) for m in PROTOCOL_RELATIVE.finditer(text)]
    return found


def decoded(text: str) -> str:
    """The text with JS/JSON escapes (\\u002f, \\x2f, \\/) decoded, as a browser would read it."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\\/", "/")


def check_offline(html_doc: str) -> list[str]:
    """All external references and all missing local files of a rendered map (empty = fine)."""
    problems: list[str] = []
    p = _Collect()
    p.feed(html_doc)
    for tag, name, value in p.attrs:
        v, key = value.strip(), name.lower()
        url_like = key in URL_ATTRS or key.startswith("on") or key == "style"
        if url_like and (ANY_SCHEME_URL.search(v) or v.startswith("//") or re.search(r"url\(\s*['\"]?//", v)):
            problems.append(f"<{tag} {name}={v!r}>")
    for chunk in p.scripts + p.styles:
        for ref in external_references(chunk) + external_references(decoded(chunk)):
            problems.append(f"inline: {ref!r}")
        if re.search(r"@import", chunk):
            problems.append("inline: @import")
    for ref in external_references(html_doc):
        problems.append(f"document: {ref!r}")
    for path in set(LOCAL_PATH.findall(html_doc)):
        if not (STATIC / path[len("/app/static/"):]).is_file():
            problems.append(f"missing local file {path}")
    return sorted(set(problems))


def district_codes(province: str) -> list[str]:
    with open(ROOT / "data/reference/districts.csv", encoding="utf-8") as fh:
        return [r["district_code"] for r in csv.DictReader(fh) if r["province_code"] == province]


def build(province: str | None, labels_on: bool = True):
    geo = maps.province_districts(province)
    feats = [f for f in geo["features"] if f["properties"]["code"]]
    rows = [{"code": f["properties"]["code"], "name": f["properties"]["name"], "value": float(i % 17) - 3,
             "formatted_value": maps.default_number_format(float(i % 17) - 3), "unit": "tỷ đồng", "rank": 1 + i,
             "n": len(feats), "target_text": "Mục tiêu: 10", "source": "Sở KH&ĐT", "is_demo": True}
            for i, f in enumerate(feats)]
    rows[0]["value"] = None  # one district without data
    cls = maps.classify([r["value"] for r in rows], "natural_breaks", 5)
    m = maps.render_choropleth(geo, rows, classes=cls, palette=maps.sequential_palette(cls.k),
                               legend_title="Vốn đầu tư", legend_labels=cls.labels(), labels_on=labels_on,
                               highlight_code=rows[1]["code"])
    return geo, m


def rendered_features(html_doc: str) -> list[dict]:
    found = re.findall(r"geo_json_[0-9a-f]+_add\((\{.*\})\);\s*$", html_doc, flags=re.MULTILINE)
    assert len(found) == 1
    return json.loads(found[0])["features"]


@pytest.fixture(scope="module", params=["20", "19", None], ids=["lang_son", "thai_nguyen", "vietnam"])
def rendered(request):
    province = request.param
    geo, m = build(province, labels_on=province is not None)
    return province, geo, maps.map_html(m)


def test_rendered_map_has_no_external_reference(rendered):
    _, _, html_doc = rendered
    assert check_offline(html_doc) == []


def test_rendered_map_references_only_existing_local_files(rendered):
    _, _, html_doc = rendered
    paths = set(LOCAL_PATH.findall(html_doc))
    assert paths == {"/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/leaflet/leaflet.css"}
    for path in paths:
        assert (STATIC / path[len("/app/static/"):]).is_file(), path


def test_one_feature_per_district(rendered):
    province, geo, html_doc = rendered
    feats = rendered_features(html_doc)
    assert len(feats) == len(geo["features"])
    ids = [f["id"] for f in feats]
    assert len(set(ids)) == len(ids)
    if province is not None:
        assert sorted(ids) == sorted(district_codes(province))
    else:
        assert len(feats) == 708
        assert sum(1 for f in feats if f["properties"]["code"] is None) == 2


def test_the_checker_catches_external_references():
    """The offline check itself must not be toothless."""
    bad = [
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>',
        '<link rel="stylesheet" href="//cdnjs.cloudflare.com/x.css"/>',
        "<style>.a{background:url(//example.org/a.png)}</style>",
        '<script>var u = "//tile.openstreetmap.org/{z}/{x}/{y}.png";</script>',
        '<script>var u = "https:\\u002f\\u002fexample.org";</script>',
        '<img src="/app/static/vendor/nothing-here.png">',
    ]
    for doc in bad:
        assert check_offline(f"<html><head>{doc}</head></html>"), doc
    import folium

    assert len(check_offline(folium.Map().get_root().render())) >= 10  # folium's CDN links and OSM tiles
    assert check_offline('<html><head><script src="/app/static/vendor/leaflet/leaflet.js"></script>'
                         "<script>var a = 1; // comment\nvar b = a / 2;</script></head></html>") == []


def test_what_streamlit_folium_loads_is_local_too():
    """st_folium does not use the HTML document: it sends the header, the html and the script of the
    rendered figure to its component, with the JS/CSS links every element asks for (the links the
    header carries), and it adds d3 from a CDN when a branca colormap is on the map. Check exactly those
    pieces, read through branca's public Figure (``header``, ``html``, ``script``); what a real page run
    hands to the component is checked in tests/test_map_page_offline.py."""
    _, m = build("20")
    root = m.get_root()
    root.render()
    header, body, script = root.header.render(), root.html.render(), root.script.render()
    links = re.findall(r'<script src="([^"]+)"', header) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', header)
    assert sorted(set(links)) == ["/app/static/vendor/leaflet/leaflet.css", "/app/static/vendor/leaflet/leaflet.js"]
    for piece in (header, body, script):
        assert external_references(piece) == []
    assert "d3." not in script, "a branca colormap makes st_folium load d3 from a CDN"
    assert "L.geoJson" in script and "qh-legend" in script


def test_vendored_leaflet_is_the_version_folium_links_and_is_self_contained():
    import folium

    cdn = dict(folium.Map.default_js)["leaflet"]
    assert f"leaflet@{maps.LEAFLET_VERSION}/" in cdn, "folium changed its Leaflet: vendor the new version"
    js = (VENDOR / "leaflet/leaflet.js").read_text(encoding="utf-8")
    assert f'.version="{maps.LEAFLET_VERSION}"' in js
    css = (VENDOR / "leaflet/leaflet.css").read_text(encoding="utf-8")
    css_code = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert external_references(css_code) == [] and "@import" not in css_code
    for ref in re.findall(r"url\(([^)#]+)\)", css_code):
        assert (VENDOR / "leaflet" / ref.strip("'\"")).is_file(), ref


def test_every_vendored_package_carries_its_licence():
    packages = [p for p in VENDOR.iterdir() if p.is_dir()]
    assert packages
    for pkg in packages:
        assert any((pkg / name).is_file() for name in ("LICENSE", "LICENSE.txt", "LICENSE.md")), pkg.name
    assert (VENDOR / "README.md").is_file()
