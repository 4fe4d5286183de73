"""The reference plans into the store (issue 15 point 3, ``plans.store.load_reference``): the approved plans, Thái
Nguyên's adjustment passed by the People's Council and awaiting approval, its target with its source; loading again
changes nothing; admin only; one audit entry. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from qh_data.db import session_scope
from qh_data.errors import PermissionDenied
from qh_data.models import AuditEntry, IndicatorValue, PlanVersion
from qh_data.permissions import SYSTEM, Actor
from qh_data.plans import store


@pytest.fixture
def before_reform(engine):
    """The demo as it stood before the 2025 reform was loaded (districts only, no Bắc Kạn province, the
    2030 targets on the districts): the world the plans of 2023-2024 were drawn on."""
    from qh_data import demo

    demo.seed(engine, quiet=True, reform=False)
    return engine


def _load(engine, actor=SYSTEM):
    with session_scope(engine) as s:
        return store.load_reference(s, actor)


def _plans(engine) -> dict[str | None, PlanVersion]:
    with session_scope(engine) as s:
        rows = s.scalars(select(PlanVersion)).all()
        s.expunge_all()
    return {p.decision_number or f"HĐND {p.council_passed_on:%d/%m/%Y}": p for p in rows}


def test_the_reference_plans_and_the_adjustment_awaiting_approval(before_reform):
    report = _load(before_reform)
    plans = _plans(before_reform)
    assert set(plans) == {"QĐ 236/QĐ-TTg", "QĐ 222/QĐ-TTg", "HĐND 04/02/2026"}
    # Bắc Kạn's province is not in this store: its plan is reported, not invented onto another unit
    assert any("QĐ 1288/QĐ-TTg" in s for s in report.skipped)
    # the growth target of 2026-2030 has no indicator of that period: said in the plan's note, not a figure
    adjusted, original = plans["HĐND 04/02/2026"], plans["QĐ 222/QĐ-TTg"]
    assert adjusted.status == "passed_awaiting_approval" and adjusted.adjusts_id == original.id
    assert adjusted.decision_number is None and adjusted.council_passed_on == dt.date(2026, 2, 4)
    assert "vietnamplus.vn" in adjusted.source and "10,5 %/năm" in adjusted.note
    assert original.status == "being_adjusted" and original.decision_date == dt.date(2023, 3, 14)
    assert plans["QĐ 236/QĐ-TTg"].status == "in_force"
    with session_scope(before_reform) as s:
        targets = s.scalars(select(IndicatorValue).where(IndicatorValue.plan_version_id == adjusted.id)).all()
        assert [(t.indicator_code, t.period, t.kind, t.value, t.is_demo, t.admin_unit_code) for t in targets] == [
            ("grdp_per_capita", "2030", "target", 220.0, False, "19")]
        assert "vietnamplus.vn" in targets[0].source
        # the demo's targets of the two provinces all belong to their approved plans
        assert s.scalar(select(func.count()).where(IndicatorValue.kind == "target",
                                                    IndicatorValue.plan_version_id.is_(None))) == 0
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "plans.load")).one()
        assert '"targets_added": 1' in entry.after


def test_loading_again_changes_nothing(before_reform):
    first = _load(before_reform)
    assert first.changed and first.plans_added == 3 and first.targets_added == 1
    second = _load(before_reform)
    assert not second.changed
    with session_scope(before_reform) as s:
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 3
        assert s.scalar(select(func.count()).where(AuditEntry.action == "plans.load")) == 1
        assert s.scalar(select(func.count()).where(IndicatorValue.source == store.ADJUSTMENT_SOURCE)) == 1


def test_only_an_admin_loads_the_plans(demo_engine):
    editor = Actor(user_id=None, username="dpi", role="dpi_editor", agency_code="LS-STC")
    with pytest.raises(PermissionDenied):
        _load(demo_engine, editor)
    assert _plans(demo_engine) == {}


def test_after_the_2025_reform_each_plan_is_on_the_province_of_its_day(demo_engine):
    """With the units of 1/7/2025 loaded (Thái Nguyên 19 takes in Bắc Kạn 06): QĐ 222/QĐ-TTg and QĐ 1288/QĐ-TTg on
    the provinces of before, the adjustment and its target on the Thái Nguyên of 2026; both plans of 19 read as
    one province's, and the approved one stays in force."""
    from qh_data import queries
    from qh_data.units import lineage
    from qh_data.units import store as unit_store

    with session_scope(demo_engine) as s:
        unit_store.load(s, lineage.reference(), SYSTEM, source="reform")
    report = _load(demo_engine)
    assert report.skipped == [] and report.plans_added == 4
    with session_scope(demo_engine) as s:
        on = {p.decision_number or "adjustment": (p.province_unit.code, p.province_unit.valid_from,
                                                  p.province_unit.valid_to) for p in s.scalars(select(PlanVersion))}
        target = s.scalars(select(IndicatorValue).where(IndicatorValue.source == store.ADJUSTMENT_SOURCE)).one()
        target_on = (target.unit.code, target.unit.valid_from)
    assert on["QĐ 222/QĐ-TTg"] == ("19", None, dt.date(2025, 6, 30))
    assert on["QĐ 1288/QĐ-TTg"] == ("06", None, dt.date(2025, 6, 30))
    assert on["QĐ 236/QĐ-TTg"][0] == "20"
    assert on["adjustment"] == ("19", dt.date(2025, 7, 1), None) and target_on == ("19", dt.date(2025, 7, 1))
    assert [p["status"] for p in queries.plans_of(demo_engine, "19")] == ["being_adjusted", "passed_awaiting_approval"]
    assert queries.plan_in_force(demo_engine, "19", dt.date(2026, 6, 1))["decision_number"] == "QĐ 222/QĐ-TTg"
    rows = queries.targets_by_plan(demo_engine, indicator="grdp_per_capita", province="19")
    assert [(r["decision_number"], r["value"]) for r in rows] == [("QĐ 222/QĐ-TTg", 8900.0), (None, 220.0)]


def test_a_new_figure_never_supersedes_the_adjustments_target_and_a_plans_target_stays_the_plans(before_reform):
    """services.values: a target entered for Thái Nguyên's 2030 GRDP per capita while the adjustment awaits
    approval leaves the adjustment's 220 in place (a revision above it); a new revision of one of QĐ 222's
    targets stays QĐ 222's."""
    from qh_data.services import values

    _load(before_reform)
    adjusted_id = _plans(before_reform)["HĐND 04/02/2026"].id
    original_id = _plans(before_reform)["QĐ 222/QĐ-TTg"].id
    row = values.submit_value(before_reform, SYSTEM, indicator="grdp_per_capita", unit_code="19", period="2030",
                              kind="target", value=200, source="thử nghiệm")
    assert row["revision"] == 2 and row["plan_version_id"] is None
    revised = values.submit_value(before_reform, SYSTEM, indicator="grdp_per_capita_usd", unit_code="19",
                                  period="2030", kind="target", value=9000, source="thử nghiệm")
    assert revised["revision"] == 2 and revised["plan_version_id"] == original_id
    with session_scope(before_reform) as s:
        kept = s.scalars(select(IndicatorValue).where(IndicatorValue.plan_version_id == adjusted_id)).one()
        assert kept.value == 220.0 and kept.superseded_at is None
        usd = s.scalars(select(IndicatorValue).where(IndicatorValue.indicator_code == "grdp_per_capita_usd",
                                                     IndicatorValue.period == "2030",
                                                     IndicatorValue.kind == "target")).all()
        assert sorted((v.value, v.superseded_at is None) for v in usd) == [(8900.0, False), (9000.0, True)]
