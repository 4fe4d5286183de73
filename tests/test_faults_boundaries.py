"""Faults: boundary files. A missing or corrupt file gives a ``ConfigError`` sentence; the other pages
still work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apptest_helpers import open_page

from qh_data import config
from qh_data.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
# the map page needs the boundary files: not among the "other pages"
PAGES = ["overview.py", "progress.py", "tasks.py", "issues.py", "meetings.py", "slideshow.py", "indicators.py"]


@pytest.fixture
def broken_geo(tmp_path, monkeypatch):
    """A data directory whose boundary files can be removed or damaged (the real ones are untouched)."""
    import shutil

    from qh_data.maps import boundaries

    data_dir = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "geo", data_dir / "geo")
    monkeypatch.setattr(config, "DATA_DIR", data_dir)
    boundaries.clear_cache()
    yield data_dir / "geo"
    boundaries.clear_cache()


def test_a_missing_boundary_file_is_a_clear_config_error(broken_geo):
    from qh_data import maps

    (broken_geo / "lang_son_districts.geojson").unlink()
    with pytest.raises(ConfigError) as err:
        maps.province_districts("20")
    assert "lang_son_districts.geojson" in err.value.message_vi
    assert err.value.message_vi.startswith("Không tìm thấy tệp ranh giới")


@pytest.mark.parametrize("damage", ["truncated", "not_geojson"])
def test_a_corrupt_boundary_file_is_a_clear_config_error(broken_geo, damage):
    from qh_data import maps

    path = broken_geo / "lang_son_districts.geojson"
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        maps.province_districts("20")
    assert "lang_son_districts.geojson" in err.value.message_vi


@pytest.mark.parametrize("page", PAGES)
def test_the_other_pages_work_without_boundary_files(sqlite_demo_url, broken_geo, monkeypatch, page):
    for path in broken_geo.glob("*.geojson"):
        path.write_text("{ damaged", encoding="utf-8")
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "none")
    at = open_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title
