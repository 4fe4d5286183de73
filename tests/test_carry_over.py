"""Carrying figures across the 2025 break (issue 14, point 4): on a store holding the reform, a 2020/2024
figure of an additive indicator shown on the communes in force today. Expectations are computed from
the in-memory lineage (``qh_data.units.lineage``), not from the query under test. SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from qh_data import queries
from qh_data.db import read_session, session_scope
from qh_data.models import AdminUnitVersion, Indicator, IndicatorValue
from qh_data.permissions import SYSTEM, Actor
from qh_data.queries.carry import NotCarried
from qh_data.services.values import NewFigure, write_revisions
from qh_data.units import lineage, store

DPI = Actor(user_id=None, username="dpi", role="dpi_editor")
NOW = dt.datetime(2026, 12, 6, 9, 0)
TODAY = dt.date(2026, 12, 6)
REFORM = lineage.reference()


@pytest.fixture
def reform(demo_engine):
    with session_scope(demo_engine) as s:
        store.load(s, REFORM, SYSTEM, source="test")
    return demo_engine


def _indicator(engine, aggregation: str) -> str:
    with read_session(engine) as s:
        return s.scalar(select(Indicator.code).where(Indicator.aggregation == aggregation).order_by(Indicator.code))


def _district_figures(engine, indicator: str, period: str) -> dict[str, float]:
    with read_session(engine) as s:
        rows = s.execute(select(AdminUnitVersion.code, IndicatorValue.value)
                         .join(IndicatorValue, IndicatorValue.unit_id == AdminUnitVersion.id)
                         .where(IndicatorValue.indicator_code == indicator, IndicatorValue.period == period,
                                IndicatorValue.kind == "actual", IndicatorValue.superseded_at.is_(None),
                                AdminUnitVersion.level == "district")).all()
    return {code: float(value) for code, value in rows}


def _communes(province: str):
    return [u for u in REFORM.units_of(province, TODAY) if u.level == "commune"]


def test_a_rate_or_an_average_is_not_carried_and_says_why(reform):
    rate = _indicator(reform, "mean_pop")
    with pytest.raises(NotCarried) as refused:
        queries.carried_values(reform, indicator=rate, period="2020", province="20", onto=TODAY)
    assert "không cộng được" in refused.value.message_vi and "not additive" in refused.value.message_en


def test_district_figures_go_onto_the_communes_inside_each_district_and_spanning_ones_are_not_guessed(reform):
    indicator = _indicator(reform, "sum")
    lang_son = {u.code for u in REFORM.units if u.level == "district" and u.parent.code == "20"}
    period = "2020"
    figures = _district_figures(reform, indicator, period)
    assert lang_son <= set(figures), "the demo has a 2020 figure for each of Lạng Sơn's 11 districts"
    rows = {r["code"]: r for r in queries.carried_values(reform, indicator=indicator, period=period,
                                                         province="20", onto=TODAY)}
    communes = _communes("20")
    assert len(rows) == len(communes) == 65
    spanning = {u.code for u in REFORM.spanning_communes("20")}
    assert len(spanning) == 4
    for unit in communes:
        row = rows[unit.code]
        if unit.code in spanning:
            assert (row["basis"], row["value"]) == ("not_comparable", None), unit
            continue
        (district,) = REFORM.former_districts(unit)
        share = min(1.0, unit.area_km2 / district.area_km2)
        assert row["basis"] == "estimate" and row["value"] == pytest.approx(figures[district.code] * share), unit
        assert row["came_from"] == district.name
    result = queries.carried_values(reform, indicator=indicator, period=period, province="20", onto=TODAY)
    assert result.attrs == {"exact": 0, "estimate": 61, "not_comparable": 4, "no_data": 0}


def test_old_commune_figures_are_exact_for_whole_links_and_not_guessed_for_a_split(reform):
    indicator = _indicator(reform, "sum")
    communes = _communes("20")
    whole = next(u for u in communes if u.code == "05977")  # Phường Đông Kinh: four old communes, all whole
    split = next(u for u in communes if any(x.relation == "part" for x in REFORM.predecessors(u, "commune")))
    olds = {x.old.code: x for u in (whole, split) for x in REFORM.predecessors(u, "commune")}
    values = {code: float(10 * (i + 1)) for i, code in enumerate(sorted(olds))}
    with session_scope(reform) as s:
        write_revisions(s, DPI, [NewFigure(indicator, code, "2024", "actual", v) for code, v in values.items()],
                        now=NOW, source="test")
    rows = {r["code"]: r for r in queries.carried_values(reform, indicator=indicator, period="2024",
                                                         province="20", onto=TODAY)}
    expected = sum(values[x.old.code] for x in REFORM.predecessors(whole, "commune"))
    assert (rows["05977"]["basis"], rows["05977"]["value"]) == ("exact", pytest.approx(expected))
    assert (rows[split.code]["basis"], rows[split.code]["value"]) == ("not_comparable", None)
    # the 2024 figures were on the old 05977 (Phường Vĩnh Trại); nothing landed on today's Đông Kinh itself
    today = queries.indicator_values(reform, indicator=indicator, period="2026", level="commune", province="20")
    assert {r["code"]: r["value"] for r in today}["05977"] is None


def test_bac_kan_communes_of_thai_nguyen_have_no_data_rather_than_a_guess(reform):
    indicator = _indicator(reform, "sum")
    period = "2020"
    rows = queries.carried_values(reform, indicator=indicator, period=period, province="19", onto=TODAY)
    assert len(rows) == 92
    bac_kan = {u.code for u in _communes("19")
               if any(d.parent.code == "06" for d in REFORM.former_districts(u))}  # lay in Bắc Kạn province
    assert bac_kan, "Thái Nguyên's communes today include Bắc Kạn's"
    for row in rows:
        if row["code"] in bac_kan:
            assert row["value"] is None and row["basis"] in ("no_data", "not_comparable"), row


def test_on_a_day_before_the_break_there_are_no_communes_to_carry_onto(reform):
    indicator = _indicator(reform, "sum")
    assert len(queries.carried_values(reform, indicator=indicator, period="2020", province="20",
                                      onto=dt.date(2025, 6, 30))) == 0


# --- on the map: a 2020 map drawn on today's communes ----------------------------------------------

def test_the_map_draws_a_district_year_on_todays_communes_and_says_how(demo_engine):
    """The demo holds the reform: 2020 is on Lạng Sơn's 11 districts; carried, on its 65 communes, each
    commune's tooltip saying how its figure was made, the note counting each basis."""
    from test_map_offline import decoded

    from dashboard.fmt import WORDS
    from qh_data.maps import draw, figures
    from qh_data.maps import model as mapmodel

    indicator = _indicator(demo_engine, "sum")
    q = mapmodel.direct_q(demo_engine)
    plain_map = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2020", "actual"), WORDS)
    assert (plain_map.level, plain_map.n_units) == ("district", 11)
    carried = mapmodel.build_model(q, mapmodel.Request(indicator, "20", "2020", "actual", carry_onto=TODAY), WORDS)
    assert (carried.level, carried.levels, carried.n_units, carried.n_values) == ("commune", ["commune"], 65, 61)
    want = {r["code"]: r for r in queries.carried_values(demo_engine, indicator=indicator, period="2020",
                                                         province="20", onto=TODAY)}
    for row in carried.rows:
        assert row["value"] == (None if want[row["code"]]["value"] is None else pytest.approx(want[row["code"]]["value"]))
    assert any("61 ước tính theo tỷ lệ diện tích, 4 không so sánh được" in n for n in carried.notes)
    assert carried.province["value"] == pytest.approx(plain_map.province["value"])  # the province's own total
    assert figures.province_method_text(carried, WORDS) == "Số toàn tỉnh là tổng của 11/11 huyện, thành phố có số liệu."
    doc = decoded(draw.map_document(q, carried, WORDS, labels_on=False))
    assert "Phường Đông Kinh" in doc and "Không so sánh được: địa bàn gồm phần của" in doc
    # a rate is not carried: the map stays on the districts whatever the request says
    rate = _indicator(demo_engine, "mean_pop")
    stays = mapmodel.build_model(q, mapmodel.Request(rate, "20", "2020", "actual", carry_onto=TODAY), WORDS)
    assert stays.level == "district"


def test_the_map_page_offers_the_switch_and_keeps_it_in_the_link(sqlite_demo_url, monkeypatch):
    from apptest_helpers import open_page

    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "none")
    from qh_data.db import make_engine

    indicator = _indicator(make_engine(sqlite_demo_url), "sum")
    at = open_page("map.py", {"ind": indicator, "per": "2020", "view": "actual", "carry": "1"})
    assert not at.exception and not at.error, [e.value for e in at.exception]
    switch = next(w for w in at.toggle if w.label == "Chuyển sang xã, phường hiện nay")
    assert switch.value is True and at.query_params.get("carry") == "1"
    assert any("sang 65 xã, phường hiện nay" in str(c.value) for c in [*at.caption, *at.markdown, *at.info])
    switch.set_value(False).run()
    assert not at.query_params.get("carry") and not at.exception
    rate = _indicator(make_engine(sqlite_demo_url), "mean_pop")
    at = open_page("map.py", {"ind": rate, "per": "2020", "view": "actual"})
    off = next(w for w in at.toggle if w.label == "Chuyển sang xã, phường hiện nay")
    assert off.disabled and "không cộng được" in off.help
