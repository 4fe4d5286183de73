"""Reading the rows of a figures sheet into ``RawRow``s: the cells as typed, nothing looked up yet.

Blank rows are skipped; a row whose new-figure cell is blank counts as a data row but gives nothing to
import (the figure in force stays). Formulas in the code, period, kind and note cells and an unclean
note are reported here, where the cells are at hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ValidationFailed
from ..text import clean_text
from . import numbers
from .common import FIRST_DATA_ROW, HEADER_ROW, VALUE_COLUMNS, Report, letter, norm_text, shown
from .reader import Book

Progress = Callable[[int, int, str], None]
PROGRESS_EVERY = 2000
COLUMN = {c.key: i for i, c in enumerate(VALUE_COLUMNS)}  # 0-based positions in a row of cells
LETTER = {c.key: letter(i) for i, c in enumerate(VALUE_COLUMNS, start=1)}
FORMULA_CHECKED = ("indicator_code", "unit_code", "period", "kind", "note")
NOTE_MAX = 2000


@dataclass
class RawRow:
    """One row of the sheet with a figure in it, as typed."""

    row: int
    indicator: str
    indicator_name: str
    unit_code: str
    unit_name: str
    period: str | None
    kind: str | None
    reading: numbers.Parsed
    raw_value: object
    note: str | None
    sheet: str | None = None  # a sender's own workbook (``intake.foreign``): the row's sheet
    letters: dict[str, str] | None = None  # and its columns (key -> letter); None: the template's

    def letter(self, key: str) -> str | None:
        """The column letter of ``key`` ("value", "indicator_code", ...) where this row was read."""
        if self.letters is None:
            return LETTER[key]
        return self.letters.get(key) or None


def code_text(value) -> str:
    """A code cell as text: 8.0 (a code typed as a number) reads "8"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return norm_text(value)


def _blank(values: list) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _report_formulas(cells, report: Report, title: str, row_idx: int) -> None:
    for key in FORMULA_CHECKED:
        c = cells[COLUMN[key]]
        if c.data_type == "f":
            report.error("formula",
                         f"Ô chứa công thức ({shown(c.value)}). Hãy thay bằng giá trị (Dán đặc biệt → Giá trị).",
                         f"The cell holds a formula ({shown(c.value)}). Replace it with its value (Paste "
                         "Special → Values).", sheet=title, row=row_idx, column=LETTER[key], value=c.value)


def _note(cells, report: Report, title: str, row_idx: int) -> str | None:
    cell = cells[COLUMN["note"]]
    if cell.value in (None, "") or cell.data_type == "f":
        return None
    try:
        return clean_text(str(cell.value), field="ghi chú / note", max_len=NOTE_MAX)
    except ValidationFailed as exc:
        report.error("bad_note", exc.message_vi, exc.message_en, sheet=title, row=row_idx,
                     column=LETTER["note"], value=cell.value)
        return None


def _raw_row(cells, row_idx: int, reading: numbers.Parsed, note: str | None) -> RawRow:
    def value(key: str):
        return cells[COLUMN[key]].value

    period, kind = value("period"), value("kind")
    return RawRow(
        row=row_idx,
        indicator=code_text(value("indicator_code")),
        indicator_name=norm_text(value("indicator_name")),
        unit_code=code_text(value("unit_code")),
        unit_name=norm_text(value("unit_name")),
        period=code_text(period) if period is not None else None,
        kind=norm_text(kind) if kind is not None else None,
        reading=reading, raw_value=value("value"), note=note)


def read_rows(book: Book, ws, report: Report, progress: Progress, expected_rows: int) -> tuple[list[RawRow], int]:
    """The rows with a figure, and how many non-blank data rows the sheet has."""
    title = ws.title
    out: list[RawRow] = []
    data_rows = 0
    for row_idx, cells in book.rows(ws, min_row=FIRST_DATA_ROW, max_col=len(VALUE_COLUMNS)):
        if row_idx % PROGRESS_EVERY == 0:
            progress(row_idx - HEADER_ROW, max(expected_rows, row_idx - HEADER_ROW), "read")
        if _blank([c.value for c in cells]):
            continue
        data_rows += 1
        vcell = cells[COLUMN["value"]]
        reading = numbers.parse_cell(vcell.value, vcell.data_type, vcell.number_format)
        _report_formulas(cells, report, title, row_idx)
        if reading.blank:
            continue  # nothing to import on this row: the figure in force stays
        out.append(_raw_row(cells, row_idx, reading, _note(cells, report, title, row_idx)))
    return out, data_rows
