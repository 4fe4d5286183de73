"""The 2025 data carried into data/: counts against the facts file (data/reference/admin_reform_2025.md),
the boundary layers against the commune list, checksums and attribution against the SOURCES.md files."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "reference"
GEO = ROOT / "data" / "geo"
ATTRIBUTION_2025 = ("Ranh giới hành chính 2025: sapnhap.bando.com.vn, qua "
                    "thanglequoc/vietnamese-provinces-database (MIT)")


def rows(name: str) -> list[dict[str, str]]:
    with (REF / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def features(name: str) -> list[dict]:
    return json.loads((GEO / name).read_text(encoding="utf-8"))["features"]


def test_65_communes_in_lang_son_and_92_in_thai_nguyen_from_1_7_2025():
    communes = rows("communes_2025.csv")
    assert Counter(r["province_code"] for r in communes) == {"20": 65, "19": 92}
    assert Counter(r["type"] for r in communes if r["province_code"] == "20") == {"Xã": 61, "Phường": 4}
    assert Counter(r["type"] for r in communes if r["province_code"] == "19") == {"Xã": 77, "Phường": 15}
    assert {r["valid_from"] for r in communes} == {"2025-07-01"}
    assert len({r["code"] for r in communes}) == 157


def test_the_crosswalk_has_467_whole_10_part_and_2_unchanged_rows_over_the_474_old_communes():
    crosswalk = rows("commune_crosswalk_2025.csv")
    assert Counter(r["relation"] for r in crosswalk) == {"whole": 467, "part": 10, "unchanged": 2}
    old = {r["old_code"]: r for r in crosswalk}
    assert Counter(r["old_province_code"] for r in old.values()) == {"20": 194, "19": 172, "06": 108}
    split = sorted({r["old_name"] for r in crosswalk if r["relation"] == "part"})
    assert split == ["Phường Cam Giá", "Phường Gia Sàng", "Xã Bính Xá", "Xã Kiên Mộc", "Xã Thượng Đình"]
    districts = Counter(r["old_province_code"] for r in {(r["old_province_code"], r["old_district_code"]): r
                                                          for r in crosswalk}.values())
    assert districts == {"20": 11, "19": 9, "06": 8}


@pytest.mark.parametrize("name, count, digits", [
    ("lang_son_communes_2025.geojson", 65, 5),
    ("thai_nguyen_communes_2025.geojson", 92, 5),
    ("vietnam_provinces_2025.geojson", 34, 2),
    ("vietnam_communes_2025.geojson", 3321, 5),
])
def test_each_boundary_layer_holds_the_units_the_facts_file_counts(name, count, digits):
    feats = features(name)
    assert len(feats) == count
    codes = [f["properties"]["code"] for f in feats]
    assert len(set(codes)) == count
    assert all(isinstance(c, str) and c.isdigit() and len(c) == digits for c in codes)
    for f in feats:
        assert set(f["properties"]) == {"code", "name", "area_km2"}
        assert unicodedata.normalize("NFC", f["properties"]["name"]) == f["properties"]["name"]
        assert f["properties"]["name"].split()[0] in {"Xã", "Phường", "Đặc", "Tỉnh", "Thành"}
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}


@pytest.mark.parametrize("province, layer", [("20", "lang_son_communes_2025.geojson"),
                                             ("19", "thai_nguyen_communes_2025.geojson")])
def test_a_province_layer_draws_exactly_the_communes_of_the_list(province, layer):
    listed = {r["code"]: r for r in rows("communes_2025.csv") if r["province_code"] == province}
    drawn = {f["properties"]["code"]: f["properties"] for f in features(layer)}
    national = {f["properties"]["code"]: f["properties"] for f in features("vietnam_communes_2025.geojson")}
    assert set(drawn) == set(listed) and set(listed) <= set(national)
    for code, r in listed.items():
        assert drawn[code]["name"] == r["name"] == national[code]["name"]
        assert drawn[code]["area_km2"] == pytest.approx(float(r["area_km2"]))


def test_the_provinces_layer_has_the_merged_thai_nguyen_and_no_bac_kan():
    provinces = {f["properties"]["code"]: f["properties"] for f in features("vietnam_provinces_2025.geojson")}
    assert provinces["19"]["name"] == "Tỉnh Thái Nguyên" and provinces["19"]["area_km2"] == pytest.approx(8375.21)
    assert provinces["20"]["name"] == "Tỉnh Lạng Sơn"
    assert "06" not in provinces


def test_the_2025_layers_are_the_bytes_sources_md_describes():
    text = (GEO / "SOURCES.md").read_text(encoding="utf-8").split("### As carried into the project", 1)[1]
    table = re.findall(r"^\| `([^`]+)` \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| `([0-9a-f]{64})` \|$", text, re.MULTILINE)
    assert {t[0] for t in table} == {"lang_son_communes_2025.geojson", "thai_nguyen_communes_2025.geojson",
                                     "vietnam_provinces_2025.geojson", "vietnam_communes_2025.geojson"}
    for name, count, size, _vertices, sha in table:
        data = (GEO / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, name
        assert len(data) == int(size.replace(",", ""))
        assert len(features(name)) == int(count.replace(",", ""))


def test_geo_sources_md_gives_the_2025_attribution_and_the_mit_licence():
    text = (GEO / "SOURCES.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```text\n(.*?)\n```", text, re.DOTALL)
    assert ATTRIBUTION_2025 in blocks
    licence = next(b for b in blocks if "Permission is hereby granted" in b)
    assert licence.startswith("© 2021 Thang Le Quoc")
    assert "The above copyright notice and this permission notice shall be included" in licence
    # The district attribution stays the only quotation after its marker (the app reads it verbatim).
    after = text.split("Attribution text to show in the app", 1)[1]
    quoted = [line for line in after.splitlines() if line.startswith(">")]
    assert len(quoted) == 1 and quoted[0].startswith("> Ranh giới huyện / District boundaries")


def test_reference_sources_md_lists_the_2025_files_and_their_sources():
    text = (REF / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("communes_2025.csv", "commune_crosswalk_2025.csv", "agency_succession_2025.csv",
                 "admin_reform_2025.md"):
        assert f"- `{name}` — " in text
    for source in ("Nghị quyết 1672/NQ-UBTVQH15", "Nghị quyết 1683/NQ-UBTVQH15", "19/2025/QĐ-TTg", "danhmuchanhchinh.nso.gov.vn",
                   "Nghị quyết 202/2025/QH15", "Nghị định 45/2025/NĐ-CP"):
        assert source in text, source


def test_agency_succession_names_agencies_of_the_store_and_the_two_reform_dates():
    succession = rows("agency_succession_2025.csv")
    agencies = {r["code"] for r in rows("agencies.csv")}
    assert len(succession) == 35
    assert {r["effective"] for r in succession} == {"2025-03-01", "2025-07-01"}
    assert Counter(r["relation"] for r in succession) == {"merged_into": 13, "split": 2, "abolished": 20}
    # the 20 district People's Committees end with their districts on 01/7/2025
    assert {r["old_code"] for r in succession if r["relation"] == "abolished"} == {
        a for a in agencies if "-UBND-" in a}
    assert {r["old_code"] for r in succession if r["old_code"]} <= agencies
    assert all(r["legal_basis"] for r in succession)
