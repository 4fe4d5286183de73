"""The senders' own workbooks (issue 16), on SQLite and PostgreSQL: each workbook, made here with openpyxl in
a sender's layout, with the mapping and the figures the import must find and the problems it must name
at their cells; then the commit (file name and hash in each revision's source), the profile that makes
next month's file one confirmation, and ``qh import --dry-run --json`` / ``--profile``.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from qh_data import intake
from qh_data.db import read_session
from qh_data.intake import foreign, profiles
from qh_data.intake.mapping import Mapping
from qh_data.models import AuditEntry, IndicatorValue
from tests.foreign_workbooks import (
    COMMUNE_BIEU_01,
    HEADER,
    Sheet,
    add_communes,
    first_row,
    with_cached_value,
    workbook,
)
from tests.intake_helpers import actor, checksum

SO_TC = Sheet(rows=[
    (1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "1.234,5", "600,25", "1.300,5", 1400, "Số sơ bộ"),
    (2, "Tỷ lệ hộ nghèo đa chiều", "%", "12,45%", "11,2", "10,8", "9,5", None),
    (3, "Dân số trung bình", "Người", "2 345 678", "-", "2 350 000", "x", None),
])
F = first_row(SO_TC)


def communes_store(read_store, backend):
    return read_store(backend, "communes before the reform", build=add_communes, seeded=False)[0]


def figures(plan) -> dict:
    return {(r.sheet, r.cell): (r.indicator, r.unit_code, r.period, r.kind, r.value) for r in plan.rows}


def problems(plan_or_proposal) -> set:
    return {(p.code, p.sheet or "", p.cell) for p in plan_or_proposal.problems}


def run(engine, data, name="bao-cao.xlsx", user="dpi", settle=None):
    a = actor(engine, user)
    proposal = foreign.propose(engine, a, data, name)
    for sheet, row, code in settle or ():
        proposal.mapping.set_row(sheet, row, code)
    return proposal, foreign.dry_run(engine, a, data, name, proposal.mapping)


# --- recognition: each layout with the mapping and figures it must give ----------------------------------

def test_a_department_biểu_01(read_engine):
    proposal, plan = run(read_engine, workbook(SO_TC))
    m = proposal.mapping
    assert (m.unit_code, m.agency_code) == ("20", "LS-STC")
    s = m.sheets[0]
    assert s.header_row == 7 and (s.name_letter, s.unit_letter) == ("B", "C")
    assert [(c.letter, c.period, c.kind) for c in s.columns] == [
        ("D", "2024", "actual"), ("E", "2025-H1", "estimate"), ("F", "2025", "estimate"), ("G", "2026", "target")]
    assert [(r.code, r.score >= 88) for r in s.rows] == [("budget_revenue", True), ("poverty_rate", True),
                                                         ("population_avg", True)]
    assert (F + 3, "total") in s.skipped and any(reason == "signature" for _, reason in s.skipped)
    assert plan.ok, plan.problems
    got = figures(plan)
    assert got[("Biểu 01", f"D{F}")] == ("budget_revenue", "20", "2024", "actual", 1234.5)
    assert got[("Biểu 01", f"F{F}")] == ("budget_revenue", "20", "2025", "estimate", 1300.5)
    assert got[("Biểu 01", f"G{F}")] == ("budget_revenue", "20", "2026", "target", 1400.0)
    assert got[("Biểu 01", f"D{F + 1}")] == ("poverty_rate", "20", "2024", "actual", 12.45)
    assert got[("Biểu 01", f"F{F + 1}")] == ("poverty_rate", "20", "2025", "estimate", 10.8)
    assert got[("Biểu 01", f"D{F + 2}")] == ("population_avg", "20", "2024", "actual", 2345678.0)
    assert len(got) == 10 and plan.counts["new"] == 10
    assert "SHA-256 " + plan.sha256 in plan.source and "Sở Tài chính" in plan.source
    assert Mapping.from_dict(json.loads(json.dumps(m.as_dict()))) == m  # the page and the CLI carry it as JSON


def test_a_district_report_from_before_the_reform(read_engine):
    sheet = Sheet(sender=("UBND HUYỆN TRÀNG ĐỊNH",), report_title="BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI NĂM 2024",
                  header=["STT", "Chỉ tiêu", "ĐVT", "Thực hiện 2023", "Thực hiện 6 tháng 2024", "Ước TH năm 2024",
                          "Kế hoạch 2025", "Ghi chú"],
                  rows=[("I", "KINH TẾ", None, None, None, None, None, None),
                        (1, "Tổng thu NSNN trên địa bàn", "Triệu đồng", "45.600", "21.300,5", "47.000", "50.000"),
                        ("II", "XÃ HỘI", None, None, None, None, None, None),
                        (2, "Tỷ lệ hộ nghèo", "%", "18,5", "17,9", "17,2", "15")])
    proposal, plan = run(read_engine, workbook(sheet))
    assert (proposal.mapping.unit_code, proposal.mapping.agency_code) == ("180", "LS-UBND-180")
    s = proposal.mapping.sheets[0]
    f = first_row(sheet)
    assert {(f, "section"), (f + 2, "section")} <= set(s.skipped)
    rows = {r.row: r for r in s.rows}
    assert rows[f + 1].code == "budget_revenue"
    assert rows[f + 3].code == "poverty_rate" and 88 <= rows[f + 3].score < 100  # "Tỷ lệ hộ nghèo", in %
    assert plan.ok, plan.problems
    got = figures(plan)
    assert got[("Biểu 01", f"D{f + 1}")] == ("budget_revenue", "180", "2023", "actual", 45.6)  # triệu -> tỷ đồng
    assert got[("Biểu 01", f"E{f + 1}")] == ("budget_revenue", "180", "2024-H1", "actual", 21.3005)
    assert got[("Biểu 01", f"G{f + 3}")] == ("poverty_rate", "180", "2025", "target", 15.0)


def test_a_commune_report_after_the_reform(read_store, backend):
    engine = communes_store(read_store, backend)
    sheet = Sheet(sender=("UBND XÃ ĐOÀN KẾT",), report_title="BÁO CÁO KẾT QUẢ THỰC HIỆN NĂM 2025",
                  header=["TT", "Nội dung", "Đơn vị tính", "Ước thực hiện năm", "Cùng kỳ", "So sánh (%)", "KH 2026",
                          "Ghi chú"],
                  rows=[(1, "Dân số trung bình", "người", "5.120", "5.050", "101,4", "5.200"),
                        (2, "Tỷ lệ hộ nghèo đa chiều", "%", "9,8", "11,2", "87,5", "8,5")])
    proposal, plan = run(engine, workbook(sheet))
    m = proposal.mapping
    assert m.unit_code == "06001" and m.sender["level"] == "commune"
    cols = {c.letter: c for c in m.sheets[0].columns}
    assert (cols["D"].period, cols["D"].kind) == ("2025", "estimate")  # the year from the title
    assert cols["E"].role == cols["F"].role == "ignored" and "cùng kỳ" in cols["E"].reason_vi
    assert plan.ok, plan.problems
    f = first_row(sheet)
    got = figures(plan)
    assert got[("Biểu 01", f"D{f}")] == ("population_avg", "06001", "2025", "estimate", 5120.0)
    assert got[("Biểu 01", f"G{f + 1}")] == ("poverty_rate", "06001", "2026", "target", 8.5)
    assert not any(cell.startswith(("E", "F")) for _, cell in got)


def test_a_commune_figure_of_a_period_before_the_commune_existed(read_store, backend):
    engine = communes_store(read_store, backend)
    sheet = Sheet(sender=("UBND TỈNH LẠNG SƠN", "UBND PHƯỜNG ĐÔNG KINH"),
                  rows=[(1, "Dân số trung bình", "Người", "30.100", "30.200", "30.400", "30.600")])
    proposal, plan = run(engine, workbook(sheet))
    assert proposal.mapping.unit_code == "05977"
    f = first_row(sheet)
    found = problems(plan)
    assert {("unit_not_in_period", "Biểu 01", f"D{f}"), ("unit_not_in_period", "Biểu 01", f"E{f}")} <= found
    assert set(figures(plan)) == {("Biểu 01", f"F{f}"), ("Biểu 01", f"G{f}")}
    message = next(p for p in plan.problems if p.code == "unit_not_in_period")
    assert "Phường Đông Kinh" in message.message_vi and "did not exist" in message.message_en


def test_two_header_rows_under_merged_parents_and_a_column_numbers_row(read_engine):
    sheet = Sheet(header=["STT", "Chỉ tiêu", "ĐVT", "Năm 2025", None, "Năm 2026", "Ghi chú"],
                  sub_header=[None, None, None, "Kế hoạch", "Ước TH", "Kế hoạch", None],
                  merges=["A#:A$", "B#:B$", "C#:C$", "D#:E#", "G#:G$"], numbering=True,
                  rows=[(1, "Tốc độ tăng trưởng GRDP", "%", "8", "8,2", "8,5")])
    proposal, plan = run(read_engine, workbook(sheet))
    cols = [(c.letter, c.period, c.kind) for c in proposal.mapping.sheets[0].columns]
    assert cols == [("D", "2025", "target"), ("E", "2025", "estimate"), ("F", "2026", "target")]
    assert plan.ok, plan.problems
    f = first_row(sheet)
    assert figures(plan)[("Biểu 01", f"E{f}")] == ("grdp_growth", "20", "2025", "estimate", 8.2)


def test_problems_named_at_their_cells(read_engine):
    sheet = Sheet(rows=[
        (1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "1.234,5", "10.8", "1.300,5", None),
        (2, "Dân số trung bình", "", "12,5%", "2.345.678", None, None),
        (3, "Diện tích rừng trồng mới", "người", "1.200,5", None, None, None),
        (4, "Tỷ lệ hộ nghèo đa chiều", "%", "11,5", None, None, None)],
        formulas={"G11": "=F11*0.9"})
    f = first_row(sheet)
    _, plan = run(read_engine, workbook(sheet), settle=[("Biểu 01", f + 2, "forest_planted")])
    found = problems(plan)
    assert ("ambiguous_style", "Biểu 01", f"E{f}") in found  # 10.8 among 1.234,5
    assert ("percent_unit", "Biểu 01", f"D{f + 1}") in found  # 12,5% for a number of people
    assert ("unit_mismatch", "Biểu 01", f"C{f + 2}") in found  # người for an area
    assert ("formula_no_value", "Biểu 01", f"G{f + 3}") in found
    assert not plan.ok
    with pytest.raises(Exception) as err:
        intake.commit(read_engine, actor(read_engine, "dpi"), plan)
    assert "lỗi" in str(err.value.message("vi"))


def test_a_formula_with_its_cached_result_is_read(read_engine):
    sheet = Sheet(rows=[(1, "Tỷ lệ hộ nghèo đa chiều", "%", "12,5", None, None, None)], formulas={"G8": "=D8-1"},
                  total=False)
    data = with_cached_value(workbook(sheet), 1, "G8", "11.5")
    _, plan = run(read_engine, data)
    assert plan.ok, plan.problems
    assert figures(plan)[("Biểu 01", "G8")] == ("poverty_rate", "20", "2026", "target", 11.5)


def test_sheets_per_sector_and_a_hidden_sheet(read_engine):
    economy = Sheet(title="Kinh tế", rows=[(1, "Thu NSNN trên địa bàn", "Tỷ đồng", "1.500", None, None, None)])
    society = Sheet(title="Xã hội", rows=[(1, "Tỷ lệ lao động qua đào tạo", "%", "68,5", "69", "70", "72")])
    draft = Sheet(title="Nháp", hidden=True, rows=[(1, "Dân số trung bình", "Người", "1", "2", "3", "4")])
    proposal, plan = run(read_engine, workbook(economy, society, draft))
    sheets = {s.title: s for s in proposal.mapping.sheets}
    assert sheets["Nháp"].hidden and not sheets["Nháp"].include
    assert plan.ok, plan.problems
    got = figures(plan)
    assert got[("Kinh tế", "D8")][4] == 1500.0 and got[("Xã hội", "G8")] == (
        "trained_labour_share", "20", "2026", "target", 72.0)
    assert not any(sheet == "Nháp" for sheet, _ in got)
    assert ("sheet_left_out", "Nháp", "") in problems(plan)  # said, not silent
    other = foreign.dry_run(read_engine, actor(read_engine, "dpi"), workbook(economy), "khac.xlsx", proposal.mapping)
    assert [p.code for p in other.problems] == ["mapping_of_another_file"] and not other.ok


def test_a_file_with_no_table_and_a_sender_nobody_knows(read_engine):
    sheet = Sheet(sender=("CÔNG TY TNHH MỘT THÀNH VIÊN",), header=["Nội dung", "Ý kiến"], rows=[("Một", "Hai")],
                  total=False)
    proposal = foreign.propose(read_engine, actor(read_engine, "dpi"), workbook(sheet), "x.xlsx")
    assert {p.code for p in proposal.problems} == {"no_table", "unknown_sender"}
    refused = foreign.propose(read_engine, actor(read_engine, "dpi"), b"STT;Chi tieu\n1;2\n", "x.xlsx")
    assert [p.code for p in refused.problems] == ["not_excel"]


# --- the commit, the profile, next month's file --------------------------------------------------------

def test_from_upload_to_committed_figures_then_one_confirmation_next_month(engine):
    demo_engine = engine
    add_communes(demo_engine)
    dpi = actor(demo_engine, "dpi")
    data = workbook(COMMUNE_BIEU_01)
    proposal = foreign.propose(demo_engine, dpi, data, "quoc-khanh-2025.xlsx")  # 1. upload: the proposal
    assert proposal.ok and proposal.mapping.unit_code == "06004" and not proposal.mapping.unsettled()
    plan = foreign.dry_run(demo_engine, dpi, data, "quoc-khanh-2025.xlsx", proposal.mapping)  # 2. confirm
    assert plan.ok and plan.counts == {"new": 6, "changed": 0, "unchanged": 0}
    result = intake.commit(demo_engine, dpi, plan)  # 3. commit
    assert result["written"] == 6
    with read_session(demo_engine) as s:
        rows = s.execute(select(IndicatorValue.file_name, IndicatorValue.source, IndicatorValue.unit_id).where(
            IndicatorValue.admin_unit_code == "06004")).all()
    assert len(rows) == 6 and {r.file_name for r in rows} == {"quoc-khanh-2025.xlsx"}
    assert all(plan.sha256 in r.source and r.unit_id is not None for r in rows)
    m = proposal.mapping
    saved = profiles.save_profile(demo_engine, dpi, name="Xã Quốc Khánh – Biểu 01", sender_key=m.sender["key"],
                                  sender_text=m.sender["text"], agency_code=None, unit_code="06004",
                                  fingerprint=m.fingerprint, mapping=profiles.body_of(m))
    assert saved["version"] == 1
    # next month: the header row moved down, an extra "Cùng kỳ" column, one row the catalogue lacks
    later = Sheet(sender=COMMUNE_BIEU_01.sender, report_title=COMMUNE_BIEU_01.report_title, blank_rows_before_header=2,
                  header=["STT", "Chỉ tiêu", "ĐVT", "Ước TH năm 2025", "Cùng kỳ", "Kế hoạch 2026", "Ghi chú"],
                  rows=[(1, "Dân số trung bình", "Người", "6.215", "6.100", "6.300"),
                        (2, "Tỷ lệ hộ nghèo đa chiều", "%", "14,2", "15,1", "12"),
                        (3, "Số trường mầm non đạt chuẩn", "trường", "3", "2", "4")])
    data2 = workbook(later)
    again = foreign.propose(demo_engine, dpi, data2, "quoc-khanh-2025-t2.xlsx")
    assert again.mapping.profile["name"] == "Xã Quốc Khánh – Biểu 01" and again.mapping.profile["exact"]
    f = first_row(later)
    assert again.mapping.unsettled() == [("Biểu 01", f + 2, "Số trường mầm non đạt chuẩn")]
    blocked = foreign.dry_run(demo_engine, dpi, data2, "quoc-khanh-2025-t2.xlsx", again.mapping)
    assert not blocked.ok and ("row_not_mapped", "Biểu 01", str(f + 2)) in problems(blocked)
    again.mapping.set_row("Biểu 01", f + 2, None)  # the user settles the unknown row: not imported
    plan2 = foreign.dry_run(demo_engine, dpi, data2, "quoc-khanh-2025-t2.xlsx", again.mapping)
    assert plan2.ok and plan2.counts == {"new": 0, "changed": 1, "unchanged": 3}
    assert intake.commit(demo_engine, dpi, plan2)["written"] == 1


def test_qh_import_dry_run_json_writes_nothing_and_a_profile_imports_in_one_call(engine, tmp_path):
    demo_engine = engine
    add_communes(demo_engine)
    path = tmp_path / "quoc-khanh.xlsx"
    path.write_bytes(workbook(COMMUNE_BIEU_01))
    before = checksum(demo_engine)
    lines: list[str] = []
    assert intake.cli_import([str(path), "--dry-run", "--json"], engine=demo_engine, out=lines.append) == 0
    doc = json.loads("\n".join(lines))
    assert set(doc) >= {"mapping", "rows", "problems"}
    assert {p["severity"] for p in doc["problems"]} == {"warning"}  # "6.210": read the way the file writes
    assert {"sheet": "Biểu 01", "cell": "D8", "indicator_code": "population_avg", "unit_code": "06004",
            "period": "2025", "kind": "estimate", "value": 6210.0} == {k: doc["rows"][0][k] for k in (
                "sheet", "cell", "indicator_code", "unit_code", "period", "kind", "value")}
    assert checksum(demo_engine) == before
    lines.clear()
    assert intake.cli_import([str(path), "--yes", "--save-profile", "QK"], engine=demo_engine, out=lines.append) == 0
    assert profiles.profile_named(demo_engine, "QK") is not None
    path.write_bytes(workbook(Sheet(**{**COMMUNE_BIEU_01.__dict__, "rows": [
        (1, "Dân số trung bình", "Người", "6.220", "6.300")]})))
    lines.clear()
    assert intake.cli_import([str(path), "--profile", "QK", "--yes"], engine=demo_engine, out=lines.append) == 0
    assert any("Đã ghi 1 dòng" in line for line in lines)
    lines.clear()
    with pytest.raises(Exception) as err:
        intake.cli_import([str(path), "--profile", "không có"], engine=demo_engine, out=lines.append)
    assert "không có" in err.value.message("vi")


def test_profiles_are_kept_by_the_dpi_role_with_audit_entries(engine):
    from qh_data.errors import PermissionDenied, StaleEdit
    from qh_data.permissions import Actor

    dpi = Actor(user_id=None, username="dpi", role="dpi_editor")
    viewer = Actor(user_id=None, username="xem", role="viewer")
    body = {"columns": {}, "rows": {"dan so trung binh": "population_avg"}, "unit_code": None, "agency_code": None}
    saved = profiles.save_profile(engine, dpi, name="Hồ sơ A", sender_key="ubnd xa a", sender_text="UBND XÃ A",
                                  agency_code=None, unit_code=None, fingerprint="f1", mapping=body)
    with pytest.raises(PermissionDenied):
        profiles.save_profile(engine, viewer, name="B", sender_key="b", sender_text=None, agency_code=None,
                              unit_code=None, fingerprint="f", mapping=body)
    listed = profiles.list_profiles(engine)
    assert [(p["name"], p["rows"]) for p in listed] == [("Hồ sơ A", 1)]
    changed = profiles.update_profile(engine, dpi, saved["id"], 1, name="Hồ sơ A (sửa)")
    assert changed["version"] == 2
    with pytest.raises(StaleEdit):
        profiles.update_profile(engine, dpi, saved["id"], 1, name="cũ")
    assert profiles.find_profile(engine, "ubnd xa a", "other")["exact"] is False
    profiles.delete_profile(engine, dpi, saved["id"], 2)
    assert profiles.list_profiles(engine) == []
    with read_session(engine) as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.entity == "intake_profile")
                                           .order_by(AuditEntry.id))]
    assert actions == ["intake_profile.save", "intake_profile.update", "intake_profile.delete"]


def test_the_template_header_is_not_taken_for_a_senders_layout(read_engine):
    slots = [("2024", "actual"), ("2025-H1", "estimate")]  # periods the district held (to 30/6/2025)
    data = intake.values_template(read_engine, district="178", slots=slots).data if hasattr(
        intake.values_template(read_engine, district="178", slots=slots), "data") else None
    assert data is not None and foreign.is_template(data)
    assert not foreign.is_template(workbook(SO_TC))
    assert HEADER[1] == "Chỉ tiêu"


# --- bad input: every problem a sentence, the store untouched ---------------------------------------------

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def _ods() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


REFUSED = [
    ("encrypted", OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64),
    ("xls", OLE + b"Workbook" + b"\x00" * 64),
    ("ods", _ods()),
    ("not_excel", "STT;Tên;Đơn;Năm 2024\n1;Dân;ngươi;5.120\n".encode("cp1258")),  # a CSV, Windows-1258
    ("not_excel", "STT\tChỉ tiêu\tThực hiện 2024\n1\tDân số\t5.120\n".encode("utf-16")),
    ("damaged", workbook(SO_TC)[:3000]),
    ("empty_file", b""),
    ("too_big", b"PK\x03\x04" + b"\x00" * (11 * 1024 * 1024)),  # over the 10 MB limit (a 50 MB file alike)
]


@pytest.mark.parametrize("code, data", REFUSED, ids=[f"{c}-{i}" for i, (c, _) in enumerate(REFUSED)])
def test_files_that_cannot_be_read_are_refused_in_a_sentence(demo_engine, code, data):
    before = checksum(demo_engine)
    dpi = actor(demo_engine, "dpi")
    proposal = foreign.propose(demo_engine, dpi, data, "bao-cao.xlsx")
    assert [p.code for p in proposal.problems] == [code]
    p = proposal.problems[0]
    assert "bao-cao.xlsx" in p.message_vi and "bao-cao.xlsx" in p.message_en
    plan = foreign.dry_run(demo_engine, dpi, data, "bao-cao.xlsx", proposal.mapping)
    assert not plan.ok
    assert checksum(demo_engine) == before


def test_hidden_rows_merged_figures_dates_as_text_and_twenty_sheets(read_engine):
    rows = [(1, "Thu ngân sách nhà nước trên địa bàn", "Tỷ đồng", "1.234,5", "600,25", None, None),
            (2, "Dân số trung bình", "Người", "01/7/2025", None, None, None),
            (3, "Tỷ lệ hộ nghèo đa chiều", "%", "12,5", "11", None, None),
            (4, "Tỷ lệ lao động qua đào tạo", "%", "66,5", "67", None, None)]
    main = Sheet(rows=rows, hidden_rows=[2], data_merges=["D11:E11"])
    others = [Sheet(title=f"Phụ lục {i}", header=["STT", "Chỉ tiêu", "ĐVT", f"Thực hiện {2000 + i}", "Ghi chú"],
                    rows=[(1, "Tốc độ tăng trưởng GRDP", "%", f"{i},5")]) for i in range(1, 20)]
    proposal, plan = run(read_engine, workbook(main, *others))
    assert len(proposal.mapping.sheets) == 20
    found = problems(plan)
    f = first_row(main)
    assert ("skipped_hidden", "Biểu 01", str(f + 2)) in found  # the hidden row: left out, and said so
    assert ("not_number", "Biểu 01", f"D{f + 1}") in found  # a date typed as text
    assert ("merged_cells", "Biểu 01", "") in found
    got = figures(plan)
    assert ("Biểu 01", f"D{f + 2}") not in got
    assert got[("Phụ lục 19", "D8")] == ("grdp_growth", "20", "2019", "actual", 19.5)
    assert ("Biểu 01", f"E{f + 3}") not in got  # E11 lies under the merge of D11:E11: read once, in D11
    assert got[("Biểu 01", f"D{f + 3}")][4] == 66.5


def test_a_district_column_of_a_period_after_the_districts_ended(read_store, backend):
    engine = communes_store(read_store, backend)
    sheet = Sheet(sender=("UBND HUYỆN CAO LỘC",), rows=[(1, "Dân số trung bình", "Người", "80.100", "80.300",
                                                          "80.500", "81.000")])
    proposal, plan = run(engine, workbook(sheet))
    assert proposal.mapping.unit_code == "183"
    found = problems(plan)
    f = first_row(sheet)
    assert ("unit_not_in_period", "Biểu 01", f"G{f}") in found  # Kế hoạch 2026: no district then
    assert {cell for _, cell in figures(plan)} == {f"D{f}", f"E{f}", f"F{f}"}


def test_an_agency_editor_sends_its_own_indicators_only(demo_engine):
    before = checksum(demo_engine)
    sheet = Sheet(sender=("UBND TỈNH LẠNG SƠN", "SỞ XÂY DỰNG"),
                  rows=[(1, "Tỷ lệ dân số thành thị", "%", "24,5", "25", "25,5", "27"),
                        (2, "Tỷ lệ hộ nghèo đa chiều", "%", "12,5", "11", "10,5", "9")])
    proposal, plan = run(demo_engine, workbook(sheet), user="editor.sxd")
    assert proposal.mapping.agency_code == "LS-SXD"
    assert ("not_permitted", "Biểu 01", "B9") in problems(plan) and not plan.ok
    assert checksum(demo_engine) == before


def test_a_sender_of_another_province_and_percent_formatted_cells(read_engine):
    from tests.foreign_workbooks import workbook as make

    sheet = Sheet(sender=("UBND TỈNH THÁI NGUYÊN", "SỞ Y TẾ"), header=["STT", "Chỉ tiêu", "ĐVT", "Thực hiện 2024",
                                                                      "Năm 2025", "Ghi chú"],
                  rows=[(1, "Tỷ lệ dân số tham gia bảo hiểm y tế", "%", 0.925, "93,5")], total=False)
    data = make(sheet)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    wb["Biểu 01"]["D8"].number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    proposal, plan = run(read_engine, buf.getvalue())
    m = proposal.mapping
    assert (m.unit_code, m.agency_code) == ("19", "TN-SYT")
    column_e = m.sheets[0].column("E")
    assert column_e.role == "unknown" and column_e.asked  # "Năm 2025" names no kind: asked, not guessed
    assert plan.ok, plan.problems
    assert figures(plan) == {("Biểu 01", "D8"): ("health_insurance_share", "19", "2024", "actual", 92.5)}
    m.set_column("Biểu 01", "E", period="2025-H1", kind="estimate")
    plan = foreign.dry_run(read_engine, actor(read_engine, "dpi"), buf.getvalue(), "bao-cao.xlsx", m)
    assert figures(plan)[("Biểu 01", "E8")] == ("health_insurance_share", "19", "2025-H1", "estimate", 93.5)
    # the whole year 2025: code 19 names Thái Nguyên before its merger with Bắc Kạn and after it (1/7/2025);
    # refused with the sentence that says so, not guessed
    m.set_column("Biểu 01", "E", period="2025", kind="estimate")
    plan = foreign.dry_run(read_engine, actor(read_engine, "dpi"), buf.getvalue(), "bao-cao.xlsx", m)
    assert ("Biểu 01", "E8") not in figures(plan) and ("unit_ambiguous", "Biểu 01", "E8") in problems(plan)
    assert any("Mã đơn vị 19 chỉ hai đơn vị khác nhau" in p.message_vi for p in plan.problems)


def test_a_profile_never_moves_figures_to_another_sender(engine):
    demo_engine = engine
    add_communes(demo_engine)
    dpi = actor(demo_engine, "dpi")
    proposal = foreign.propose(demo_engine, dpi, workbook(COMMUNE_BIEU_01), "qk.xlsx")
    m = proposal.mapping
    profiles.save_profile(demo_engine, dpi, name="QK", sender_key=m.sender["key"], sender_text=m.sender["text"],
                          agency_code=None, unit_code="06004", fingerprint=m.fingerprint, mapping=profiles.body_of(m))
    same_layout = Sheet(**{**COMMUNE_BIEU_01.__dict__, "sender": ("UBND TỈNH LẠNG SƠN", "UBND XÃ ĐOÀN KẾT")})
    other = foreign.propose(demo_engine, dpi, workbook(same_layout), "dk.xlsx",
                            profile=profiles.profile_named(demo_engine, "QK"))
    assert other.mapping.unit_code == "06001"  # the file's own sender, not the profile's
    assert [p.code for p in other.problems] == ["profile_of_another_sender"]
    assert "06004" in other.problems[0].message_vi and "dk.xlsx" in other.problems[0].message_en
