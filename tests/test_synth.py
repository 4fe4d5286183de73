"""The synthetic scale store (`qh demo synth`): deterministic, labelled synthetic, counts as promised.

``--scale small`` (a few thousand figures) and ``--scale national-lite`` (every unit of the national
store, before and after 1/7/2025, with one indicator: ~10 s to build per backend) run here; the national
store itself is made and timed by bench/bench.py. No timings are asserted.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qh_data import config, queries, synth
from qh_data.errors import QHError
from qh_data.models import (
    AdminUnitVersion,
    Agency,
    AuditEntry,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    UnitLineage,
    task_admin_unit,
)
from qh_data.units import store as unit_store

TODAY = dt.date(2026, 12, 1)
BEFORE, AFTER = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
V = AdminUnitVersion
# the periods of the figures on each level: districts before 1/7/2025 (the year 2025 overlaps them),
# communes from 2025-H2
DISTRICT_PERIODS = {str(y) for y in range(2015, 2026)} | {"2024-H1", "2024-H2", "2025-H1"}
COMMUNE_PERIODS = {"2025-H2", "2026-H1", "2026-H2", "2026", "2030"}
# NQ 202/2025/QH15: old province -> the province that took it whole (the 11 others kept their territory)
MERGED_2025 = {
    "02": "08", "06": "19", "08": "08", "10": "15", "15": "15", "17": "25", "19": "19", "24": "24", "25": "25",
    "26": "25", "27": "24", "30": "31", "31": "31", "33": "33", "34": "33", "35": "37", "36": "37", "37": "37",
    "44": "44", "45": "44", "48": "48", "49": "48", "51": "51", "52": "52", "54": "66", "56": "56", "58": "56",
    "60": "68", "62": "51", "64": "52", "66": "66", "67": "68", "68": "68", "70": "75", "72": "80", "74": "79",
    "75": "75", "77": "79", "79": "79", "80": "80", "82": "82", "83": "86", "84": "86", "86": "86", "87": "82",
    "89": "91", "91": "91", "92": "92", "93": "92", "94": "92", "95": "96", "96": "96"}


def _count(engine, model, *where) -> int:
    with engine.connect() as c:
        return c.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def synthed(backend, read_store):
    """The small synthetic store, made once per session and backend and shared read-only:
    (engine, synth's report)."""
    return read_store(backend, f"synth small on {TODAY}",
                      lambda e: synth.synth(e, scale="small", today=TODAY), seeded=False)


def test_small_synth_is_deterministic(synthed, backend, new_engine):
    engine, first = synthed
    other = new_engine(backend)
    second = synth.synth(other, scale="small", today=TODAY)
    assert first["counts"] == second["counts"]
    assert synth.content_checksum(engine) == synth.content_checksum(other)


def test_small_synth_counts_match_the_scale(synthed):
    engine, report = synthed
    promised = synth.expected_counts("small")
    counts = report["counts"]
    for key, value in promised.items():
        assert counts[key] == value, key
    assert promised["provinces"] == 2 and promised["provinces_before"] == 3 and promised["indicators"] == 12
    assert promised["communes"] == 65 + 92
    # Lạng Sơn keeps one version; Bắc Kạn and the old Thái Nguyên end, the new Thái Nguyên starts
    assert _count(engine, V, V.level == "province") == 4
    assert _count(engine, V, V.level == "district") == promised["districts"]
    assert _count(engine, V, V.level == "commune") == promised["communes"]
    assert _count(engine, Indicator) == promised["indicators"]
    assert _count(engine, IndicatorValue, IndicatorValue.superseded_at.is_(None)) == promised["values_current"]
    assert _count(engine, IndicatorValue) == counts["values"] == promised["values_current"] + counts["revisions"]
    assert counts["revisions"] > 0
    assert _count(engine, IndicatorValue, IndicatorValue.superseded_at.is_not(None)) == counts["revisions"]
    assert _count(engine, Task) == promised["tasks"]
    assert _count(engine, TaskUpdate) == counts["task_updates"] > 0
    assert _count(engine, Issue) == promised["issues"]
    assert _count(engine, Meeting) == promised["meetings"]
    # every province has its committee: departments and one People's Committee per former district
    for p in queries.provinces(engine, TODAY):
        ds = queries.districts(engine, p["code"])
        ags = queries.agencies(engine, p["code"])
        assert ds and {d["code"] for d in ds} <= {a["admin_unit_code"] for a in ags if a["kind"] == "ubnd_huyen"}
        assert any(a["role"] == "SKHDT" for a in ags)


def test_small_synth_is_labelled_synthetic(synthed):
    engine, _ = synthed
    assert _count(engine, IndicatorValue, IndicatorValue.is_demo.is_(False)) == 0
    assert _count(engine, IndicatorValue, IndicatorValue.source != synth.SYNTH_SOURCE) == 0
    assert _count(engine, Indicator, Indicator.is_demo.is_(False)) == 0
    for model in (Task, Issue, Meeting):
        assert _count(engine, model, model.is_demo.is_(False)) == 0
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level != "country", AdminUnitVersion.is_synthetic.is_(False)) == 0
    assert _count(engine, Agency, Agency.is_synthetic.is_(False)) == 0
    assert _count(engine, AuditEntry, AuditEntry.action == "demo.synth") == 1


def test_small_synth_reads_through_the_queries(engine):
    """The generated store answers the pages' queries: roll-ups, task counts, the next meeting."""
    synth.synth(engine, scale="small", today=TODAY)
    ov = queries.indicator_overview(engine, "20", as_of=TODAY).to_frame()
    assert len(ov) == 12 and ov["is_demo"].all() and ov["target_2030"].notna().all()
    fig = queries.indicator_values(engine, indicator="budget_revenue", period="2025", kind="actual",
                                   level="province", province="20").to_frame()
    assert fig.loc[0, "basis"] == "districts" and fig.loc[0, "districts_contributing"] == 11
    totals = queries.task_totals(engine, "20", as_of=TODAY)
    assert totals["all"] == _count(engine, Task, Task.province_code == "20") > 0
    assert queries.upcoming_meeting(engine, "20", TODAY) is not None
    # new rows get fresh ids after the generated ones (sequences moved on PostgreSQL)
    from qh_data.db import session_scope

    with session_scope(engine) as s:
        province = s.scalars(select(AdminUnitVersion).where(AdminUnitVersion.level == "province",
                                                            AdminUnitVersion.code == "20")).one()
        m = Meeting(province_unit=province, held_on=TODAY, title="Họp thêm", status="planned", is_demo=True)
        s.add(m)
        s.flush()
        assert m.id > synth.expected_counts("small")["meetings"]


def test_synth_refuses_a_store_with_data(engine):
    synth.synth(engine, scale="small", today=TODAY)
    with pytest.raises(QHError):
        synth.synth(engine, scale="small", today=TODAY)


def _codes(path: str) -> set[str]:
    with open(config.DATA_DIR / "geo" / path, encoding="utf-8") as fh:
        return {f["properties"]["code"] for f in json.load(fh)["features"]}


def _periods_by_level(engine) -> dict[str, set[str]]:
    stmt = (select(V.level, IndicatorValue.period).join(V, V.id == IndicatorValue.unit_id)
            .group_by(V.level, IndicatorValue.period))
    out: dict[str, set[str]] = {}
    with engine.connect() as c:
        for level, period in c.execute(stmt):
            out.setdefault(level, set()).add(period)
    return out


def test_small_synth_units_follow_the_2025_reform(synthed):
    """Districts until 30/6/2025, communes from 1/7/2025 (Lạng Sơn's 65, Thái Nguyên's 92 with Bắc Kạn's
    territory), each figure on the version in force in its period."""
    engine, _ = synthed
    assert {p["code"] for p in queries.provinces(engine, BEFORE)} == {"06", "19", "20"}
    assert {p["code"] for p in queries.provinces(engine, AFTER)} == {"19", "20"}
    for code, districts, communes, file in (("20", 11, 65, "lang_son_communes_2025.geojson"),
                                            ("19", 9, 92, "thai_nguyen_communes_2025.geojson")):
        now = queries.units.units_of(engine, code, TODAY)
        assert {u["level"] for u in now} == {"commune"} and len(now) == communes
        assert {u["code"] for u in now} == _codes(file)
        then = queries.units.units_of(engine, code, BEFORE)
        assert {u["level"] for u in then} == {"district"} and len(then) == districts
    # province 19 is two units; Bắc Kạn went whole into the second, Lạng Sơn is one version
    nineteen = queries.units.unit_on(engine, "province", "19", AFTER)
    assert nineteen["id"] != queries.units.unit_on(engine, "province", "19", BEFORE)["id"]
    bac_kan = queries.units.unit_on(engine, "province", "06", BEFORE)
    assert [(s["id"], s["relation"]) for s in queries.units.successors(engine, bac_kan["id"])] == [
        (nineteen["id"], "whole")]
    assert queries.units.unit_on(engine, "province", "06", AFTER) is None
    assert (queries.units.unit_on(engine, "province", "20", BEFORE)["id"]
            == queries.units.unit_on(engine, "province", "20", TODAY)["id"])
    periods = _periods_by_level(engine)
    assert periods["district"] == DISTRICT_PERIODS and periods["commune"] == COMMUNE_PERIODS
    with engine.connect() as c:
        assert unit_store.problems(c) == []
        assert unit_store.figures_outside(c) == (0, [])
    # the province figure of 2026 rolls up from the communes, 2024's from the districts
    for period, kind, basis, n in (("2026", "estimate", "commune", 65), ("2024", "actual", "district", 11)):
        fig = queries.indicator_values(engine, indicator="budget_revenue", period=period, kind=kind,
                                       level="province", province="20").to_frame()
        assert set(fig["unit_level"]) == {basis} and set(fig["districts_contributing"]) == {n}


@pytest.fixture
def national(backend, read_store):
    """The national-lite store (every unit of the national store, one indicator), made once per backend."""
    return read_store(backend, f"synth national-lite on {TODAY}",
                      lambda e: synth.synth(e, scale="national-lite", today=TODAY), seeded=False)


def test_national_synth_is_the_country_before_and_after_the_reform(national):
    engine, report = national
    promised = synth.expected_counts("national-lite")
    assert report["counts"]["values_current"] == promised["values_current"]
    assert (promised["provinces"], promised["communes"], promised["provinces_before"], promised["districts"]) == (
        34, 3321, 63, 706)

    def in_force(level, day):
        return _count(engine, V, V.level == level, V.valid_from.is_(None) | (V.valid_from <= day),
                      V.valid_to.is_(None) | (V.valid_to >= day))

    assert (in_force("province", TODAY), in_force("commune", TODAY), in_force("district", TODAY)) == (34, 3321, 0)
    assert (in_force("province", BEFORE), in_force("commune", BEFORE), in_force("district", BEFORE)) == (63, 0, 706)
    assert len(queries.provinces(engine, TODAY)) == 34 and len(queries.provinces(engine, BEFORE)) == 63
    assert _count(engine, V, V.level == "district", V.valid_to != BEFORE) == 0
    assert _count(engine, V, V.level == "commune", V.valid_from != AFTER) == 0
    assert {u["code"] for u in queries.units.units_of(engine, "20", TODAY)} == _codes("lang_son_communes_2025.geojson")
    assert {u["code"] for u in queries.units.units_of(engine, "19", TODAY)} == _codes(
        "thai_nguyen_communes_2025.geojson")
    # 11 provinces kept their territory (one version); the other 52 went whole into 23 new ones
    assert _count(engine, V, V.level == "province", V.valid_from.is_(None), V.valid_to.is_(None)) == 11
    assert _count(engine, UnitLineage) == 52
    old, new = aliased(V), aliased(V)
    with engine.connect() as c:
        merged = dict(c.execute(select(old.code, new.code).join(UnitLineage, UnitLineage.old_unit_id == old.id)
                                .join(new, new.id == UnitLineage.new_unit_id)).all())
    assert merged == MERGED_2025
    # figures only on versions in force in their period; tasks after the reform name communes, not districts
    periods = _periods_by_level(engine)
    assert periods["district"] == DISTRICT_PERIODS and periods["commune"] == COMMUNE_PERIODS
    with engine.connect() as c:
        assert unit_store.problems(c) == []
        assert unit_store.figures_outside(c) == (0, [])
        late = c.execute(select(V.level).join(task_admin_unit, task_admin_unit.c.unit_id == V.id)
                         .join(Task, Task.id == task_admin_unit.c.task_id).where(Task.assigned_on >= AFTER)
                         .distinct()).scalars().all()
        early = c.execute(select(V.level).join(task_admin_unit, task_admin_unit.c.unit_id == V.id)
                          .join(Task, Task.id == task_admin_unit.c.task_id).where(Task.assigned_on < AFTER)
                          .distinct()).scalars().all()
    assert set(late) == {"commune"} and set(early) == {"district"}
