"""The synthetic scale store (`qh demo synth`): deterministic, labelled synthetic, counts as promised.

Only ``--scale small`` runs here (a few thousand figures); the national store is made and timed by
bench/bench.py. No timings are asserted.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from qh_data import queries, synth
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
)

TODAY = dt.date(2026, 12, 1)


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
    assert promised["provinces"] == 3 and promised["indicators"] == 12
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level == "province") == promised["provinces"]
    assert _count(engine, AdminUnitVersion, AdminUnitVersion.level == "district") == promised["districts"]
    assert _count(engine, Indicator) == promised["indicators"]
    assert _count(engine, IndicatorValue, IndicatorValue.superseded_at.is_(None)) == promised["values_current"]
    assert _count(engine, IndicatorValue) == counts["values"] == promised["values_current"] + counts["revisions"]
    assert counts["revisions"] > 0
    assert _count(engine, IndicatorValue, IndicatorValue.superseded_at.is_not(None)) == counts["revisions"]
    assert _count(engine, Task) == promised["tasks"]
    assert _count(engine, TaskUpdate) == counts["task_updates"] > 0
    assert _count(engine, Issue) == promised["issues"]
    assert _count(engine, Meeting) == promised["meetings"]
    # every province has its committee: departments and one People's Committee per district
    for p in queries.provinces(engine):
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
