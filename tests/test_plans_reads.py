"""Plans as versions, the reads (issue 15 point 3): the plan in force on a day (the approved plan stays in force
while its adjustment awaits the Prime Minister), the targets of each plan side by side, and status against the
targets of the plan in force on an as-of day, before and after an adjustment is approved (a test world: the
approval is made up here, in the test only). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from qh_data import queries
from qh_data.db import session_scope
from qh_data.models import PlanVersion
from qh_data.permissions import SYSTEM
from qh_data.plans import store

HDND = dt.date(2026, 2, 4)
TEST_APPROVAL = dt.date(2026, 3, 1)  # made up for the test world only: no approval is known


def _loaded(engine):
    with session_scope(engine) as s:
        store.load_reference(s, SYSTEM)


def _before_reform_loaded(engine) -> None:
    """The demo as it stood before the 2025 reform was loaded (the 2030 targets on the districts, stamped
    2021), then the plans."""
    from qh_data import demo

    demo.seed(engine, quiet=True, reform=False)
    _loaded(engine)


@pytest.fixture
def before_reform(engine):
    _before_reform_loaded(engine)
    return engine


@pytest.fixture
def loaded(read_store, backend):
    engine, _ = read_store(backend, "plans before the reform", build=_before_reform_loaded, seeded=False)
    return engine


def _grdp_pc(engine, as_of=None):
    ov = queries.indicator_overview(engine, "19", as_of=as_of)
    return next(r for r in ov if r["code"] == "grdp_per_capita")


def test_the_approved_plan_stays_in_force_while_the_adjustment_awaits_approval(loaded):
    assert queries.plan_in_force(loaded, "19", dt.date(2023, 3, 13)) is None  # before QĐ 222/QĐ-TTg
    for day in (dt.date(2023, 3, 14), HDND - dt.timedelta(days=1), HDND, HDND + dt.timedelta(days=1),
                dt.date(2026, 12, 7)):
        assert queries.plan_in_force(loaded, "19", day)["decision_number"] == "QĐ 222/QĐ-TTg", day
    assert queries.plan_in_force(loaded, "20", dt.date(2026, 12, 7))["decision_number"] == "QĐ 236/QĐ-TTg"
    plans = queries.plans_of(loaded, "19")
    assert [(p["decision_number"], p["status"]) for p in plans] == [
        ("QĐ 222/QĐ-TTg", "being_adjusted"), (None, "passed_awaiting_approval")]
    assert plans[1]["label_vi"] == "bản điều chỉnh HĐND tỉnh thông qua ngày 04/02/2026 (chờ Thủ tướng phê duyệt)"


def test_the_original_and_the_adjusted_2030_target_side_by_side_with_their_sources(loaded):
    rows = queries.targets_by_plan(loaded, indicator="grdp_per_capita", province="19", day=dt.date(2026, 12, 7))
    assert [(r["label_vi"], r["indicator_code"], r["value"], r["unit"], r["in_force"], r["is_demo"])
            for r in rows] == [
        ("QĐ 222/QĐ-TTg", "grdp_per_capita_usd", 8900.0, "USD/người", True, False),
        ("bản điều chỉnh HĐND tỉnh thông qua ngày 04/02/2026 (chờ Thủ tướng phê duyệt)", "grdp_per_capita", 220.0,
         "triệu đồng/người", False, False)]
    assert "QĐ 222/QĐ-TTg ngày 14/3/2023" in rows[0]["source"]
    assert rows[1]["source"] == store.ADJUSTMENT_SOURCE and rows[1]["status"] == "passed_awaiting_approval"
    # Lạng Sơn has no adjustment: its one plan
    ls = queries.targets_by_plan(loaded, indicator="grdp_per_capita", province="20")
    assert [(r["decision_number"], r["value"]) for r in ls] == [("QĐ 236/QĐ-TTg", 150.0)]


def test_status_uses_the_approved_plan_while_the_adjustment_awaits_approval(loaded):
    for as_of in (None, HDND + dt.timedelta(days=30)):
        row = _grdp_pc(loaded, as_of)
        assert row["target_2030"] != 220.0 and row["plan_vi"] == "QĐ 222/QĐ-TTg"
        assert row["explanation_vi"].startswith("Mục tiêu theo QĐ 222/QĐ-TTg.")
        assert row["explanation_en"].startswith("Target as set by QĐ 222/QĐ-TTg.")


def test_status_follows_the_plan_in_force_on_the_as_of_day_once_an_adjustment_is_approved(before_reform):
    before_all = _grdp_pc(before_reform, TEST_APPROVAL - dt.timedelta(days=1))
    with session_scope(before_reform) as s:  # the test world: the adjustment approved on TEST_APPROVAL
        adjusted = s.scalars(select(PlanVersion).where(PlanVersion.status == "passed_awaiting_approval")).one()
        original = s.get(PlanVersion, adjusted.adjusts_id)
        adjusted.status, adjusted.valid_from = "in_force", TEST_APPROVAL
        original.status, original.valid_to = "superseded", TEST_APPROVAL - dt.timedelta(days=1)
    before = _grdp_pc(before_reform, TEST_APPROVAL - dt.timedelta(days=1))
    after = _grdp_pc(before_reform, TEST_APPROVAL)
    now = _grdp_pc(before_reform)
    assert before["target_2030"] == before_all["target_2030"] != 220.0
    assert before["plan_vi"] == "QĐ 222/QĐ-TTg" and before["explanation_vi"].startswith("Mục tiêu theo QĐ 222")
    assert after["target_2030"] == 220.0 == now["target_2030"]
    assert after["plan_vi"] == "bản điều chỉnh HĐND tỉnh thông qua ngày 04/02/2026"
    assert after["explanation_vi"].startswith("Mục tiêu theo bản điều chỉnh HĐND tỉnh thông qua ngày 04/02/2026.")
    assert after["progress_target_year"] == 2030
    assert (after["status"], after["ratio"]) != (before["status"], before["ratio"])
    assert queries.plan_in_force(before_reform, "19", TEST_APPROVAL)["id"] == adjusted.id
    assert queries.plan_in_force(before_reform, "19", TEST_APPROVAL - dt.timedelta(days=1))["id"] == original.id
    # the province series as of each side shows the 2030 target of the plan of that day
    series = {r["kind"]: r["value"] for r in queries.province_series(
        before_reform, indicator="grdp_per_capita", province="19", as_of=TEST_APPROVAL) if r["period"] == "2030"}
    assert series["target"] == 220.0


def test_the_meeting_pack_names_the_plan_and_the_adjustment_awaiting_approval(loaded):
    import io

    from docx import Document

    from qh_data.models import Meeting
    from qh_data.reports import build_meeting_pack, pack_data

    with loaded.connect() as c:
        ids = {code: c.execute(select(Meeting.id).where(Meeting.province_code == code).order_by(Meeting.id)).scalar()
               for code in ("19", "20")}
    tn = pack_data(loaded, ids["19"], as_of=HDND + dt.timedelta(days=10))
    assert tn.plan["decision_number"] == "QĐ 222/QĐ-TTg" and [p["council_passed_on"] for p in tn.plan["pending"]] \
        == [HDND]
    assert pack_data(loaded, ids["19"], as_of=HDND - dt.timedelta(days=1)).plan["pending"] == []
    doc = Document(io.BytesIO(build_meeting_pack(loaded, ids["19"], as_of=HDND + dt.timedelta(days=10),
                                                 with_images=False)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert ("Mục tiêu theo Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030 phê duyệt tại Quyết định số 222/QĐ-TTg "
            "ngày 14/3/2023 của Thủ tướng Chính phủ; điều chỉnh Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030, tầm "
            "nhìn 2050 đã được Hội đồng nhân dân tỉnh thông qua ngày 04/02/2026, đang chờ Thủ tướng Chính phủ phê "
            "duyệt.") in text
    ls = pack_data(loaded, ids["20"], as_of=HDND)
    assert ls.plan["decision_number"] == "QĐ 236/QĐ-TTg" and ls.plan["pending"] == []


def test_before_the_first_decision_no_plan_is_named(before_reform):
    from qh_data.permissions import Actor
    from qh_data.services.values import NewFigure, write_revisions

    with session_scope(before_reform) as s:  # a 2030 target sent in 2021, before QĐ 222 of 14/3/2023
        write_revisions(s, Actor(user_id=None, username="dpi", role="dpi_editor"),
                        [NewFigure("grdp_per_capita", "19", "2030", "target", 150.0)],
                        now=dt.datetime(2021, 3, 1, 9, 0), source="test")
    row = _grdp_pc(before_reform, dt.date(2023, 1, 10))
    assert row["target_2030"] is not None and row["plan_vi"] is None
    assert not row["explanation_vi"].startswith("Mục tiêu theo")


def test_the_meeting_packs_figures_leave_out_the_adjustment_awaiting_approval(loaded):
    from qh_data.queries import asof

    def targets(day):
        return {r["value"] for r in asof.indicator_values(loaded, province="19", day=day,
                                                          indicator_codes=["grdp_per_capita"])
                if r["kind"] == "target" and r["period"] == "2030" and r["admin_unit_code"] == "19"}

    assert targets(None) == set() and targets(dt.date(2026, 12, 7)) == set()
    assert 8900.0 in {r["value"] for r in asof.indicator_values(loaded, province="19", day=dt.date(2026, 12, 7),
                                                                 indicator_codes=["grdp_per_capita_usd"])}
