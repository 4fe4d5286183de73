"""Files that must be accepted, and what an import leaves in the store, on SQLite and PostgreSQL.

- every decimal style, thousands separators, spaces and no-break spaces, percent signs, numbers typed as
  numbers, a percent-formatted cell, a code typed as a number, names and kinds in decomposed Unicode (NFD);
- round trip: template → filled in here → dry run → confirm → a new revision per figure with submitter,
  file name, time and source, the previous one superseded at that moment; a second import of the same
  file changes nothing; the new figures are what the map/indicator queries show;
- an estimate later replaced by an actual keeps its history;
- all or nothing: a failure half-way, or a figure changed by someone else since the dry run, writes nothing;
- an agency editor imports its own agency's template, and only that;
- ``qh import`` (the CLI entry) with and without confirmation.
"""

from __future__ import annotations

import io
import unicodedata

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from qh_data import cli, clock, intake, queries
from qh_data.db import read_session
from qh_data.errors import StaleEdit
from qh_data.intake.common import META_SHEET
from qh_data.models import AuditEntry, IndicatorValue, User
from qh_data.services import values as value_service
from tests.intake_helpers import COL, actor, checksum, data_rows, edit, find_row

S = "Số liệu"
SLOTS = [("2025-H1", "actual"), ("2024-H2", "estimate"), ("2025", "estimate")]
DISTRICT = "180"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def current(engine, indicator, unit, period, kind):
    v = IndicatorValue
    with read_session(engine) as s:
        row = s.execute(select(v).where(v.indicator_code == indicator, v.admin_unit_code == unit,
                                        v.period == period, v.kind == kind, v.superseded_at.is_(None))).scalar_one()
        s.expunge(row)
        return row


def revisions(engine, indicator, unit, period, kind):
    v = IndicatorValue
    with read_session(engine) as s:
        return list(s.execute(select(v.revision, v.value, v.superseded_at, v.submitted_at, v.file_name)
                              .where(v.indicator_code == indicator, v.admin_unit_code == unit, v.period == period,
                                     v.kind == kind).order_by(v.revision)))


# (indicator, period, kind word, what is typed, value stored)
STYLES = [
    ("grdp_per_capita", "2025-H1", "Thực hiện", "1.234,5", 1234.5),
    ("grdp_per_capita", "2024-H2", "Ước thực hiện", "1,234.5", 1234.5),
    ("grdp_per_capita", "2025", "Ước thực hiện", "1234.5", 1234.5),
    ("budget_revenue", "2025-H1", "Thực hiện", "1234,5", 1234.5),
    ("budget_revenue", "2024-H2", "Ước thực hiện", "1\u00a0234,5", 1234.5),
    ("budget_revenue", "2025", "Ước thực hiện", " 2\u202f469 ", 2469.0),
    ("total_investment", "2025-H1", "Thực hiện", "1.234.567", 1234567.0),
    ("total_investment", "2024-H2", "Ước thực hiện", "1,234,567.25", 1234567.25),
    ("total_investment", "2025", "Ước thực hiện", "2 469 134,5", 2469134.5),
    ("poverty_rate", "2025-H1", "Thực hiện", "8,5 %", 8.5),
    ("poverty_rate", "2024-H2", "Ước thực hiện", "8.25%", 8.25),
    ("grdp_growth", "2025-H1", "Thực hiện", "−3,5", -3.5),
    ("grdp_growth", "2024-H2", "Ước thực hiện", "+6.75", 6.75),
    ("export_value", "2025-H1", "Thực hiện", 250, 250.0),
    ("export_value", "2024-H2", "Ước thực hiện", 12.75, 12.75),
    ("export_value", "2025", "Ước thực hiện", "1e3", 1000.0),
    ("retail_sales", "2025-H1", "Thực hiện", "0,5", 0.5),
]


def fill_styles(wb) -> None:
    ws = wb[S]
    for indicator, period, kind_word, typed, _ in STYLES:
        ws.cell(find_row(ws, indicator, period, kind_word), COL["value"]).value = typed
    # a percent-formatted cell (Excel keeps 0.653 and shows 65,3 %)
    r = find_row(ws, "trained_labour_share", "2025-H1", "Thực hiện")
    ws.cell(r, COL["value"]).value = 0.653
    ws.cell(r, COL["value"]).number_format = "0.0%"
    # the area code typed as a number, the period in lower case
    r = find_row(ws, "doctors_per_10k", "2025-H1", "Thực hiện")
    ws.cell(r, COL["unit_code"]).value = int(DISTRICT)
    ws.cell(r, COL["period"]).value = "2025-h1"
    ws.cell(r, COL["value"]).value = "9,5"
    # names, kinds and the sheet name in decomposed Unicode, as some Mac and web tools write them
    for _, cells in data_rows(ws):
        cells["indicator_name"].value = nfd(cells["indicator_name"].value)
        cells["unit_name"].value = nfd(cells["unit_name"].value)
        cells["kind"].value = nfd(cells["kind"].value)
    ws.title = nfd(S)


def test_every_decimal_style_and_nfd_names_are_understood(demo_engine):
    dpi = actor(demo_engine, "dpi")
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=SLOTS)
    data = edit(tpl.data, fill_styles)
    plan = intake.dry_run(demo_engine, dpi, data, "kieu-so.xlsx")
    assert plan.errors == [], [(p.code, p.cell, p.message_en) for p in plan.errors]
    assert not [p for p in plan.warnings if p.code == "name_mismatch"]  # NFD names read as their NFC form
    got = {(r.indicator, r.period, r.kind): r.value for r in plan.rows}
    kinds = {"Thực hiện": "actual", "Ước thực hiện": "estimate"}
    for indicator, period, kind_word, typed, expected in STYLES:
        assert got[(indicator, period, kinds[kind_word])] == pytest.approx(expected), (typed, expected)
    assert got[("trained_labour_share", "2025-H1", "actual")] == pytest.approx(65.3)
    assert got[("doctors_per_10k", "2025-H1", "actual")] == pytest.approx(9.5)
    result = intake.commit(demo_engine, dpi, plan)
    assert result["written"] == len(STYLES) + 2
    assert current(demo_engine, "total_investment", DISTRICT, "2024-H2", "estimate").value == 1234567.25
    assert current(demo_engine, "grdp_growth", DISTRICT, "2025-H1", "actual").value == -3.5


@pytest.mark.parametrize("style, typed, expected", [
    ("vi", "1.234", 1234.0),  # a Vietnamese file: the dot separates thousands
    ("en", "1.234", 1.234),  # an English file: the dot is the decimal mark
    ("vi", "1,234", 1.234),
    ("en", "1,234", 1234.0),
    (None, "1.234", 1234.0),  # nothing tells: the Vietnamese way, with a warning
])
def test_a_number_that_reads_two_ways_follows_the_rest_of_the_file(read_engine, style, typed, expected):
    def change(wb):
        ws = wb[S]
        ws.cell(find_row(ws, "budget_revenue", "2025-H1", "Thực hiện"), COL["value"]).value = typed
        if style:
            other = {"vi": "2.500,5", "en": "2,500.5"}[style]
            ws.cell(find_row(ws, "total_investment", "2025-H1", "Thực hiện"), COL["value"]).value = other

    tpl = intake.values_template(read_engine, district=DISTRICT, slots=SLOTS)
    plan = intake.dry_run(read_engine, actor(read_engine, "dpi"), edit(tpl.data, change), "mo-ho.xlsx")
    assert plan.ok
    (row,) = [r for r in plan.rows if r.indicator == "budget_revenue"]
    assert row.value == pytest.approx(expected)
    warned = [p for p in plan.warnings if p.code == "ambiguous_number"]
    assert len(warned) == 1 and warned[0].cell == f"I{row.row}" and warned[0].value == typed


def fill_all(wb) -> dict:
    """Every row: the current figure plus 2 % (capped by the indicator's bounds), or 10 where none."""
    ws = wb[S]
    wanted = {}
    for r, cells in data_rows(ws):
        cur = cells["current"].value
        value = round(min(cur * 1.02, 100.0) if cur is not None and cur > 0 else 10.0, 2)
        if cells["unit"].value != "%" and cur is not None and cur > 0:
            value = round(cur * 1.02, 2)
        if cur is not None and value == round(cur, 2):  # a share already at 100 %: a little less
            value = round(cur * 0.98, 2)
        cells["value"].value = value
        cells["note"].value = "Số liệu thử nghiệm"
        wanted[(cells["indicator_code"].value, str(cells["unit_code"].value), cells["period"].value,
                cells["kind"].value)] = value
    return wanted


def test_round_trip_template_to_revisions(demo_engine):
    dpi = actor(demo_engine, "dpi")
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=SLOTS, generated_by="dpi")
    wb = load_workbook(io.BytesIO(tpl.data))
    ws = wb[S]
    assert ws.protection.sheet is True
    assert wb[META_SHEET].sheet_state == "veryHidden"
    prefilled = {(c["indicator_code"].value, c["period"].value, c["kind"].value): c["current"].value
                 for _, c in data_rows(ws)}
    before_rev = current(demo_engine, "grdp_per_capita", DISTRICT, "2025", "estimate")
    assert prefilled[("grdp_per_capita", "2025", "Ước thực hiện")] == before_rev.value
    holder = {}
    data = edit(tpl.data, lambda w: holder.update(fill_all(w)))
    wanted = holder

    plan = intake.dry_run(demo_engine, dpi, data, "huyen-trang-dinh.xlsx")
    assert plan.ok, [(p.code, p.cell, p.message_en) for p in plan.errors]
    assert plan.counts["changed"] + plan.counts["new"] == len(wanted) == tpl.rows
    assert plan.counts["new"] == sum(1 for v in prefilled.values() if v is None)

    clock.freeze(clock.now().replace(microsecond=0))
    try:
        at = clock.now()
        seen: list[tuple[int, int, str]] = []
        result = intake.commit(demo_engine, dpi, plan, progress=lambda d, t, s: seen.append((d, t, s)))
    finally:
        clock.freeze(None)
    assert result["written"] == len(wanted)
    assert seen and seen[-1] == (len(wanted), len(wanted), "write")

    after = current(demo_engine, "grdp_per_capita", DISTRICT, "2025", "estimate")
    assert after.revision == before_rev.revision + 1
    assert after.value == wanted[("grdp_per_capita", DISTRICT, "2025", "Ước thực hiện")]
    assert after.submitted_by_id == dpi.user_id and after.file_name == "huyen-trang-dinh.xlsx"
    assert after.submitted_at == at and after.note == "Số liệu thử nghiệm" and after.is_demo is False
    assert after.source and "Tràng Định" in after.source
    chain = revisions(demo_engine, "grdp_per_capita", DISTRICT, "2025", "estimate")
    assert [r.revision for r in chain][-2:] == [before_rev.revision, before_rev.revision + 1]
    assert chain[-2].superseded_at == at and chain[-1].superseded_at is None
    with read_session(demo_engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "values.import")).one()
        assert entry.username == "dpi" and "huyen-trang-dinh.xlsx" in entry.after

    history = intake.revision_history(demo_engine, "grdp_per_capita", DISTRICT, "2025", "estimate")
    assert list(history["revision"])[:2] == [before_rev.revision + 1, before_rev.revision]
    assert history.iloc[0]["file_name"] == "huyen-trang-dinh.xlsx" and history.iloc[0]["submitted_by"] == "dpi"
    # what the map and indicator pages read
    shown = queries.indicator_values(demo_engine, indicator="grdp_per_capita", period="2025", kind="estimate",
                                     province="20").to_frame()
    assert shown.set_index("code").loc[DISTRICT, "value"] == after.value

    # the same file again: every row unchanged, nothing written
    again = intake.dry_run(demo_engine, dpi, data, "huyen-trang-dinh.xlsx")
    assert again.counts == {"new": 0, "changed": 0, "unchanged": len(wanted)}
    snapshot = checksum(demo_engine)
    assert intake.commit(demo_engine, dpi, again)["written"] == 0
    assert checksum(demo_engine) == snapshot


def test_an_estimate_replaced_by_an_actual_keeps_its_history(demo_engine):
    dpi = actor(demo_engine, "dpi")
    key = ("budget_revenue", DISTRICT, "2025-Q1")
    slots = [("2025-Q1", "estimate")]
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=slots)
    first = edit(tpl.data, lambda wb: setattr(wb[S].cell(find_row(wb[S], key[0], key[2], "Ước thực hiện"),
                                                          COL["value"]), "value", 40))
    intake.commit(demo_engine, dpi, intake.dry_run(demo_engine, dpi, first, "uoc-q1.xlsx"))
    revised = edit(tpl.data, lambda wb: setattr(wb[S].cell(find_row(wb[S], key[0], key[2], "Ước thực hiện"),
                                                            COL["value"]), "value", 42))
    intake.commit(demo_engine, dpi, intake.dry_run(demo_engine, dpi, revised, "uoc-q1-lan-2.xlsx"))
    # later the actual arrives in the same kind of template, the kind switched with the drop-down
    actual = edit(tpl.data, lambda wb: (
        setattr(wb[S].cell(find_row(wb[S], key[0], key[2], "Ước thực hiện"), COL["kind"]), "value", "Thực hiện"),
        setattr(wb[S].cell(find_row(wb[S], key[0], key[2], "Thực hiện"), COL["value"]), "value", 41)))
    plan = intake.dry_run(demo_engine, dpi, actual, "thuc-hien-q1.xlsx")
    assert [(r.kind, r.status) for r in plan.rows] == [("actual", "new")]
    intake.commit(demo_engine, dpi, plan)
    est = revisions(demo_engine, *key, "estimate")
    act = revisions(demo_engine, *key, "actual")
    assert [(r.revision, r.value, r.file_name) for r in est] == [(1, 40.0, "uoc-q1.xlsx"), (2, 42.0, "uoc-q1-lan-2.xlsx")]
    assert est[0].superseded_at is not None and est[1].superseded_at is None  # the estimate is kept, in force
    assert [(r.revision, r.value, r.file_name) for r in act] == [(1, 41.0, "thuc-hien-q1.xlsx")]


def test_a_failure_half_way_writes_nothing(demo_engine, monkeypatch):
    dpi = actor(demo_engine, "dpi")
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=SLOTS)
    plan = intake.dry_run(demo_engine, dpi, edit(tpl.data, fill_all), "nua-chung.xlsx")
    assert plan.ok and len(plan.to_write) > 20
    monkeypatch.setattr(value_service, "WRITE_BATCH", 10)
    before = checksum(demo_engine)

    def fail(done, total, stage):
        if done >= 20:
            raise RuntimeError("mất điện giữa chừng")

    with pytest.raises(RuntimeError):
        intake.commit(demo_engine, dpi, plan, progress=fail)
    assert checksum(demo_engine) == before


def test_a_figure_changed_since_the_dry_run_refuses_the_whole_file(demo_engine):
    dpi = actor(demo_engine, "dpi")
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=SLOTS)
    plan = intake.dry_run(demo_engine, dpi, edit(tpl.data, fill_all), "cham-chan.xlsx")
    row = plan.rows[5]
    other = actor(demo_engine, "admin")
    value_service.submit_value(demo_engine, other, indicator=row.indicator, unit_code=row.unit_code,
                               period=row.period, kind=row.kind, value=7, note="sửa tay")
    before = checksum(demo_engine)
    with pytest.raises(StaleEdit) as err:
        intake.commit(demo_engine, dpi, plan)
    assert "Quản trị hệ thống" in err.value.message_vi and row.indicator in err.value.message_en
    assert checksum(demo_engine) == before
    # checked again, the file shows the newer figure and goes through
    plan = intake.dry_run(demo_engine, dpi, edit(tpl.data, fill_all), "cham-chan.xlsx")
    again = next(r for r in plan.rows if (r.indicator, r.period, r.kind) == (row.indicator, row.period, row.kind))
    assert again.old_value == 7
    intake.commit(demo_engine, dpi, plan)


def test_an_agency_editor_imports_its_own_agencys_template_only(demo_engine):
    from qh_data.permissions import SYSTEM
    from qh_data.services import users as user_service

    user_service.create_user(demo_engine, SYSTEM, username="editor.sct", display_name="Cán bộ Sở Công Thương",
                             role="agency_editor", agency_code="LS-SCT", password="Cong-Thuong-Thu-1")
    sct = actor(demo_engine, "editor.sct")
    tpl = intake.values_template(demo_engine, agency="LS-SCT", slots=[("2025-H1", "actual")])
    wb = load_workbook(io.BytesIO(tpl.data))
    codes = {c["indicator_code"].value for _, c in data_rows(wb[S])}
    units = {c["unit_code"].value for _, c in data_rows(wb[S])}
    assert "export_value" in codes and "grdp_per_capita" not in codes and len(units) == 11
    data = edit(tpl.data, fill_all)
    plan = intake.dry_run(demo_engine, sct, data, "so-cong-thuong.xlsx")
    assert plan.ok, [(p.code, p.cell) for p in plan.errors]
    assert intake.commit(demo_engine, sct, plan)["written"] == tpl.rows
    # the same figures sent by another department's editor are refused row by row, nothing written
    before = checksum(demo_engine)
    plan = intake.dry_run(demo_engine, actor(demo_engine, "editor.sxd"), data, "so-cong-thuong.xlsx")
    assert not plan.ok and {p.code for p in plan.errors} == {"not_permitted"}
    assert len(plan.errors) == tpl.rows
    assert checksum(demo_engine) == before


def test_a_district_peoples_committee_template_and_a_viewer(read_engine):
    from qh_data.errors import PermissionDenied

    tpl = intake.values_template(read_engine, agency="LS-UBND-180", slots=[("2025", "estimate")])
    wb = load_workbook(io.BytesIO(tpl.data))
    assert {c["unit_code"].value for _, c in data_rows(wb[S])} == {DISTRICT}
    with pytest.raises(PermissionDenied):
        intake.dry_run(read_engine, actor(read_engine, "viewer"), tpl.data, "x.xlsx")


def test_cli_import_writes_after_confirmation(demo_engine, tmp_path):
    path = tmp_path / "huyen.xlsx"
    tpl = intake.values_template(demo_engine, district=DISTRICT, slots=SLOTS)
    path.write_bytes(edit(tpl.data, lambda wb: setattr(wb[S]["I4"], "value", "123,4")))
    lines: list[str] = []
    before = checksum(demo_engine)
    assert intake.cli_import([str(path), "--user", "dpi"], engine=demo_engine, out=lines.append,
                             ask=lambda _q: "n") == 1
    assert checksum(demo_engine) == before
    assert intake.cli_import([str(path), "--user", "dpi"], engine=demo_engine, out=lines.append,
                             ask=lambda _q: "y") == 0
    assert current(demo_engine, "grdp_per_capita", DISTRICT, "2025-H1", "actual").value == 123.4
    assert any("Đã ghi 1 dòng" in line for line in lines)


def test_qh_import_command_is_wired_to_the_entry_function(sqlite_demo_url, tmp_path, monkeypatch, capsys):
    from qh_data.db import make_engine

    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    engine = make_engine(sqlite_demo_url)
    path = tmp_path / "huyen.xlsx"
    tpl = intake.values_template(engine, district=DISTRICT, slots=SLOTS)
    path.write_bytes(edit(tpl.data, lambda wb: setattr(wb[S]["I4"], "value", "99,5")))
    assert cli.main(["import", str(path), "--user", "dpi", "--yes"]) == 0
    assert current(engine, "grdp_per_capita", DISTRICT, "2025-H1", "actual").value == 99.5
    assert cli.main(["import", str(tmp_path / "khong-co.xlsx"), "--yes"]) == 2
    assert "khong-co.xlsx" in capsys.readouterr().err
    engine.dispose()


def test_submit_value_service(demo_engine):
    from qh_data.errors import PermissionDenied, ValidationFailed

    sxd = actor(demo_engine, "editor.sxd")
    row = value_service.submit_value(demo_engine, sxd, indicator="urban_population_share", unit_code=DISTRICT,
                                     period="2024", kind="actual", value="23,5", expected_revision=1)
    assert row["revision"] == 2 and row["value"] == 23.5 and row["submitted_by_id"] == sxd.user_id
    with pytest.raises(StaleEdit):
        value_service.submit_value(demo_engine, sxd, indicator="urban_population_share", unit_code=DISTRICT,
                                   period="2024", kind="actual", value=24, expected_revision=1)
    with pytest.raises(PermissionDenied):  # a Construction editor, a Finance indicator
        value_service.submit_value(demo_engine, sxd, indicator="budget_revenue", unit_code=DISTRICT,
                                   period="2025-H1", kind="actual", value=1)
    with pytest.raises(ValidationFailed):
        value_service.submit_value(demo_engine, sxd, indicator="urban_population_share", unit_code=DISTRICT,
                                   period="2025-H1", kind="actual", value=140)
    with read_session(demo_engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "value.submit")) == 1
        assert s.scalar(select(User.username).where(User.id == sxd.user_id)) == "editor.sxd"
