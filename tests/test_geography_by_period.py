"""Geography follows the period (issue 14): on a store holding the 2025 reform, a period before 1/7/2025
is on the districts, one after it on the communes, the year 2025 on both; figures and roll-ups read the
units of the period, and the boundary layer and its attribution follow the geography. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from qh_data import maps, queries
from qh_data.db import read_session, session_scope
from qh_data.models import Indicator
from qh_data.permissions import SYSTEM, Actor
from qh_data.services import values as value_svc
from qh_data.services.values import NewFigure, write_revisions
from qh_data.units import lineage, store

DPI = Actor(user_id=None, username="dpi", role="dpi_editor")
NOW = dt.datetime(2026, 12, 6, 9, 0)


@pytest.fixture
def reform(demo_engine):
    with session_scope(demo_engine) as s:
        store.load(s, lineage.reference(), SYSTEM, source="test")
    return demo_engine


def _sum_indicator(engine) -> str:
    with read_session(engine) as s:
        return s.scalar(select(Indicator.code).where(Indicator.aggregation == "sum")
                        .order_by(Indicator.code))


def test_each_period_has_its_geography(reform):
    assert queries.geographies(reform, province="20", period="2020") == ["district"]
    assert queries.geographies(reform, province="20", period="2025-H1") == ["district"]
    assert queries.geographies(reform, province="20", period="2025") == ["district", "commune"]
    assert queries.geographies(reform, province="20", period="2025-H2") == ["commune"]
    assert queries.geographies(reform, province="19", period="2026") == ["commune"]


def test_commune_figures_are_read_and_rolled_up_on_the_communes(reform):
    indicator = _sum_indicator(reform)
    communes = [u["code"] for u in queries.units.units_of(reform, "20", dt.date(2026, 12, 6))]
    assert len(communes) == 65
    figures = [NewFigure(indicator, code, "2026", "actual", float(i + 1)) for i, code in enumerate(communes[:40])]
    with session_scope(reform) as s:
        write_revisions(s, DPI, figures, now=NOW, source="test")
    rows = queries.indicator_values(reform, indicator=indicator, period="2026", kind="actual", level="commune",
                                    province="20")
    assert len(rows) == 65 and rows.attrs == {"districts_contributing": 40, "districts_total": 65}
    assert {r["code"]: r["value"] for r in rows if r["value"] is not None}[communes[0]] == 1.0
    # the same period on the districts: none of them exists in 2026
    assert len(queries.indicator_values(reform, indicator=indicator, period="2026", kind="actual",
                                        level="district", province="20")) == 0
    province = queries.indicator_values(reform, indicator=indicator, period="2026", kind="actual",
                                        level="province", province="20").to_frame().iloc[0]
    assert province["value"] == pytest.approx(sum(range(1, 41)))
    assert (province["basis"], province["unit_level"]) == ("districts", "commune")
    assert (province["districts_contributing"], province["districts_total"]) == (40, 65)
    # 2020 stays on the 11 districts of that time
    old = queries.indicator_values(reform, indicator=indicator, period="2020", kind="actual", level="province",
                                   province="20").to_frame().iloc[0]
    assert (old["unit_level"], old["districts_total"]) == ("district", 11)


def test_a_reused_code_keeps_its_two_units_apart(reform):
    """05977 was Phường Vĩnh Trại (Thái Nguyên city) and is Phường Đông Kinh (Lạng Sơn): a 2026 figure on the
    code lands on Đông Kinh; the 2024 one would have been Vĩnh Trại's, which no store here has figures for."""
    indicator = _sum_indicator(reform)
    value_svc.submit_value(reform, DPI, indicator=indicator, unit_code="05977", period="2026", kind="actual",
                           value="12")
    rows = queries.indicator_values(reform, indicator=indicator, period="2026", kind="actual", level="commune",
                                    province="20")
    assert {r["code"]: r["value"] for r in rows}["05977"] == 12.0
    assert {r["code"]: r["name"] for r in rows}["05977"] == "Phường Đông Kinh"
    assert all(r["value"] is None for r in queries.indicator_values(
        reform, indicator=indicator, period="2026", kind="actual", level="commune", province="19"))


def test_the_boundary_layer_follows_the_geography():
    districts = maps.boundaries.unit_boundaries("20", "district")
    communes = maps.boundaries.unit_boundaries("20", "commune")
    assert len(districts["features"]) == 11 and len(communes["features"]) == 65
    assert len(maps.boundaries.unit_boundaries("19", "commune")["features"]) == 92
    cut = maps.boundaries.unit_boundaries("01", "commune", codes=["00004"])
    assert [f["properties"]["name"] for f in cut["features"]] == ["Phường Ba Đình"]
    assert maps.boundaries.ATTRIBUTION["commune"].startswith("Ranh giới hành chính 2025: sapnhap.bando.com.vn")
    assert "Ranh giới huyện" in maps.boundaries.ATTRIBUTION["district"]


def test_the_map_draws_the_units_of_its_period(reform):
    from test_map_offline import decoded

    from dashboard.fmt import WORDS
    from qh_data.maps import draw
    from qh_data.maps import model as mapmodel

    indicator = _sum_indicator(reform)
    communes = [u["code"] for u in queries.units.units_of(reform, "20", dt.date(2026, 12, 6))]
    with session_scope(reform) as s:
        write_revisions(s, DPI, [NewFigure(indicator, c, "2026", "actual", 1.0 + i) for i, c in enumerate(communes)],
                        now=NOW, source="test")
    q = mapmodel.direct_q(reform)
    now = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2026", "actual"), WORDS)
    assert (now.level, now.levels, now.n_units, now.n_values) == ("commune", ["commune"], 65, 65)
    doc = decoded(draw.map_document(q, now, WORDS, labels_on=False))
    assert "sapnhap.bando.com.vn" in doc and "Phường Đông Kinh" in doc and "Ranh giới huyện" not in doc
    before = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2020", "actual"), WORDS)
    assert (before.level, before.n_units) == ("district", 11)
    assert "Ranh giới huyện" in decoded(draw.map_document(q, before, WORDS, labels_on=False))
    straddling = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2025", "actual"), WORDS)
    assert (straddling.level, straddling.levels) == ("district", ["district", "commune"])
    switched = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2025", "actual", level="commune"), WORDS)
    assert (switched.level, switched.n_units) == ("commune", 65)


# --- the demo seed holds the reform: what a map can be drawn for, on which geography ------------------

def _q(engine):
    from qh_data.maps import model as mapmodel

    return mapmodel.direct_q(engine)


def test_map_periods_come_from_both_geographies_in_one_query(read_engine):
    """Before 1/7/2025 the demo's figures are on the districts, after it on the communes; one query
    (``queries.figure_periods``) finds both, and each period says where its figures are."""
    from qh_data.maps import availability

    indicator = _sum_indicator(read_engine)
    avail = availability.unit_periods(_q(read_engine), indicator=indicator, province="20")
    assert {"2015", "2020", "2025", "2025-H2", "2026-H1"} <= set(avail["actual"])
    assert {"2025", "2026-H2", "2026"} <= set(avail["estimate"]) and {"2025", "2030"} <= set(avail["target"])
    levels = avail.levels
    assert levels[("actual", "2020")] == levels[("actual", "2025")] == levels[("target", "2025")] == ["district"]
    assert levels[("actual", "2025-H2")] == levels[("estimate", "2026")] == levels[("target", "2030")] == ["commune"]
    assert availability.all_levels(avail) == ["district", "commune"]
    # the district periods are those of the districts' own series, read one by one
    by_series = set()
    for d in queries.districts(read_engine, province="20"):
        s = queries.indicator_series(read_engine, indicator=indicator, unit_code=d["code"])
        by_series |= {(r["period"], r["kind"]) for r in s if r["value"] is not None}
    assert by_series == {(p, k) for (k, p), lv in levels.items() if "district" in lv}
    # a real 2030 target left on a district that ended on 30/6/2025 makes no district map of 2030
    real = availability.unit_periods(_q(read_engine), indicator="poor_district_exit_year", province="20")
    assert "2030" not in real["target"]


def test_the_map_opens_on_the_units_in_force(read_engine):
    """Today the default period of every view is on the communes; as of 30/7/2020 on the districts."""
    from qh_data.maps import availability

    indicator = _sum_indicator(read_engine)
    avail = availability.unit_periods(_q(read_engine), indicator=indicator, province="20")
    assert availability.default_period(avail, "actual") == "2026-H1"
    assert availability.default_period(avail, "estimate") == "2026"
    assert availability.default_period(avail, "progress") == "2026"
    change = availability.default_period(avail, "change")
    assert change == "2026-H2" and availability.change_partners(avail, change, "commune") == ["2026-H1", "2025-H2"]
    assert availability.change_partners(avail, "2026", "commune") == []  # 2025 is on the districts
    assert availability.figure_levels(avail, "actual", "2025") == ["district"]
    old = availability.unit_periods(_q(read_engine), indicator=indicator, province="20",
                                    as_of=dt.date(2020, 7, 30))
    assert old["actual"][-1] == "2019" and old.levels[("actual", "2019")] == ["district"]
    assert availability.default_period(old, "actual") == "2019"


@pytest.mark.parametrize("province, units, with_values", [("20", 65, 65), ("19", 92, 55)])
def test_the_default_map_draws_the_communes(read_engine, province, units, with_values):
    """Lạng Sơn as its 65 communes, Thái Nguyên as its 92 (Bắc Kạn's territory included, its communes
    without figures); the province figure's basis names the communes; as of 30/7/2020 the districts."""
    from test_map_offline import decoded

    from dashboard.fmt import WORDS
    from qh_data.maps import draw, figures
    from qh_data.maps import model as mapmodel

    indicator = _sum_indicator(read_engine)
    q = _q(read_engine)
    req = mapmodel.presentation_request(q, indicator, province, None, "vi")
    m = mapmodel.build_model(q, mapmodel.Request(indicator, province, "2026-H1", "actual"), WORDS)
    assert (m.level, m.n_units, m.n_values) == ("commune", units, with_values)
    assert figures.province_method_text(m, WORDS) == (
        f"Số toàn tỉnh là tổng của {with_values}/{units} xã, phường có số liệu.")
    doc = decoded(draw.map_document(q, m, WORDS, labels_on=False))
    assert len(draw.boundaries_for(q, province, [r["code"] for r in m.rows], WORDS, "commune")["features"]) == units
    assert "sapnhap.bando.com.vn" in doc and "Xếp thứ 1/" in doc and "xã, phường" in doc
    assert mapmodel.build_model(q, req, WORDS).level == "commune"
    old = mapmodel.presentation_request(q, indicator, province, dt.datetime(2020, 7, 30, 23, 59), "vi")
    then = mapmodel.build_model(q, old, WORDS)
    assert (old.period, then.level, then.n_units) == ("2019", "district", {"20": 11, "19": 9}[province])


def test_the_year_2025_names_both_boundary_sources(read_engine):
    from test_map_offline import decoded

    from dashboard.fmt import WORDS
    from qh_data.maps import draw
    from qh_data.maps import model as mapmodel

    indicator = _sum_indicator(read_engine)
    q = _q(read_engine)
    m = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2025", "actual"), WORDS)
    assert (m.level, m.levels, m.n_values) == ("district", ["district", "commune"], 11)
    doc = decoded(draw.map_document(q, m, WORDS, labels_on=False))
    assert "Ranh giới huyện" in doc and "sapnhap.bando.com.vn" in doc
    on_communes = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2025", "actual", level="commune"), WORDS)
    assert (on_communes.level, on_communes.n_units, on_communes.n_values) == ("commune", 65, 0)
    assert maps.boundaries.attribution(["district", "commune"]) == " · ".join(
        (maps.boundaries.BOUNDARY_ATTRIBUTION, maps.boundaries.COMMUNE_ATTRIBUTION))


def test_a_population_weighted_mean_on_the_communes_is_their_plain_mean(read_engine):
    """No population of the new communes is published: the province figure of a mean_pop indicator on
    them is their plain mean, and says so (on the districts it stays weighted by population)."""
    with read_session(read_engine) as s:
        indicator = s.scalar(select(Indicator.code).where(Indicator.aggregation == "mean_pop")
                             .order_by(Indicator.code))
    rows = queries.indicator_values(read_engine, indicator=indicator, period="2026-H1", kind="actual",
                                    level="commune", province="20")
    fig = queries.indicator_values(read_engine, indicator=indicator, period="2026-H1", kind="actual",
                                   level="province", province="20").to_frame().iloc[0]
    values = [r["value"] for r in rows]
    assert (fig["method"], fig["unit_level"], fig["districts_contributing"]) == ("mean", "commune", 65)
    assert fig["value"] == pytest.approx(sum(values) / len(values))
    old = queries.indicator_values(read_engine, indicator=indicator, period="2020", kind="actual",
                                   level="province", province="20").to_frame().iloc[0]
    assert old["method"] == "mean_pop"
