"""The small pieces of the intake, without a database: numbers as people type them, words, the template's
shape (locked headers, open value cells, drop-downs, hidden identity), the reader's container checks."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pytest
from openpyxl import load_workbook

from qh_data.intake import numbers, reader
from qh_data.intake.common import (
    HEADER_ROW,
    LISTS_SHEET,
    META_SHEET,
    VALUE_COLUMNS,
    VALUES_SHEET,
    VALUES_VERSION,
    kind_code,
    status_code,
)
from qh_data.intake.template import default_slots, period_choices, write_values_workbook


@pytest.mark.parametrize("typed, expected", [
    ("1.234,5", 1234.5), ("1234.5", 1234.5), ("1,234.5", 1234.5), ("1234,5", 1234.5),
    ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1\u202f234.5", 1234.5), ("1.234.567", 1234567.0),
    ("1,234,567", 1234567.0), ("1.234.567,89", 1234567.89), ("1,234,567.89", 1234567.89), ("0,5", 0.5),
    (",5", 0.5), ("-12,5", -12.5), ("\u221212,5", -12.5), ("+7", 7.0), ("85,3 %", 85.3), ("85.3%", 85.3),
    ("1e3", 1000.0), ("  42  ", 42.0), ("0.123", 0.123), ("1234,567", 1234.567),
])
def test_numbers_typed_either_way(typed, expected):
    parsed = numbers.parse_text(typed)
    assert parsed.error is None and parsed.ambiguous is None
    assert parsed.value == pytest.approx(expected)
    assert parsed.percent == typed.strip().endswith("%")


@pytest.mark.parametrize("typed", ["12a", "khoảng 12", "1,23,4", "1.2.3,4,5", "12 34", "(5)", "12,", "--5",
                                   "1,2.3,4", "%", "NaN", "inf", "1 2345"])
def test_not_numbers(typed):
    assert numbers.parse_text(typed).error == "not_number"


def test_a_lone_separator_before_three_digits_reads_two_ways():
    assert numbers.parse_text("1.234").ambiguous == (1234.0, 1.234)
    assert numbers.parse_text("1,234").ambiguous == (1.234, 1234.0)
    assert numbers.parse_text("1.234").resolved("en") == 1.234
    assert numbers.parse_text("1.234").resolved(None) == 1234.0
    styles = [numbers.parse_text(x) for x in ("2.500,5", "3,5", "1.234")]
    assert numbers.file_style(styles) == "vi"
    assert numbers.file_style([numbers.parse_text("2,500.5")]) == "en"
    assert numbers.file_style([numbers.parse_text("7")]) is None


def test_cells_of_other_types():
    assert numbers.parse_cell(12, "n").value == 12.0
    assert numbers.parse_cell(0.853, "n", "0.0%").value == pytest.approx(85.3)
    assert numbers.parse_cell(0.853, "n", "0.0%").percent
    assert numbers.parse_cell("=A1*2", "f").error == "formula"
    assert numbers.parse_cell("=A1*2", "s").error == "formula"
    assert numbers.parse_cell(dt.datetime(2026, 1, 1), "d").error == "date"
    assert numbers.parse_cell("#DIV/0!", "e").error == "error_value"
    assert numbers.parse_cell(True, "b").error == "not_number"
    assert numbers.parse_cell(None).blank and numbers.parse_cell("   ", "s").blank
    assert numbers.fmt_num(1234567.5, "vi") == "1.234.567,5" and numbers.fmt_num(1234567.5, "en") == "1,234,567.5"


def test_kind_and_status_words_in_any_form():
    assert kind_code("Thực hiện") == "actual" == kind_code(unicodedata.normalize("NFD", "Thực hiện"))
    assert kind_code("  ước thực hiện ") == "estimate" == kind_code("Dự ước") == kind_code("estimate")
    assert kind_code("Kế hoạch") == "target" == kind_code("Mục tiêu")
    assert kind_code("Dự báo") is None
    assert status_code("Đã hoàn thành") == "done" == status_code("hoan thanh")
    assert status_code(unicodedata.normalize("NFD", "Chưa triển khai")) == "not_started"


def test_default_slots_follow_the_half_year():
    assert default_slots(dt.date(2026, 7, 20)) == [("2026-H1", "actual"), ("2026-H2", "estimate"),
                                                   ("2026", "estimate")]
    assert default_slots(dt.date(2026, 3, 1)) == [("2025", "actual"), ("2026-H1", "estimate"),
                                                  ("2026", "estimate")]
    choices = period_choices(dt.date(2026, 7, 20))
    assert {"2020", "2026-H1", "2026-Q3", "2030"} <= set(choices) and choices.index("2026-H1") < choices.index("2026")


def _rows(n: int):
    for i in range(n):
        yield {"indicator_code": f"ind_{i % 7}", "indicator_name": "=SUM(A1)" if i == 0 else f"Chỉ tiêu {i}",
               "unit": "%", "unit_code": "178", "unit_name": "Thành phố Lạng Sơn", "period": "2026-H1",
               "kind": "actual", "current": 12.5 if i % 2 else None, "decimals": 1}


def test_the_template_locks_headers_opens_value_cells_and_hides_its_identity():
    data = write_values_workbook(list(_rows(5)), {"scope": "district", "scope_code": "178",
                                                   "scope_name": "Thành phố Lạng Sơn", "province": "20"},
                                 generated_by="dpi", period_list=["2025", "2026-H1", "2026"])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["Hướng dẫn", VALUES_SHEET]
    assert wb[META_SHEET].sheet_state == "veryHidden" and wb[LISTS_SHEET].sheet_state == "hidden"
    meta = {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows()}
    assert meta["version"] == VALUES_VERSION and meta["kind"] == "values" and meta["scope_code"] == "178"
    ws = wb[VALUES_SHEET]
    assert ws.protection.sheet
    assert [ws.cell(HEADER_ROW, i + 1).value for i in range(len(VALUE_COLUMNS))] == [c.vi for c in VALUE_COLUMNS]
    for i, col in enumerate(VALUE_COLUMNS, start=1):
        assert ws.cell(HEADER_ROW, i).protection.locked
        assert ws.cell(HEADER_ROW + 1, i).protection.locked is (not col.editable), col.key
    assert ws.cell(4, 2).value == "=SUM(A1)" and ws.cell(4, 2).data_type == "s"  # text, never a formula
    assert ws.cell(5, 7).value == "Thực hiện"
    validations = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert validations == {"G4:G8": f"'{LISTS_SHEET}'!$A$1:$A$3", "F4:F8": f"'{LISTS_SHEET}'!$B$1:$B$3"}
    assert ws.freeze_panes == "A4"


def test_the_reader_refuses_before_opening():
    with pytest.raises(reader.FileRefused) as err:
        reader.check_container(reader.load(b"a;b\n1;2\n", "so-lieu.xlsx"))
    assert err.value.code == "not_excel" and "CSV" in err.value.message_en
    with pytest.raises(reader.FileRefused) as err:
        reader.check_container(reader.load(b"PK\x03\x04garbage", "hong.xlsx"))
    assert err.value.code == "damaged"


def test_merged_ranges_are_found_in_the_sheet_xml():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.merge_cells("A1:C1")
    ws.merge_cells("B5:B9")
    for r in range(2, 3000):
        ws.cell(r, 1).value = "x" * 50
    buf = io.BytesIO()
    wb.save(buf)
    with reader.Book(reader.load(buf.getvalue(), "m.xlsx")) as book:
        assert sorted(book.merged_ranges(book.wb.worksheets[0])) == ["A1:C1", "B5:B9"]
