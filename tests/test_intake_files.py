"""A corpus of bad files, made here from a real template: each is refused with the expected sheet, row and
column, in Vietnamese and English, and the store is byte-for-byte unchanged afterwards (checksum of every
row of every table), on SQLite, and on PostgreSQL for every case the store can matter to (see
FROM_THE_FILE_ALONE). Refusals never write, so one seeded database per backend serves the whole module.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import uuid
import zipfile

import pytest
from openpyxl import Workbook

from qh_data import intake
from qh_data.db import make_engine
from qh_data.errors import ValidationFailed
from qh_data.intake import reader
from qh_data.intake.common import META_SHEET, VALUE_COLUMNS
from tests.intake_helpers import COL, actor, checksum, edit, find_row

S = "Số liệu"
SLOTS = [("2024-H1", "actual"), ("2024-H2", "estimate"), ("2024", "estimate")]  # the district held these periods
DISTRICT = "180"  # Huyện Tràng Định, Lạng Sơn (to 30/6/2025: abolished by the 2025 reform)
ROW = "@"  # in an expectation: the row the change returned


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, _templates, tmp_path_factory, pg_databases):
    """A seeded demo database of this module's own, with its template (district 180) and a filled copy."""
    template = _templates(request.param, True)
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("intake") / f"files_{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copyfile(template, target)
        url = f"sqlite:///{target}"
    else:
        url = pg_databases.url(pg_databases.create(template=template))
    engine = make_engine(url)
    blank = intake.values_template(engine, district=DISTRICT, slots=SLOTS).data

    def fill(wb):
        ws = wb[S]
        for r in range(4, 10):  # six rows with a plausible figure: the current one plus one percent
            current = ws.cell(r, COL["current"]).value
            ws.cell(r, COL["value"]).value = round((current or 1.0) * 1.01, 2)

    yield {"engine": engine, "blank": blank, "filled": edit(blank, fill), "backend": request.param}
    engine.dispose()


def set_value(indicator: str, period: str, kind_word: str, value):
    def change(wb):
        ws = wb[S]
        r = find_row(ws, indicator, period, kind_word)
        ws.cell(r, COL["value"]).value = value
        return r
    return change


def cell(ref: str, value):
    def change(wb):
        wb[S][ref] = value
    return change


def meta(key: str, value):
    def change(wb):
        ws = wb[META_SHEET]
        for row in ws.iter_rows(min_row=1, max_col=2):
            if row[0].value == key:
                row[1].value = value
    return change


def duplicate_first_row(wb):
    ws = wb[S]
    values = [ws.cell(4, c).value for c in range(1, len(VALUE_COLUMNS) + 1)]
    ws.append(values)
    return ws.max_row


def handmade(_blank: bytes) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = S
    ws.append(["Biểu số liệu"])
    ws.append([])
    ws.append([c.vi for c in VALUE_COLUMNS])
    ws.append(["grdp_per_capita", "GRDP bình quân đầu người", "triệu đồng/người", DISTRICT, "Huyện Tràng Định",
               "2024-H1", "Thực hiện", None, 50, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_like(_blank: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


OLE = reader.OLE_MAGIC + b"\x00" * 504


# (id, change of the filled workbook | None, raw bytes maker | None, expected (code, sheet, row, column),
#  options: actor, module limits to lower, start from the blank template)
CASES = [
    ("wrong_header", cell("D3", "Mã huyện"), None, ("wrong_header", S, 3, "D"), {}),
    ("english_header_misspelt", cell("B3", "Indicatr"), None, ("wrong_header", S, 3, "B"), {}),
    ("shifted_right", lambda wb: wb[S].insert_cols(1), None, ("shifted_columns", S, 3, "B"), {}),
    ("shifted_down", lambda wb: wb[S].insert_rows(1), None, ("shifted_columns", S, 4, "A"), {}),
    ("deleted_column", lambda wb: wb[S].delete_cols(2), None, ("wrong_header", S, 3, "B"), {}),
    ("text_in_number", cell("I4", "khoảng 120"), None, ("not_number", S, 4, "I"), {}),
    ("letters_after_digits", cell("I5", "12a"), None, ("not_number", S, 5, "I"), {}),
    ("bad_thousands_groups", cell("I6", "1,23,4"), None, ("not_number", S, 6, "I"), {}),
    ("two_decimal_marks", cell("I6", "1.2.3,4,5"), None, ("not_number", S, 6, "I"), {}),
    ("unknown_indicator", cell("A5", "chi_tieu_la"), None, ("unknown_indicator", S, 5, "A"), {}),
    ("unknown_district", cell("D5", "999"), None, ("unknown_unit", S, 5, "D"), {}),
    ("district_of_another_province", cell("D5", "164"), None, ("unknown_unit", S, 5, "D"), {}),
    ("unknown_period", cell("F5", "2026-H3"), None, ("unknown_period", S, 5, "F"), {}),
    ("period_in_words", cell("F6", "năm 2026"), None, ("unknown_period", S, 6, "F"), {}),
    ("missing_period", cell("F6", None), None, ("missing_period", S, 6, "F"), {}),
    ("unknown_kind", cell("G5", "Dự báo"), None, ("bad_kind", S, 5, "G"), {}),
    ("missing_kind", cell("G4", None), None, ("bad_kind", S, 4, "G"), {}),
    ("duplicate_rows", duplicate_first_row, None, ("duplicate", S, ROW, "A"), {}),
    ("empty_sheet", lambda wb: wb[S].delete_rows(1, wb[S].max_row), None, ("empty_sheet", S, None, None), {}),
    ("header_only", lambda wb: wb[S].delete_rows(4, wb[S].max_row), None, ("no_rows", S, 4, None), {}),
    ("nothing_filled", None, None, ("nothing_filled", S, 4, "I"), {"blank": True}),
    ("wrong_template_version", meta("version", "values-0"), None, ("wrong_version", None, None, None), {}),
    ("tasks_version_on_figures", meta("version", "tasks-1"), None, ("wrong_version", None, None, None), {}),
    ("identity_sheet_removed", lambda wb: wb.remove(wb[META_SHEET]), None, ("not_template", None, None, None), {}),
    ("handmade_workbook", None, handmade, ("not_template", None, None, None), {}),
    ("data_sheet_renamed", lambda wb: setattr(wb[S], "title", "Sheet1"), None, ("missing_sheet", S, None, None),
     {}),
    ("formula_in_value", cell("I4", "=1+1"), None, ("formula", S, 4, "I"), {}),
    ("formula_in_code", cell("A5", '=LOWER("GRDP_PER_CAPITA")'), None, ("formula", S, 5, "A"), {}),
    ("merged_cells", lambda wb: wb[S].merge_cells("I4:I5"), None, ("merged_cells", S, 4, "I"), {}),
    ("merged_identity_cells", lambda wb: wb[S].merge_cells("A7:B7"), None, ("merged_cells", S, 7, "A"), {}),
    ("csv_renamed_xlsx", None, lambda _b: "Mã chỉ tiêu;Số liệu mới\ngrdp_per_capita;1.234,5\n".encode("utf-8-sig"),
     ("not_excel", None, None, None), {}),
    ("truncated_zip", None, lambda b: b[: len(b) // 2], ("damaged", None, None, None), {}),
    ("zip_without_workbook", None, docx_like, ("not_excel", None, None, None), {}),
    ("oversized_file", None, None, ("too_big", None, None, None), {"limits": {"MAX_BYTES": 2000}}),
    ("too_many_rows", None, None, ("too_many_rows", S, None, None), {"limits": {"MAX_DATA_ROWS": 20}}),
    ("password_protected", None, lambda _b: OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64,
     ("encrypted", None, None, None), {}),
    ("old_xls", None, lambda _b: OLE + b"Workbook" + b"\x00" * 64, ("xls", None, None, None), {}),
    ("empty_file", None, lambda _b: b"", ("empty_file", None, None, None), {}),
    ("negative_where_impossible", cell("I4", -5), None, ("below_min", S, 4, "I"), {}),
    ("negative_text_unicode_minus", cell("I4", "−12,5"), None, ("below_min", S, 4, "I"), {}),
    ("share_above_100", set_value("econ_share_agri", "2024-H1", "Thực hiện", 120), None, ("above_max", S, ROW, "I"),
     {}),
    ("percent_sign_on_money", cell("I4", "12 %"), None, ("percent_unit", S, 4, "I"), {}),
    ("date_instead_of_number", cell("I4", dt.datetime(2026, 6, 30)), None, ("date_not_number", S, 4, "I"), {}),
    ("excel_error_value", cell("I4", "#DIV/0!"), None, ("excel_error", S, 4, "I"), {}),
    ("direction_control_in_note", cell("J4", "ghi chú \u202eđảo chiều"), None, ("bad_note", S, 4, "J"), {}),
    ("another_agencys_indicator", None, None, ("not_permitted", S, 4, "A"), {"actor": "editor.sxd"}),
]


def make_file(store, change, raw, options) -> bytes:
    base = store["blank"] if options.get("blank") else store["filled"]
    if raw is not None:
        return raw(base), None
    holder = {}
    if change is None:
        return base, None

    def run(wb):
        holder["row"] = change(wb)

    return edit(base, run), holder.get("row")


def test_the_corpus_has_at_least_thirty_bad_files():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


# Refusals decided from the file's own bytes (its structure, a cell's format), the same Python whichever
# store is behind: checked on SQLite only. The store can matter only to what is looked up in it
# (codes, units, bounds, units of measure, the owner) and to "nothing is written": every case that
# looks something up runs on both backends, and so does one case of each way a file is refused (by
# the reader before the store is opened: truncated_zip; by its identity sheet: wrong_template_version;
# in a cell: text_in_number). A case added to CASES runs on both unless it is named here.
FROM_THE_FILE_ALONE = {
    "wrong_header", "english_header_misspelt", "shifted_right", "shifted_down", "deleted_column",
    "letters_after_digits", "bad_thousands_groups", "two_decimal_marks", "period_in_words", "missing_period",
    "unknown_kind", "missing_kind", "empty_sheet", "header_only", "tasks_version_on_figures",
    "identity_sheet_removed", "handmade_workbook", "data_sheet_renamed", "formula_in_value", "formula_in_code",
    "merged_cells", "merged_identity_cells", "csv_renamed_xlsx", "zip_without_workbook", "oversized_file",
    "too_many_rows", "password_protected", "old_xls", "empty_file", "date_instead_of_number",
    "excel_error_value", "direction_control_in_note",
}
BACKEND_CASES = [pytest.param(backend, case, id=f"{backend}-{case[0]}")
                 for backend in ("sqlite", "postgresql") for case in CASES
                 if backend == "sqlite" or case[0] not in FROM_THE_FILE_ALONE]


def test_the_file_alone_cases_exist():
    assert FROM_THE_FILE_ALONE <= {c[0] for c in CASES}


@pytest.mark.parametrize(("store", "case"), BACKEND_CASES, indirect=["store"], scope="module")
def test_a_bad_file_is_refused_where_it_is_wrong_and_nothing_is_written(store, case, monkeypatch):
    name, change, raw, (code, sheet, row, column), options = case
    for attr, value in options.get("limits", {}).items():
        monkeypatch.setattr(reader, attr, value)
    engine = store["engine"]
    who = actor(engine, options.get("actor", "dpi"))
    data, changed_row = make_file(store, change, raw, options)
    before = checksum(engine)

    plan = intake.dry_run(engine, who, data, f"{name}.xlsx")

    assert not plan.ok
    expected_row = changed_row if row == ROW else row
    found = [p for p in plan.errors if p.code == code]
    assert found, f"expected {code}, got {[(p.code, p.cell, p.message_en) for p in plan.problems]}"
    p = found[0]
    assert (p.sheet, p.row, p.column) == (sheet, expected_row, column), (p.sheet, p.row, p.column)
    assert p.message_vi and p.message_en and p.message_vi != p.message_en
    assert p.message("en") == p.message_en
    with pytest.raises(ValidationFailed):
        intake.commit(engine, who, plan)
    assert checksum(engine) == before


def test_the_report_quotes_the_value_found(store):
    engine = store["engine"]
    data = edit(store["filled"], lambda wb: (cell("I4", "12a")(wb), cell("A5", "chi_tieu_la")(wb),
                                             cell("F6", "2026-H3")(wb)))
    plan = intake.dry_run(engine, actor(engine, "dpi"), data, "nhieu-loi.xlsx")
    by_cell = {p.cell: p for p in plan.errors}
    assert {"I4", "A5", "F6"} <= set(by_cell)
    assert by_cell["I4"].value == "12a" and "'12a'" in by_cell["I4"].message_vi
    assert by_cell["A5"].value == "chi_tieu_la"
    assert by_cell["F6"].value == "2026-H3" and "2026-H3" in by_cell["F6"].message_en
    rows = plan.problem_rows("en")
    assert rows[0]["severity"] == "error" and {"sheet", "row", "column", "value", "message"} <= set(rows[0])


def test_the_cli_refuses_a_bad_file_with_exit_code_one_and_writes_nothing(store, tmp_path):
    engine = store["engine"]
    path = tmp_path / "sai.xlsx"
    path.write_bytes(edit(store["filled"], cell("I4", "12a")))
    before = checksum(engine)
    lines: list[str] = []
    code = intake.cli_import(str(path), engine=engine, user="dpi", yes=True,
                             out=lines.append)
    assert code == 1
    assert any("I4" in line and "12a" in line for line in lines)
    assert checksum(engine) == before
