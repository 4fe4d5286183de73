"""The indicators page shows Thái Nguyên's adjusted 2030 GRDP per capita target beside the original one, with
both sources (issue 15, "Done when"): AppTest on the seeded demo with the reference plans loaded (SQLite)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from apptest_helpers import assert_clean, open_page, texts

from dashboard import data
from qh_data.db import session_scope
from qh_data.permissions import SYSTEM
from qh_data.plans import store


def _loaded(engine):
    with session_scope(engine) as s:
        store.load_reference(s, SYSTEM)


@pytest.fixture
def plans_db(read_store, monkeypatch):
    engine = read_store("sqlite", "plans", build=_loaded)[0]
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "none")
    data.clear_caches()
    yield engine
    data.clear_caches()


def _shown(at) -> str:
    return html_lib.unescape(re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), "\n".join(texts(at))))


def test_thai_nguyen_original_and_adjusted_2030_target_side_by_side(plans_db):
    at = open_page("indicators.py", {"p": "19", "view": "explain", "ind": "grdp_per_capita"})
    assert_clean(at)
    shown = _shown(at)
    assert "Mục tiêu năm 2030 theo từng quy hoạch" in shown
    original = shown.index("QĐ 222/QĐ-TTg")
    adjusted = shown.index("Bản điều chỉnh HĐND tỉnh thông qua ngày 04/02/2026 (chờ Thủ tướng phê duyệt)")
    assert original < adjusted  # the original first, the adjustment beside it
    assert "8.900 USD/người" in shown and "220 triệu đồng/người" in shown
    assert "HĐND tỉnh đã thông qua, chờ Thủ tướng Chính phủ phê duyệt" in shown
    assert "Đang được điều chỉnh · đang có hiệu lực" in shown
    assert "Nguồn số liệu: QĐ 222/QĐ-TTg ngày 14/3/2023" in shown
    assert f"Nguồn số liệu: {store.ADJUSTMENT_SOURCE}" in shown
    assert "không quy đổi" in shown
    # status and its explanation name the plan in force (the adjustment awaits approval)
    assert "Mục tiêu theo QĐ 222/QĐ-TTg." in shown


def test_the_same_in_english(plans_db):
    at = open_page("indicators.py", {"p": "19", "view": "explain", "ind": "grdp_per_capita", "lang": "en"})
    assert_clean(at)
    shown = _shown(at)
    assert "The 2030 target under each plan" in shown
    assert "The adjustment passed by the Provincial People's Council on 04/02/2026" in shown
    assert "8,900 USD/người" in shown and "220 million VND/person" in shown  # a unit without English: as stored
    assert "Target as set by QĐ 222/QĐ-TTg." in shown


def test_lang_son_shows_its_one_plan(plans_db):
    at = open_page("indicators.py", {"p": "20", "view": "explain", "ind": "grdp_per_capita"})
    assert_clean(at)
    shown = _shown(at)
    assert "QĐ 236/QĐ-TTg" in shown and "Bản điều chỉnh" not in shown
