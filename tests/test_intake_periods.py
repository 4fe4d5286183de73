"""Intake follows the period being collected (issue 14 point 6), on a store holding the 2025 reform, SQLite
and PostgreSQL: a template lists the units in force in each slot's period (Lạng Sơn's 11 districts for
2024, its 65 communes for 2026), named as they were then; an import row whose code meant another unit in
its period, or no unit, is refused naming the code, the period and the unit the code meant, and nothing is
written; the reused code 05977 lands on Phường Vĩnh Trại in 2024 and on Phường Đông Kinh in 2026.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from qh_data import intake, queries
from qh_data.db import read_session, session_scope
from qh_data.errors import QHError, ValidationFailed
from qh_data.intake.template import template_rows
from qh_data.models import AdminUnitVersion, IndicatorValue
from qh_data.permissions import SYSTEM
from qh_data.services import values as value_svc
from qh_data.units import lineage, store
from tests.intake_helpers import COL, actor, checksum, data_rows, edit

S = "Số liệu"
AGENCY = "LS-SCT"
DAY_2026 = dt.date(2026, 12, 6)
DISTRICTS_2020 = {"178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189"}


@pytest.fixture
def reform(demo_engine):
    with session_scope(demo_engine) as s:
        store.load(s, lineage.reference(), SYSTEM, source="test")
    return demo_engine


def _communes_2026(engine) -> dict[str, str]:
    return {u["code"]: u["name"] for u in queries.units.units_of(engine, "20", DAY_2026) if u["level"] == "commune"}


def _figures_on(engine, indicator: str, period: str) -> list[tuple]:
    v, u = IndicatorValue, AdminUnitVersion
    with read_session(engine) as s:
        return list(s.execute(select(u.code, u.name, u.level, u.valid_from, u.valid_to, v.value)
                              .join(u, u.id == v.unit_id)
                              .where(v.indicator_code == indicator, v.period == period, v.superseded_at.is_(None),
                                     v.source.is_(None) | (v.source != "demo"), v.is_demo.is_(False))))


def test_a_template_lists_the_units_of_its_period(reform):
    communes = _communes_2026(reform)
    assert len(communes) == 65
    meta, rows = template_rows(reform, agency=AGENCY, slots=[("2026", "estimate")])
    assert {r["unit_code"] for r in rows} == set(communes) and not DISTRICTS_2020 & {r["unit_code"] for r in rows}
    assert {r["unit_code"]: r["unit_name"] for r in rows}["05977"] == "Phường Đông Kinh"
    assert meta["levels"] == "commune" and meta["province"] == "20"
    meta, rows = template_rows(reform, agency=AGENCY, slots=[("2024", "actual")])
    assert {r["unit_code"] for r in rows} == DISTRICTS_2020 and meta["levels"] == "district"
    assert {r["unit_code"]: r["unit_name"] for r in rows}["178"] == "Thành phố Lạng Sơn"
    # the year 2025 straddles the break: on the districts its figures are on, or the communes when asked
    assert {r["unit_code"] for r in template_rows(reform, agency=AGENCY, slots=[("2025", "estimate")])[1]} \
        == DISTRICTS_2020
    assert {r["unit_code"] for r in template_rows(reform, agency=AGENCY, slots=[("2025", "estimate")],
                                                  geography="commune")[1]} == set(communes)
    # slots on different geographies: each slot's rows on its own units
    meta, rows = template_rows(reform, agency=AGENCY, slots=[("2024", "actual"), ("2026", "estimate")])
    by_period = {p: {r["unit_code"] for r in rows if r["period"] == p} for p in ("2024", "2026")}
    assert by_period == {"2024": DISTRICTS_2020, "2026": set(communes)}
    assert meta["levels"] == "commune,district"


def test_a_unit_template_is_on_the_unit_of_its_period(reform):
    meta, rows = template_rows(reform, unit="05977", slots=[("2026", "estimate")])
    assert meta["scope"] == "unit" and meta["scope_name"] == "Phường Đông Kinh" and meta["province"] == "20"
    assert rows and {(r["unit_code"], r["unit_name"]) for r in rows} == {("05977", "Phường Đông Kinh")}
    meta, rows = template_rows(reform, unit="178", slots=[("2024", "actual")])
    assert {(r["unit_code"], r["unit_name"]) for r in rows} == {("178", "Thành phố Lạng Sơn")}
    with pytest.raises(ValidationFailed) as err:
        template_rows(reform, unit="178", slots=[("2026", "estimate")])
    assert "178" in err.value.message_vi and "2026" in err.value.message_vi
    assert "Thành phố Lạng Sơn (đến 30/06/2025)" in err.value.message_vi
    assert "Thành phố Lạng Sơn (until 30/06/2025)" in err.value.message_en
    with pytest.raises(QHError):  # 05977 named two communes in 2025
        template_rows(reform, unit="05977", slots=[("2025", "estimate")])


def _row_of(ws, unit_code: str, indicator: str | None = None) -> int:
    return next(r for r, cells in data_rows(ws) if cells["unit_code"].value == unit_code
                and (indicator is None or cells["indicator_code"].value == indicator))


def test_rows_on_units_that_did_not_exist_then_are_refused_and_nothing_is_written(reform):
    dpi = actor(reform, "dpi")
    tpl = intake.values_template(reform, agency=AGENCY, slots=[("2026", "estimate")])
    where = {}
    fine = next(c for c in sorted(_communes_2026(reform)) if c != "05977")

    def change(wb):
        ws = wb[S]
        r = _row_of(ws, "05977")  # an abolished district's code in 2026
        ws.cell(r, COL["unit_code"]).value, ws.cell(r, COL["unit_name"]).value = "178", "Thành phố Lạng Sơn"
        ws.cell(r, COL["value"]).value = 5
        where["district"] = r
        ws.cell(_row_of(ws, fine), COL["value"]).value = 7  # a commune of 2026: fine

    before = checksum(reform)
    plan = intake.dry_run(reform, dpi, edit(tpl.data, change), "ky-sai.xlsx")
    assert [(p.code, p.sheet, p.row, p.column) for p in plan.errors] == [("unit_not_then", S, where["district"], "D")]
    district = plan.errors[0]
    assert "178" in district.message_vi and "2026" in district.message_vi
    assert "Thành phố Lạng Sơn (đến 30/06/2025)" in district.message_vi
    assert "Thành phố Lạng Sơn (until 30/06/2025)" in district.message_en and "2026" in district.message_en
    with pytest.raises(QHError):
        intake.commit(reform, dpi, plan)
    assert checksum(reform) == before

    # 01843 is Thái Nguyên's Phường Bắc Kạn from 1/7/2025; in 2024 the code named no unit of Thái Nguyên
    # (it was Bắc Kạn province's Phường Phùng Chí Kiên)
    tpl = intake.values_template(reform, unit="01843", slots=[("2026", "estimate")])

    def to_2024(wb):
        ws = wb[S]
        r = _row_of(ws, "01843")
        ws.cell(r, COL["period"]).value, ws.cell(r, COL["kind"]).value = "2024", "Thực hiện"
        ws.cell(r, COL["value"]).value = 6
        where["commune"] = r

    plan = intake.dry_run(reform, dpi, edit(tpl.data, to_2024), "ky-sai-2.xlsx")
    assert [(p.code, p.row, p.column) for p in plan.errors] == [("unit_not_then", where["commune"], "D")]
    commune = plan.errors[0]
    assert "01843" in commune.message_vi and "2024" in commune.message_vi
    assert "Phường Bắc Kạn (từ 01/07/2025)" in commune.message_vi
    assert "Phường Bắc Kạn (from 01/07/2025)" in commune.message_en and "2024" in commune.message_en
    with pytest.raises(QHError):
        intake.commit(reform, dpi, plan)
    assert checksum(reform) == before
    # the write door itself says the same
    with pytest.raises(ValidationFailed) as err:
        value_svc.submit_value(reform, dpi, indicator=plan.rows[0].indicator if plan.rows else "grdp",
                               unit_code="178", period="2026", kind="estimate", value="5")
    assert "Thành phố Lạng Sơn (đến 30/06/2025)" in err.value.message_vi and checksum(reform) == before


def test_the_reused_code_05977_lands_on_the_unit_of_its_period(reform):
    dpi = actor(reform, "dpi")
    tpl = intake.values_template(reform, agency=AGENCY, slots=[("2026", "estimate")])
    picked = {}

    def change(wb):
        ws = wb[S]
        r = _row_of(ws, "05977")
        picked["indicator"] = ws.cell(r, COL["indicator_code"]).value
        ws.cell(r, COL["value"]).value = 11
        # the same code and name for 2024: Phường Đông Kinh did not exist, 05977 was Phường Vĩnh Trại
        r = next(r for r, cells in data_rows(ws) if cells["unit_code"].value == "05977"
                 and cells["indicator_code"].value != picked["indicator"])
        picked["other"] = ws.cell(r, COL["indicator_code"]).value
        picked["row"] = r
        ws.cell(r, COL["period"]).value = "2024"
        ws.cell(r, COL["kind"]).value = "Thực hiện"
        ws.cell(r, COL["value"]).value = 12

    before = checksum(reform)
    plan = intake.dry_run(reform, dpi, edit(tpl.data, change), "05977.xlsx")
    assert [(p.code, p.row, p.column) for p in plan.errors] == [("unit_not_then", picked["row"], "E")]
    message = plan.errors[0]
    assert message.message_vi == ("Mã 05977 trong kỳ 2024 là Phường Vĩnh Trại (đến 30/06/2025), không phải "
                                  "Phường Đông Kinh.")
    assert message.message_en == ("Code 05977 in period 2024 is Phường Vĩnh Trại (until 30/06/2025), not "
                                  "Phường Đông Kinh.")
    assert checksum(reform) == before

    def named_right(wb):
        change(wb)
        wb[S].cell(picked["row"], COL["unit_name"]).value = "Phường Vĩnh Trại"

    plan = intake.dry_run(reform, dpi, edit(tpl.data, named_right), "05977.xlsx")
    assert plan.errors == [], [(p.code, p.message_en) for p in plan.errors]
    assert {(r.unit_code, r.period, r.unit_name) for r in plan.rows} == {
        ("05977", "2026", "Phường Đông Kinh"), ("05977", "2024", "Phường Vĩnh Trại")}
    assert intake.commit(reform, dpi, plan)["written"] == 2
    (now,) = [f for f in _figures_on(reform, picked["indicator"], "2026") if f.code == "05977"]
    assert (now.name, now.level, now.valid_from, now.value) == ("Phường Đông Kinh", "commune",
                                                                dt.date(2025, 7, 1), 11.0)
    (then,) = [f for f in _figures_on(reform, picked["other"], "2024") if f.code == "05977"]
    assert (then.name, then.level, then.valid_to, then.value) == ("Phường Vĩnh Trại", "commune",
                                                                  dt.date(2025, 6, 30), 12.0)


def test_unit_choices_follow_the_periods(reform):
    communes = _communes_2026(reform)
    assert {u["code"] for u in intake.unit_choices(reform, "20", ["2026"])} == set(communes)
    assert {u["code"]: u["name"] for u in intake.unit_choices(reform, "20", ["2026-H1", "2026"])}["05977"] \
        == "Phường Đông Kinh"
    assert {u["code"] for u in intake.unit_choices(reform, "20", ["2024"])} == DISTRICTS_2020
    assert intake.unit_choices(reform, "20", ["2024", "2026"]) == []  # no unit on both sides of the break
    per_period = intake.slot_units(reform, "20", ["2024", "2026-H2"])
    assert (len(per_period["2024"]), len(per_period["2026-H2"])) == (11, 65)


@pytest.fixture
def page_store(sqlite_demo_url, monkeypatch):
    from qh_data.db import make_engine
    from qh_data.services import users as user_service
    from tests.test_intake_page import PASSWORD

    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    engine = make_engine(sqlite_demo_url)
    with session_scope(engine) as s:
        store.load(s, lineage.reference(), SYSTEM, source="test")
    user_service.create_user(engine, SYSTEM, username="qa.dpi", display_name="Thử Sở KH&ĐT", role="dpi_editor",
                             agency_code="LS-SKHDT", password=PASSWORD, email="qa.dpi@example.gov.vn")
    yield engine
    engine.dispose()


def test_the_page_offers_the_units_of_the_chosen_period(page_store):
    from tests.test_intake_page import clean, signed_in, tr

    at = signed_in()
    at.multiselect(key="intake_slots").set_value(["2026|estimate"]).run()
    at.radio(key="intake_scope").set_value("unit").run()
    clean(at)
    picker = at.selectbox(key="intake_tpl_district")
    assert picker.label == tr("intake.pick_commune") and set(picker.options) >= {"Phường Đông Kinh"}
    assert len(picker.options) == 65 and "Thành phố Lạng Sơn" not in picker.options
    at.multiselect(key="intake_slots").set_value(["2024|actual"]).run()
    picker = at.selectbox(key="intake_tpl_district")
    assert picker.label == tr("intake.pick_district") and len(picker.options) == 11
    assert "Thành phố Lạng Sơn" in picker.options
    picker.select("178").run()
    clean(at)
    assert any(tr("intake.download_values") == getattr(b, "label", None) for b in at.get("download_button"))
    at.multiselect(key="intake_slots").set_value(["2024|actual", "2026|estimate"]).run()
    clean(at)
    assert tr("intake.no_units_for_periods") in [i.value for i in at.info]
    assert "intake_tpl_district" not in {w.key for w in at.selectbox}
