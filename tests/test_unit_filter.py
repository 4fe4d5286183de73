"""The unit filter of the as-of day, old links to abolished districts and territory changes (issue 14,
points 5 and 3), in the data layer, on a store holding the 2025 reform. SQLite and PostgreSQL.

The answers are held to the in-memory model of the same files (``units.lineage.reference()``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from qh_data import queries
from qh_data.collation import sort_key
from qh_data.db import session_scope
from qh_data.models import Indicator
from qh_data.permissions import SYSTEM
from qh_data.services import issues as issue_svc
from qh_data.services.values import NewFigure, write_revisions
from qh_data.units import lineage, store, territory

TODAY = dt.date(2026, 12, 6)
BEFORE = dt.date(2025, 6, 30)
REFORM = dt.date(2025, 7, 1)


def load_reform(engine) -> dict:
    """The demo with the 2025 reform loaded, one issue of Lạng Sơn about a commune of today, and 2026 figures
    of a summed indicator on Thái Nguyên's 92 communes (so its province series has a year after the change)."""
    with session_scope(engine) as s:
        store.load(s, lineage.reference(), SYSTEM, source="test")
        indicator = s.scalar(select(Indicator.code).where(Indicator.aggregation == "sum").order_by(Indicator.code))
    agency = queries.agencies(engine, "20")[0]["code"]
    issue = issue_svc.raise_issue(engine, SYSTEM, province="20", title="Vướng mắc về giải phóng mặt bằng",
                                  raised_by=agency, admin_units=["05977"], raised_on=TODAY)
    communes = [u["code"] for u in queries.units.units_of(engine, "19", TODAY)]
    with session_scope(engine) as s:
        write_revisions(s, SYSTEM, [NewFigure(indicator, c, "2026", "actual", 1.0) for c in communes],
                        now=dt.datetime(2026, 12, 6, 9), source="test")
    return {"issue": issue.code, "indicator": indicator}


@pytest.fixture
def reform(backend, read_store):
    return read_store(backend, "reform with a commune issue", build=load_reform)


def test_the_filter_lists_districts_before_the_reform_and_communes_after(reform):
    engine, _ = reform
    ref = lineage.reference()
    today = queries.filter_units(engine, "20", TODAY)
    assert {u["level"] for u in today} == {"commune"} and len(today) == 65
    assert {u["code"] for u in today} == {u.code for u in ref.units_of("20", TODAY) if u.level == "commune"}
    assert [u["name"] for u in today] == sorted((u["name"] for u in today), key=sort_key)  # by name
    assert next(u["name"] for u in today if u["code"] == "05977") == "Phường Đông Kinh"
    before = queries.filter_units(engine, "20", BEFORE)
    assert {u["level"] for u in before} == {"district"} and len(before) == 11
    assert [u["code"] for u in before] == sorted(u["code"] for u in before)
    assert len(queries.filter_units(engine, "19", TODAY)) == 92  # Bắc Kạn's territory included
    assert len(queries.filter_units(engine, "19", BEFORE)) == 9
    assert queries.filter_units(engine, "06", TODAY) == []  # Bắc Kạn names no province today


def test_an_abolished_district_is_named_with_its_successor_communes(reform):
    engine, _ = reform
    ref = lineage.reference()
    gone = queries.units.abolished(engine, "20", ["178", "180", "999", "05977"], TODAY)
    assert [g["code"] for g in gone] == ["178", "180"]  # 999 never existed, 05977 is a commune of today
    cao = gone[0]
    assert (cao["name"], cao["level"], cao["valid_to"], cao["ended_on"]) == (
        "Thành phố Lạng Sơn", "district", BEFORE, REFORM)
    expected = {x.new.code for x in ref.successors(ref.unit_on("district", "178", BEFORE))}
    assert {u["code"] for u in cao["successors"]} == expected
    assert "Phường Đông Kinh" in {u["name"] for u in cao["successors"]}
    assert all(u["level"] == "commune" for u in cao["successors"])
    # on a day when the districts existed, nothing is abolished
    assert queries.units.abolished(engine, "20", ["178", "180"], BEFORE) == []
    # a Bắc Kạn district, asked of Thái Nguyên today (whose territory it is now)
    bac_kan = queries.units.abolished(engine, "19", ["058"], TODAY)
    assert [g["name"] for g in bac_kan] == ["Thành phố Bắc Kạn"]
    assert {u["code"] for u in bac_kan[0]["successors"]} == {
        x.new.code for x in ref.successors(ref.unit_on("district", "058", BEFORE))}
    # a district of another province is not this province's
    assert queries.units.abolished(engine, "20", ["058"], TODAY) == []


def test_the_registers_filter_by_commune_codes(reform):
    engine, built = reform
    issues = queries.open_issues(engine, "20", districts=["05977"], as_of=TODAY)
    assert [r["code"] for r in issues] == [built["issue"]]
    assert issues[0]["unit_codes"] == "05977"
    assert len(queries.open_issues(engine, "20", districts=["06187"], as_of=TODAY)) == 0
    assert queries.issue_counts(engine, "20", districts=["05977"], as_of=TODAY)["open_total"] == 1
    tasks = queries.list_tasks(engine, "20", districts=["05977"], as_of=TODAY)
    assert all("05977" in r["unit_codes"].split(", ") for r in tasks)
    assert queries.task_totals(engine, "20", districts=["05977"], as_of=TODAY)["total"] == len(tasks)


def test_a_province_that_took_in_another_has_a_territory_change(reform):
    engine, _ = reform
    (change,) = queries.units.territory_changes(engine, "province", "19")
    assert change["on"] == REFORM
    assert change["merged"] == ["Tỉnh Bắc Kạn"]
    assert {p["code"] for p in change["previous"]} == {"19", "06"}
    assert "202/2025/QH15" in change["legal_basis"]
    # Lạng Sơn kept its territory: one version, no change
    assert queries.units.territory_changes(engine, "province", "20") == []
    # a commune that took in others (05977: Vĩnh Trại, Đông Kinh, Mai Pha, Yên Trạch) changed too;
    # one that went on unchanged (05719 Xã Sảng Mộc) did not
    (commune,) = queries.units.territory_changes(engine, "commune", "05977")
    assert commune["on"] == REFORM and "Xã Mai Pha" in commune["merged"]
    assert queries.units.territory_changes(engine, "commune", "05719") == []


def test_a_store_without_the_reform_has_no_change_and_no_abolished_unit(backend, read_store):
    from qh_data import demo

    engine, _ = read_store(backend, "demo without the 2025 reform",
                           lambda e: demo.seed(e, quiet=True, reform=False), seeded=False)
    assert queries.units.territory_changes(engine, "province", "19") == []
    assert queries.units.abolished(engine, "20", ["178"], TODAY) == []
    districts = queries.filter_units(engine, "20", TODAY)
    assert {u["level"] for u in districts} == {"district"} and "178" in {u["code"] for u in districts}


def test_a_period_is_on_the_side_of_the_change_its_first_day_is_on():
    assert [territory.segment(p, [REFORM]) for p in ("2020", "2025", "2025-H1", "2025-H2", "2026")] == [
        0, 0, 0, 1, 1]
    assert territory.segment("2030", []) == 0
    assert territory.segment("2027", [REFORM, dt.date(2027, 1, 1)]) == 2
    assert 2025.49 < territory.year_position(REFORM) < 2025.5


def _records(years_values: list[tuple[str, str, float]]) -> list[dict]:
    return [{"period": p, "period_type": "year", "year": int(p), "kind": k, "kind_word": k, "value": v,
             "period_label": p, "value_text": str(v)} for p, k, v in years_values]


def test_the_trend_chart_marks_the_break_and_does_not_join_the_two_sides():
    from dashboard import charts

    recs = _records([("2023", "actual", 1.0), ("2024", "actual", 2.0), ("2025", "actual", 3.0),
                     ("2026", "actual", 9.0), ("2027", "estimate", 10.0), ("2030", "target", 12.0)])
    spec = charts.trend_chart(recs, "vi", breaks=[REFORM]).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["line", "point", "rule", "text"]
    assert spec["layer"][0]["encoding"]["detail"]["field"] == "segment"  # one line per side
    data = {name: rows for name, rows in spec["datasets"].items()}
    series = next(rows for rows in data.values() if rows and "period" in rows[0])
    assert {r["year"]: r["segment"] for r in series} == {2023: 0, 2024: 0, 2025: 0, 2026: 1, 2027: 1, 2030: 1}
    rule = next(rows for rows in data.values() if rows and "label" in rows[0])
    assert rule == [{"x": pytest.approx(territory.year_position(REFORM)), "label": "Địa bàn thay đổi từ 01/07/2025"}]
    # without a change: one segment, no rule
    plain = charts.trend_chart(recs, "en").to_dict()
    assert len(plain["layer"]) == 2
    assert {r["segment"] for rows in plain["datasets"].values() for r in rows} == {0}
