"""AppTest runs (SQLite) of the sidebar's unit filter and the territory note on a store holding the 2025
reform (issue 14, points 5 and 3): the filter lists the communes of today and the districts of a day before
1/7/2025; an old link with district codes says they were abolished and offers their communes; every page
that reads the filter works with commune codes; Thái Nguyên's figures carry the territory note and its trend
chart marks the change, Lạng Sơn's do not.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from apptest_helpers import assert_clean, open_page, read_back, vietnamese_strings_in
from test_unit_filter import load_reform

from dashboard import data
from qh_data import queries


@pytest.fixture
def reform_app(read_store, monkeypatch):
    engine, built = read_store("sqlite", "reform with a commune issue", build=load_reform)
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "none")
    data.clear_caches()
    yield engine, built
    data.clear_caches()


def _notice(at) -> str:
    return "\n".join(read_back(w.value) for w in at.warning)


def test_the_filter_lists_the_communes_of_today_and_the_districts_of_a_day_before(reform_app):
    at = open_page("overview.py", {"p": "20"})
    assert_clean(at)
    units = at.multiselect(key="f_districts")
    assert units.label == "Xã, phường" and len(units.options) == 65
    at = open_page("overview.py", {"p": "20", "d": "178", "asof": "2025-06-30"})
    assert_clean(at)
    units = at.multiselect(key="f_districts")
    assert (units.label, units.value, len(units.options)) == ("Huyện, thành phố", ["178"], 11)
    assert _notice(at) == "" and not at.toast
    assert at.query_params["d"] == "178"


def test_an_old_link_with_districts_names_them_and_offers_their_communes(reform_app):
    engine, _ = reform_app
    today = dt.date.today()
    gone = queries.units.abolished(engine, "20", ["178", "180"], today)
    successors = list({u["code"]: u for g in gone for u in g["successors"]})
    at = open_page("overview.py", {"p": "20", "d": "178,180"})
    assert_clean(at)
    notice = _notice(at)
    assert "Thành phố Lạng Sơn, Huyện Tràng Định" in notice and "01/07/2025" in notice
    assert "Phường Đông Kinh" in notice and f"{len(successors)} xã, phường" in notice
    assert not at.toast  # not reported as an ignored parameter besides
    assert at.multiselect(key="f_districts").value == []
    at.button(key="abolished_use").click().run()
    assert_clean(at)
    assert at.multiselect(key="f_districts").value == successors
    assert at.query_params["d"] == ",".join(successors)
    assert _notice(at) == ""
    assert any("Địa bàn: Phường Đông Kinh" in read_back(m.value) for m in at.markdown)


def test_the_old_link_can_open_on_the_day_its_districts_existed(reform_app):
    at = open_page("tasks.py", {"p": "20", "d": "178,180"})
    at.button(key="abolished_then").click().run()
    assert_clean(at)
    units = at.multiselect(key="f_districts")
    assert (units.label, units.value) == ("Huyện, thành phố", ["178", "180"])
    assert (at.query_params["asof"], at.query_params["d"]) == ("2025-06-30", "178,180")
    assert _notice(at) == ""


def test_the_notice_in_english(reform_app):
    at = open_page("overview.py", {"p": "19", "d": "058", "lang": "en"})
    assert_clean(at)
    notice = _notice(at)
    assert notice.startswith("This link filters by Thành phố Bắc Kạn, abolished on 1 Jul 2025")
    assert "Phường Đức Xuân" in notice
    assert [b.label for b in at.button][:3] == ["Filter by these 3 communes and wards",
                                                "View as of 30 Jun 2025, by the former units", "Dismiss"]
    assert at.multiselect(key="f_districts").label == "Communes and wards"
    assert vietnamese_strings_in(at) == []


@pytest.mark.parametrize("page", ["overview.py", "progress.py", "tasks.py", "issues.py", "indicators.py", "map.py",
                                  "slideshow.py"])
def test_every_page_that_reads_the_filter_works_with_a_commune(reform_app, page):
    _, built = reform_app
    at = open_page(page, {"p": "20", "d": "05977"})
    assert_clean(at)
    assert at.multiselect(key="f_districts").value == ["05977"]
    shown = "\n".join(read_back(m.value) for m in at.markdown)
    assert "Phường Đông Kinh" in shown
    if page == "issues.py":
        assert built["issue"] in json.dumps([str(df.value) for df in at.dataframe]) or built["issue"] in shown
    if page == "indicators.py":
        assert at.selectbox(key="ind_unit").value == "05977"


def test_thai_nguyen_carries_the_territory_note_and_lang_son_does_not(reform_app):
    for page in ("indicators.py", "map.py"):
        at = open_page(page, {"p": "19"})
        assert_clean(at)
        notes = [read_back(i.value) for i in at.info]
        assert any(n.startswith("Tỉnh Thái Nguyên: số liệu trước và từ ngày 01/07/2025 không cùng một địa bàn")
                   and "Tỉnh Bắc Kạn" in n for n in notes), (page, notes)
        at = open_page(page, {"p": "20"})
        assert_clean(at)
        assert not any("không cùng một địa bàn" in read_back(i.value) for i in at.info), page


def test_thai_nguyens_trend_chart_marks_the_change(reform_app):
    _, built = reform_app
    at = open_page("indicators.py", {"p": "19", "view": "explain", "ind": built["indicator"]})
    assert_clean(at)
    (chart,) = at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert "rule" in marks and spec["layer"][0]["encoding"]["detail"]["field"] == "segment"
    rows = [r for ds in chart.proto.datasets for r in pa.ipc.open_stream(ds.data.data).read_all().to_pylist()]
    sides = {r["year"]: r["segment"] for r in rows if "segment" in r}
    assert sides.get(2026) == 1 and any(side == 0 for side in sides.values())
    assert any("Địa bàn thay đổi từ 01/07/2025" == r.get("label") for r in rows)


def test_moving_the_as_of_day_past_the_reform_says_what_became_of_the_chosen_districts(reform_app):
    at = open_page("tasks.py", {"p": "20", "d": "178", "asof": "2025-06-30"})
    at.date_input(key="f_asof").set_value(dt.date(2026, 1, 15)).run()
    assert_clean(at)
    units = at.multiselect(key="f_districts")
    assert (units.label, units.value) == ("Xã, phường", [])
    assert "Thành phố Lạng Sơn" in _notice(at) and "Phường Đông Kinh" in _notice(at)
    at.button(key="abolished_dismiss").click().run()
    assert _notice(at) == "" and at.multiselect(key="f_districts").value == []
