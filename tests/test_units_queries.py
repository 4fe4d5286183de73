"""The store answers unit questions as the in-memory lineage does, on the 2025 reform (SQLite, PostgreSQL):
the unit a code meant on a day, the units of a province on a day, successors, predecessors, and the
province scope of a register."""

from __future__ import annotations

import datetime as dt

import pytest

from qh_data import queries
from qh_data.db import session_scope
from qh_data.permissions import SYSTEM
from qh_data.queries import units as unit_queries
from qh_data.units import lineage, store

REFORM = lineage.reference()
DAYS = (dt.date(2020, 7, 30), dt.date(2025, 6, 30), dt.date(2025, 7, 1), dt.date(2026, 12, 6))


@pytest.fixture
def reform_engine(demo_engine):
    with session_scope(demo_engine) as s:
        store.load(s, REFORM, SYSTEM, source="test")
    return demo_engine


def _key(row) -> tuple:
    return row["level"], row["code"], row["valid_from"]


def test_unit_on_and_units_of_agree_with_the_lineage(reform_engine):
    for day in DAYS:
        for province in ("06", "19", "20"):
            expected = [u.key for u in REFORM.units_of(province, day)]
            got = [_key(r) for r in unit_queries.units_of(reform_engine, province, day)]
            assert sorted(got, key=str) == sorted(expected, key=str), (province, day)
    assert len(unit_queries.units_of(reform_engine, "20", dt.date(2026, 12, 6))) == 65
    assert len(unit_queries.units_of(reform_engine, "19", dt.date(2026, 12, 6))) == 92
    assert [r["level"] for r in unit_queries.units_of(reform_engine, "20", dt.date(2020, 7, 30))].count(
        "district") == 11
    assert unit_queries.units_of(reform_engine, "06", dt.date(2025, 7, 1)) == []
    for code in ("05977", "05467", "06109"):
        for day in DAYS:
            want = REFORM.unit_on("commune", code, day)
            got = unit_queries.unit_on(reform_engine, "commune", code, day)
            assert (None if got is None else (_key(got), got["name"])) == (
                None if want is None else (want.key, want.name)), (code, day)
    assert unit_queries.unit_on(reform_engine, "commune", "05977", dt.date(2025, 6, 30))["name"] == "Phường Vĩnh Trại"
    assert unit_queries.unit_on(reform_engine, "commune", "05977", dt.date(2025, 7, 1))["name"] == "Phường Đông Kinh"


def test_successors_and_predecessors_agree_with_the_lineage(reform_engine):
    for want in REFORM.units:
        row = unit_queries.unit_on(reform_engine, want.level, want.code, want.valid_from or dt.date(2000, 1, 1))
        assert row is not None and _key(row) == want.key
        got_next = [(_key(r), r["relation"], r["effective_on"]) for r in unit_queries.successors(reform_engine, row["id"])]
        assert got_next == [(x.new.key, x.relation, x.effective) for x in REFORM.successors(want)], want
        got_prev = [(_key(r), r["relation"]) for r in unit_queries.predecessors(reform_engine, row["id"], "district")]
        assert got_prev == [(x.old.key, x.relation) for x in REFORM.predecessors(want, level="district")], want


def test_a_register_of_thai_nguyen_today_answers_for_bac_kan_too(reform_engine):
    with queries.read_connection(reform_engine) as c:
        today = unit_queries.province_scope(c, "19", dt.date(2026, 12, 6))
        before = unit_queries.province_scope(c, "19", dt.date(2025, 6, 30))
        lang_son = unit_queries.province_scope(c, "20", dt.date(2026, 12, 6))
        bac_kan_now = unit_queries.province_scope(c, "06", dt.date(2026, 12, 6))
    old_19 = unit_queries.unit_on(reform_engine, "province", "19", dt.date(2025, 6, 30))["id"]
    new_19 = unit_queries.unit_on(reform_engine, "province", "19", dt.date(2025, 7, 1))["id"]
    bac_kan = unit_queries.unit_on(reform_engine, "province", "06", dt.date(2025, 6, 30))["id"]
    assert sorted(today) == sorted([new_19, old_19, bac_kan]) and today[0] == new_19
    assert before == [old_19]
    assert len(lang_son) == 1 and bac_kan_now == []
