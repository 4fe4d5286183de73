"""AppTest runs of the indicator map page and the indicators page on the seeded demo (SQLite).

What the map page sends to st_folium (its script, with the GeoJSON and the legend) is read back from
the component's arguments; figures are compared with values read here straight from the tables
(plain SQL over the ORM, independent of qh_data.queries).
"""

from __future__ import annotations

import html
import html as html_lib
import json
import math
import re

import pytest
from apptest_helpers import assert_clean, open_page, texts, vietnamese_strings_in
from sqlalchemy import func, select

from dashboard import data, i18n
from dashboard.fmt import WORDS
from qh_data import config, periods
from qh_data.db import read_session
from qh_data.maps import availability, draw
from qh_data.maps import model as mapmodel
from qh_data.models import AdminUnitVersion, Indicator, IndicatorValue
from qh_data.status import PROGRESS_STATUSES, TREND_STATUSES, percent_of_target


@pytest.fixture
def app_db(read_store, monkeypatch):
    """The seeded SQLite demo this session's read-only tests share (every connection to it refuses
    writes, the app's own included). The app's caches, keyed by the database and its data version,
    carry over from one test to the next as in a running app; a test that changes what the app
    reads besides the store (the boundary files) clears them before and after (``fresh_caches``)."""
    engine = read_store("sqlite", "demo")[0]
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "none")
    return engine


@pytest.fixture
def fresh_caches():
    data.clear_caches()
    yield
    data.clear_caches()


# --- reading the page ------------------------------------------------------------------------------

def folium_args(at) -> list[dict]:
    """The arguments of every st_folium component on the page (what the browser receives)."""
    return [json.loads(el.proto.json_args) for el in at.get("component_instance")
            if el.proto.component_name.endswith("st_folium")]


def map_features(script: str) -> list[dict]:
    found = re.findall(r"\w+_add\((\{.*\})\);\s*$", script, flags=re.MULTILINE)
    assert len(found) == 1, "one GeoJSON layer"
    return json.loads(found[0])["features"]


def legend_html(script: str) -> str:
    m = re.search(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', script)
    assert m, "the map has a legend"
    return json.loads(m.group(1))


def legend_text(script: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " | ", legend_html(script)))


def vn_number(text: str) -> float:
    """"1.234,5" → 1234.5 (a figure as the page writes it in Vietnamese)."""
    assert re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?", text), text
    return float(text.replace(".", "").replace(",", "."))


def all_text(at) -> str:
    return "\n".join(texts(at))


def table(at, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}")


# --- independent reads -----------------------------------------------------------------------------

def districts_of(engine, province: str) -> dict[str, str]:
    with read_session(engine) as s:
        rows = s.execute(select(AdminUnitVersion.code, AdminUnitVersion.name)
                         .where(AdminUnitVersion.parent_code == province, AdminUnitVersion.level == "district")).all()
    return {c: n for c, n in rows}


def communes_of(engine, province: str) -> dict[str, str]:
    """The communes in force today (from 1/7/2025), by code."""
    with read_session(engine) as s:
        rows = s.execute(select(AdminUnitVersion.code, AdminUnitVersion.name).where(
            AdminUnitVersion.parent_code == province, AdminUnitVersion.level == "commune",
            AdminUnitVersion.valid_to.is_(None))).all()
    return {c: n for c, n in rows}


def district_values(engine, indicator: str, period: str, kind: str, province: str = "20",
                    level: str = "district") -> dict[str, float]:
    """Current district (or ``level='commune'``: commune) figures: {unit name: value}."""
    with read_session(engine) as s:
        rows = s.execute(
            select(AdminUnitVersion.name, IndicatorValue.value)
            .join(AdminUnitVersion, AdminUnitVersion.id == IndicatorValue.unit_id)
            .where(IndicatorValue.indicator_code == indicator, IndicatorValue.period == period,
                   IndicatorValue.kind == kind, IndicatorValue.superseded_at.is_(None),
                   AdminUnitVersion.parent_code == province, AdminUnitVersion.level == level)).all()
    return {n: v for n, v in rows}


def demo_indicators(engine) -> list[str]:
    with read_session(engine) as s:
        return list(s.scalars(select(Indicator.code).where(Indicator.is_demo.is_(True))
                              .order_by(Indicator.sort_order)))


# --- the map page ----------------------------------------------------------------------------------

def test_actual_map_draws_every_district_and_the_table_equals_the_database(app_db):
    at = open_page("map.py", {"ind": "budget_revenue", "view": "actual", "per": "2024"})
    assert_clean(at)
    [args] = folium_args(at)
    feats = map_features(args["script"])
    assert sorted(f["properties"]["code"] for f in feats) == sorted(districts_of(app_db, "20"))
    legend = legend_text(args["script"])
    assert "Thực hiện · Năm 2024" in legend and "Đơn vị: tỷ đồng" in legend and "Không có số liệu" in legend
    assert "Dữ liệu minh họa" in legend

    shown = table(at, "district")
    want = district_values(app_db, "budget_revenue", "2024", "actual")
    assert len(want) == len(districts_of(app_db, "20"))
    got = dict(zip(shown["district"], shown["value"], strict=True))
    assert got == pytest.approx(want)
    # ranks: budget revenue, higher is better → rank 1 is the largest
    best = max(want, key=want.get)
    assert int(shown.loc[shown["district"] == best, "rank"].iloc[0]) == 1
    # the province figure is the sum of the districts (aggregation "sum")
    total = sum(want.values())
    figure = f"{round(total):,}".replace(",", ".")
    assert any(f'qh-figure-value">{figure}<' in re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), md)
               for md in (str(x.value) for x in at.markdown))


def test_every_demo_indicator_draws_all_communes_with_a_legend(app_db):
    """For every demo indicator the page opens on the 65 communes of Lạng Sơn in force today, each with a
    value, and a legend with its classes (switching the indicator on one page, as a user does)."""
    codes = demo_indicators(app_db)
    assert len(codes) >= 30
    districts = sorted(communes_of(app_db, "20"))
    assert len(districts) == 65
    at = open_page("map.py", {"view": "actual"})
    assert_clean(at)
    for code in codes:
        at.selectbox(key="map_ind").set_value(code).run()
        assert_clean(at)
        [args] = folium_args(at)
        feats = map_features(args["script"])
        assert sorted(f["properties"]["code"] for f in feats) == districts, code
        tips = [f["properties"]["tip"] for f in feats]
        assert all("Không có số liệu" not in tip for tip in tips), code
        legend = legend_html(args["script"])
        assert legend.count('class="qh-sw"') >= 1 and "qh-legend-title" in legend, code
        assert 'class="qh-legend-unit"' in legend, code


def test_every_demo_indicator_and_view_in_thai_nguyen(app_db):
    """The same through the shared drawing functions in the second province: every demo indicator's
    latest actual map, and every view for one indicator of each roll-up rule and direction. Today that is
    the 92 communes of Thái Nguyên, Bắc Kạn's territory included; its 37 communes made of Bắc Kạn's
    districts have no demo figures (those districts had no demo series)."""
    q = mapmodel.direct_q(app_db)
    districts = sorted(communes_of(app_db, "19"))
    assert len(districts) == 92
    every_view = {"budget_revenue", "grdp_per_capita", "poverty_rate", "grdp_growth", "unemployment_urban"}
    for code in demo_indicators(app_db):
        avail = availability.unit_periods(q, indicator=code, province="19")
        for view in (availability.VIEWS if code in every_view else ("actual",)):
            period = availability.default_period(avail, view)
            assert period, (code, view)
            req = mapmodel.Request(code, "19", period, view,
                                  availability.default_partner(avail, period) if view == "change" else None)
            model = mapmodel.build_model(q, req, WORDS)
            assert model.n_units == len(districts), (code, view)
            if view == "progress":  # undefined where a district's target is 0 (lower is better)
                assert model.n_values > 0, (code, view)
            else:
                assert model.n_values == 55, (code, view)
            doc = draw.map_document(q, model, WORDS, labels_on=True)
            feats = map_features(doc)
            assert sorted(f["properties"]["code"] for f in feats) == districts, (code, view)
            assert "qh-legend-title" in doc


def test_progress_view_uses_fixed_classes_and_percent_of_target(app_db):
    at = open_page("map.py", {"ind": "forest_cover", "view": "progress", "per": "2025"})
    assert_clean(at)
    [args] = folium_args(at)
    legend = legend_text(args["script"])
    for label in ("< 50", "50 – 70", "70 – 90", "90 – 100", "≥ 100", "% mục tiêu"):
        assert label in legend
    shown = table(at, "district")
    actual = district_values(app_db, "forest_cover", "2025", "actual")
    target = district_values(app_db, "forest_cover", "2025", "target")
    want = {n: percent_of_target(actual[n], target[n]) for n in actual}
    assert dict(zip(shown["district"], shown["value"], strict=True)) == pytest.approx(want)


def test_change_view_between_two_periods(app_db):
    at = open_page("map.py", {"ind": "total_investment", "view": "change", "per": "2025", "per2": "2020"})
    assert_clean(at)
    assert at.selectbox(key="map_per2").value == "2020"
    [args] = folium_args(at)
    assert "Thay đổi năm 2025 so với năm 2020" in legend_text(args["script"])
    v1 = district_values(app_db, "total_investment", "2025", "actual")
    v0 = district_values(app_db, "total_investment", "2020", "actual")
    want = {n: (v1[n] - v0[n]) / abs(v0[n]) * 100 for n in v1}
    shown = table(at, "district")
    assert dict(zip(shown["district"], shown["value"], strict=True)) == pytest.approx(want)
    # shares change by points, not by percent
    at = open_page("map.py", {"ind": "forest_cover", "view": "change", "per": "2025", "per2": "2024"})
    assert_clean(at)
    assert "điểm %" in legend_text(folium_args(at)[0]["script"])


def test_estimate_and_target_views_and_class_methods(app_db):
    for params in ({"ind": "poverty_rate", "view": "estimate", "per": "2026", "cls": "equal_interval"},
                   {"ind": "poverty_rate", "view": "target", "per": "2030", "cls": "natural_breaks"},
                   {"ind": "grdp_per_capita", "view": "actual", "per": "2026-H1"}):
        at = open_page("map.py", params)
        assert_clean(at)
        shown = table(at, "district")  # the units' column: the communes of these periods
        want = district_values(app_db, params["ind"], params["per"], params["view"], level="commune")
        assert len(want) == 65
        assert dict(zip(shown["district"], shown["value"], strict=True)) == pytest.approx(want), params
        if "cls" in params:
            assert at.selectbox(key="map_cls").value == params["cls"]


def test_no_data_for_the_period_is_a_friendly_empty_state(app_db):
    at = open_page("map.py", {"ind": "grdp_per_capita", "view": "actual", "per": "2012"})
    assert_clean(at)
    assert folium_args(at) == []
    assert any("Chưa có số liệu thực hiện cấp huyện" in str(i.value) and "năm 2012" in str(i.value) for i in at.info)
    # an indicator with province figures only: no map, the province's own figures instead
    at = open_page("map.py", {"ind": "area_natural"})
    assert_clean(at)
    assert folium_args(at) == []
    assert any("chưa có số liệu cấp huyện nào" in str(i.value) for i in at.info)
    assert table(at, "Giá trị")["Giá trị"].iloc[0].startswith("831.018")


def test_clicked_district_panel_shows_its_series_and_revisions(app_db):
    at = open_page("map.py", {"ind": "grdp_per_capita", "view": "actual", "per": "2025", "unit": "186"})
    assert_clean(at)
    assert at.selectbox(key="map_unit").value == "186"
    series = table(at, "revision")
    with read_session(app_db) as s:
        n = s.scalar(select(func.count()).select_from(IndicatorValue).where(
            IndicatorValue.indicator_code == "grdp_per_capita", IndicatorValue.admin_unit_code == "186",
            IndicatorValue.superseded_at.is_(None)))
    assert len(series) == n
    assert len(at.get("vega_lite_chart")) == 1  # the trend
    # the selected district is outlined on the map (drawn last)
    [args] = folium_args(at)
    assert map_features(args["script"])[-1]["properties"]["code"] == "186"
    # choosing another district in the list (the keyboard way) updates the panel
    at.selectbox(key="map_unit").set_value("178").run()
    assert_clean(at)
    assert at.query_params["unit"] == ["178"] or at.query_params["unit"] == "178"
    assert any("Xếp thứ" in str(m.value) for m in at.markdown)


def test_revision_history_of_a_revised_figure(app_db):
    with read_session(app_db) as s:
        row = s.execute(select(IndicatorValue.indicator_code, IndicatorValue.admin_unit_code)
                        .join(AdminUnitVersion, AdminUnitVersion.id == IndicatorValue.unit_id)
                        .where(IndicatorValue.revision == 2, IndicatorValue.period == "2025",
                               IndicatorValue.kind == "estimate", AdminUnitVersion.parent_code == "20")
                        .limit(1)).one()
    at = open_page("map.py", {"ind": row[0], "view": "estimate", "per": "2025", "unit": row[1]})
    assert_clean(at)
    hist = table(at, "Lần")
    assert sorted(hist["Lần"].tolist()) == [1, 2]
    assert hist.loc[hist["Lần"] == 2, "Đang dùng"].iloc[0]


def test_url_keeps_the_view(app_db):
    at = open_page("map.py", {"ind": "poverty_rate", "view": "progress", "per": "2024", "labels": "1"})
    assert_clean(at)
    params = {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["ind"] == "poverty_rate" and params["view"] == "progress" and params["per"] == "2024"
    assert params["labels"] == "1"
    again = open_page("map.py", params)
    assert_clean(again)
    assert again.selectbox(key="map_ind").value == "poverty_rate"
    assert again.radio(key="map_view").value == "progress"
    assert again.toggle(key="map_labels").value is True
    assert table(again, "district").equals(table(at, "district"))


def test_labels_are_on_by_default_in_presentation_mode(app_db):
    at = open_page("map.py", {"present": "1"})
    assert_clean(at)
    assert at.toggle(key="map_labels").value is True
    assert "qh-label" in folium_args(at)[0]["script"]
    at = open_page("map.py", {})
    assert at.toggle(key="map_labels").value is False


def test_english_map_page(app_db):
    at = open_page("map.py", {"lang": "en", "view": "progress"})
    assert_clean(at)
    assert at.title[0].value == "Indicator map"
    assert vietnamese_strings_in(at) == []
    legend = legend_text(folium_args(at)[0]["script"])
    assert "No data" in legend and "Demo data" in legend and "% of target" in legend


def test_a_damaged_boundary_file_gives_one_clear_error(app_db, fresh_caches, tmp_path, monkeypatch):
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "lang_son_districts.geojson").write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    at = open_page("map.py", {"ind": "grdp_per_capita", "per": "2024"})  # a period on the districts
    assert not at.exception
    assert len(at.error) == 1
    shown = html.unescape(at.error[0].value)  # the sentence as shown (markdown characters escaped)
    assert "lang_son_districts.geojson" in shown and "bị hỏng" in shown
    assert len(table(at, "district")) == 11  # the rest of the page is there


def test_boundary_codes_that_do_not_match_are_named(app_db, fresh_caches, tmp_path, monkeypatch):
    from qh_data.maps import boundaries

    real = json.loads((boundaries.geo_dir() / "lang_son_districts.geojson").read_text(encoding="utf-8"))
    real["features"][0]["properties"]["code"] = "999"
    geo = tmp_path / "geo"
    geo.mkdir()
    (geo / "lang_son_districts.geojson").write_text(json.dumps(real), encoding="utf-8")
    monkeypatch.setattr(config, "DATA_DIR", tmp_path)
    at = open_page("map.py", {"ind": "grdp_per_capita", "lang": "en", "per": "2024"})
    assert not at.exception
    assert len(at.error) == 1
    shown = html.unescape(at.error[0].value)
    assert "999" in shown and "178" in shown


def test_slideshow_map_slide(app_db):
    at = open_page("slideshow.py", {"slide": "2", "present": "1"})
    assert_clean(at)
    [args] = folium_args(at)
    feats = map_features(args["script"])
    assert len(feats) == len(communes_of(app_db, "20")) == 65  # the units in force today
    assert args["returned_objects"] == []  # nothing comes back: no rerun on the projector
    assert "qh-label-name" in args["script"]  # names written on the map
    assert "tỷ lệ đạt mục tiêu năm 2030" in legend_text(args["script"])  # 2026, on the communes


# --- the indicators page ---------------------------------------------------------------------------

def _with_baseline_and_target(engine, province: str) -> set[str]:
    """Indicators with a 2020 figure and a 2025 or 2030 target in the province (its own or its
    districts'), by name."""
    units = select(AdminUnitVersion.code).where((AdminUnitVersion.code == province) | (AdminUnitVersion.parent_code == province))
    with read_session(engine) as s:
        def having(*conds):
            return set(s.scalars(select(Indicator.name_vi).join(
                IndicatorValue, IndicatorValue.indicator_code == Indicator.code).where(
                IndicatorValue.admin_unit_code.in_(units), IndicatorValue.superseded_at.is_(None), *conds)))
        base = having(IndicatorValue.period == "2020", IndicatorValue.kind.in_(("actual", "estimate")))
        target = having(IndicatorValue.period.in_(("2025", "2030")), IndicatorValue.kind == "target")
    return base & target


def test_indicators_page_shows_a_status_for_every_indicator_with_baseline_and_target(app_db):
    at = open_page("indicators.py")
    assert_clean(at)
    shown = table(at, "status")
    with read_session(app_db) as s:
        n_indicators = s.scalar(select(func.count()).select_from(Indicator))
    assert len(shown) == n_indicators
    words = {i18n.translate(f"status.progress.{c}", "vi") for c in PROGRESS_STATUSES}
    assert set(shown["status"]) <= words
    # An indicator without a target but with two years of figures is rated by its trend.
    trend_words = {i18n.translate(f"status.progress.{c}", "vi") for c in TREND_STATUSES}
    assert set(shown["status"]) & trend_words
    # one count per status above the table, the trend ones included
    tiles = html_lib.unescape(" ".join(str(x.value) for x in at.markdown))
    for code in PROGRESS_STATUSES:
        assert f'qh-figure-label">{i18n.translate(f"status.progress.{code}", "vi")}<' in tiles, code
    status = dict(zip(shown["name"], shown["status"], strict=True))
    wanted = _with_baseline_and_target(app_db, "20")
    demo = {n for n in wanted if n in set(shown.loc[shown["demo"], "name"])}
    assert len(demo) >= 30
    for name in wanted:
        assert status[name] in words, name
    for name in demo:  # demo indicators have full series: a real assessment, never "insufficient data"
        assert status[name] != i18n.translate("status.progress.insufficient_data", "vi"), name
    # the figures shown are the store's: baseline of a sum indicator = sum of the districts' 2020 actuals
    budget = shown[shown["name"] == "Thu ngân sách nhà nước trên địa bàn"].iloc[0]  # 0 decimals
    assert vn_number(budget["baseline"]) == round(sum(district_values(app_db, "budget_revenue", "2020",
                                                                      "actual").values()))
    assert vn_number(budget["target_2030"]) == round(  # 2030: on the communes in force then
        sum(district_values(app_db, "budget_revenue", "2030", "target", level="commune").values()))
    assert all(len(list(t)) >= 5 for t in shown.loc[shown["demo"], "trend"])


def test_indicators_filters_field_owner_and_district(app_db):
    at = open_page("indicators.py", {"grp": "society"})
    assert_clean(at)
    assert set(table(at, "status")["group"]) == {"Xã hội"}
    at = open_page("indicators.py", {"own": "SYT"})
    assert_clean(at)
    with read_session(app_db) as s:
        n = s.scalar(select(func.count()).select_from(Indicator).where(Indicator.owner_role == "SYT"))
    assert len(table(at, "status")) == n
    # a district from the sidebar filter, on a day it existed: that district's own figures
    at = open_page("indicators.py", {"d": "186", "asof": "2025-06-30"})
    assert_clean(at)
    assert at.selectbox(key="ind_unit").value == "186"
    shown = table(at, "status")
    row = shown[shown["name"] == "GRDP bình quân đầu người"].iloc[0]  # 1 decimal
    assert vn_number(row["baseline"]) == round(
        district_values(app_db, "grdp_per_capita", "2020", "actual")["Huyện Hữu Lũng"], 1)


def test_explain_view_shows_inputs_and_arithmetic(app_db):
    from qh_data import queries

    ov = queries.indicator_overview(app_db, "20").to_frame()
    row = ov[ov["code"] == "grdp_per_capita"].iloc[0]
    at = open_page("indicators.py", {"view": "explain", "ind": "grdp_per_capita"})
    assert_clean(at)
    shown = all_text(at)
    plain = html_lib.unescape(re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), shown))
    assert row["explanation_vi"] in plain
    for label in ("Năm gốc", "Số liệu mới nhất", "Mục tiêu", "Tốc độ thực tế", "Tốc độ cần đạt", "Tỷ số"):
        assert f"**{label}" in plain
    assert i18n.translate(f"status.progress.{row['status']}", "vi") in plain
    assert len(at.get("vega_lite_chart")) == 1
    # English
    at = open_page("indicators.py", {"view": "explain", "ind": "grdp_growth", "lang": "en"})
    assert_clean(at)
    assert vietnamese_strings_in(at) == []
    plain = html_lib.unescape(re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), all_text(at)))
    assert ov[ov["code"] == "grdp_growth"].iloc[0]["explanation_en"] in plain


def test_explain_view_of_an_indicator_without_target_shows_its_trend(app_db):
    from qh_data import queries

    ov = queries.indicator_overview(app_db, "20").to_frame()
    trend = ov[ov["status"].isin(TREND_STATUSES)]
    assert len(trend)
    row = trend.iloc[0]
    at = open_page("indicators.py", {"view": "explain", "ind": row["code"]})
    assert_clean(at)
    plain = html_lib.unescape(re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), all_text(at)))
    assert row["explanation_vi"] in plain and "không mục tiêu" in row["explanation_vi"]
    assert i18n.translate(f"status.progress.{row['status']}", "vi") in plain
    assert "Quy tắc khi không có mục tiêu" in plain and "1,5\u00a0%" in plain
    assert i18n.translate(f"indicators.method_{row['method']}", "vi") in plain


def test_indicators_page_in_english_and_for_thai_nguyen(app_db):
    at = open_page("indicators.py", {"lang": "en", "p": "19"})
    assert_clean(at)
    assert at.title[0].value == "Indicators and targets"
    assert vietnamese_strings_in(at) == []
    shown = table(at, "status")
    assert "GRDP per capita" in set(shown["name"])
    assert not any(isinstance(v, float) and math.isnan(v) for v in shown["status"])


def test_period_labels_in_the_map_period_list(app_db):
    at = open_page("map.py", {"ind": "grdp_per_capita", "view": "actual"})
    options = at.selectbox(key="map_per").options
    assert periods.label("2026-H1", "vi") in options and "Năm 2025" in options

