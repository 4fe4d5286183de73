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


def _load(engine, actor=SYSTEM):
    with session_scope(engine) as s:
        return store.load_reference(s, actor)


def _plans(engine) -> dict[str | None, PlanVersion]:
    with session_scope(engine) as s:
        rows = s.scalars(select(PlanVersion)).all()
        s.expunge_all()
    return {p.decision_number or f"HĐND {p.council_passed_on:%d/%m/%Y}": p for p in rows}


def test_the_reference_plans_and_the_adjustment_awaiting_approval(demo_engine):
    report = _load(demo_engine)
    plans = _plans(demo_engine)
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
    with session_scope(demo_engine) as s:
        targets = s.scalars(select(IndicatorValue).where(IndicatorValue.plan_version_id == adjusted.id)).all()
        assert [(t.indicator_code, t.period, t.kind, t.value, t.is_demo, t.admin_unit_code) for t in targets] == [
            ("grdp_per_capita", "2030", "target", 220.0, False, "19")]
        assert "vietnamplus.vn" in targets[0].source
        # the demo's targets of the two provinces all belong to their approved plans
        assert s.scalar(select(func.count()).where(IndicatorValue.kind == "target",
                                                    IndicatorValue.plan_version_id.is_(None))) == 0
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "plans.load")).one()
        assert '"targets_added": 1' in entry.after


def test_loading_again_changes_nothing(demo_engine):
    first = _load(demo_engine)
    assert first.changed and first.plans_added == 3 and first.targets_added == 1
    second = _load(demo_engine)
    assert not second.changed
    with session_scope(demo_engine) as s:
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 3
        assert s.scalar(select(func.count()).where(AuditEntry.action == "plans.load")) == 1
        assert s.scalar(select(func.count()).where(IndicatorValue.source == store.ADJUSTMENT_SOURCE)) == 1


def test_only_an_admin_loads_the_plans(demo_engine):
    editor = Actor(user_id=None, username="dpi", role="dpi_editor", agency_code="LS-STC")
    with pytest.raises(PermissionDenied):
        _load(demo_engine, editor)
    assert _plans(demo_engine) == {}
