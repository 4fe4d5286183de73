"""Checking a figures workbook cell by cell, and sorting its rows into new / changed / unchanged.

Every problem names the sheet, the row, the column (Excel letter), the value found and says, in
Vietnamese and in English, what is expected. Errors refuse the whole file; warnings (a figure far from
the district's previous ones, a number that could be read two ways, a name that differs from the
catalogue's) are shown and the file can still be imported.

The checks, in order, each in its own module:

- ``sheet``: the template's identity and version (hidden sheet), the data sheet, the header row (a
  shifted or renamed column is one clear error naming the expected header), merged cells;
- ``value_rows``: reading the rows (formulas in the identifying cells, the note clean);
- ``value_checks``: every row: indicator, area, period and kind known; the figure a number (decimal
  comma or point, thousands separators, percent sign, spaces), not a formula, within the indicator's
  bounds; no two rows for the same figure; the actor allowed to submit it;
- here: the figures in force (``lookups.load_current``), the far-from-previous warning
  (``outliers``) and each row's status against the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from ..permissions import Actor
from . import numbers
from .common import FIRST_DATA_ROW, HEADER_ROW, VALUE_COLUMNS, VALUES_SHEET, VALUES_VERSION, Report, letter
from .lookups import Lookups, load_current, load_lookups
from .outliers import outlier
from .reader import Book
from .sheet import check_identity, check_merged, check_sheet_and_headers
from .value_checks import Accepted, RowChecker
from .value_rows import PROGRESS_EVERY, read_rows

Progress = Callable[[int, int, str], None]
SAME_VALUE_TOLERANCE = 1e-9  # relative: a figure this close to the one in force is unchanged


def _noop(done: int, total: int, stage: str) -> None:
    return None


@dataclass
class ValueRow:
    """One accepted figure of the file, with what the store holds for it now."""

    row: int
    indicator: str
    unit_code: str
    period: str
    kind: str
    value: float
    note: str | None = None
    status: str = "new"  # new | changed | unchanged
    old_value: float | None = None
    old_revision: int | None = None
    old_id: int | None = None
    sheet: str | None = None  # where the figure was read (the value cell)
    column: str | None = None
    unit_name: str | None = None  # the unit the code meant in the period, named as then

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column else str(self.row)

    @property
    def outcome(self) -> str:
        return self.status


def _data_sheet(book: Book, meta: dict, report: Report):
    """The figures sheet once the template's identity and headers are right (merged cells reported)."""
    if not check_identity(meta, report, kind="values", version=VALUES_VERSION):
        return None
    ws = check_sheet_and_headers(book, report, meta.get("data_sheet") or VALUES_SHEET, VALUE_COLUMNS)
    if ws is not None:
        check_merged(book, ws, report)
    return ws


def _expected_rows(book: Book, ws, meta: dict) -> int:
    """How many rows the progress bar counts on: the template's own count or the sheet's declared size."""
    try:
        expected = int(meta.get("rows") or 0)
    except ValueError:
        expected = 0
    return max(expected, (book.declared_rows(ws) or 0) - HEADER_ROW)


def _report_empty(report: Report, title: str, data_rows: int) -> None:
    """No data row at all, or (when nothing else is wrong) no row with a new figure."""
    if data_rows == 0:
        report.error("no_rows", f"Trang '{title}' không có dòng số liệu nào dưới dòng tiêu đề.",
                     f"Sheet '{title}' has no data rows below the header row.", sheet=title, row=FIRST_DATA_ROW)
        return
    if report.errors:
        return
    n_col, value_col = next((i, c) for i, c in enumerate(VALUE_COLUMNS, 1) if c.key == "value")
    col = letter(n_col)
    report.error("nothing_filled",
                 f"Chưa có số liệu mới nào: cột '{value_col.vi}' (cột {col}) để trống ở mọi dòng.",
                 f"No new figure: column '{value_col.vi}' ({value_col.en}, column {col}) is empty on every row.",
                 sheet=title, row=FIRST_DATA_ROW, column=col)


def _report_far(report: Report, lookups: Lookups, title: str, a: Accepted) -> None:
    far = outlier(lookups, a.ind, a.unit_id, a.period, a.kind, a.value)
    if far is None:
        return
    median, n_prev, _how = far
    area = _unit_name(lookups, a)
    report.warning("far_from_previous",
                   f"Số liệu {numbers.fmt_num(a.value)} khác xa các kỳ trước của {area} (trung vị "
                   f"{numbers.fmt_num(round(median, 4))} của {n_prev} kỳ gần nhất). Hãy kiểm tra lại đơn vị tính "
                   "và số liệu; số liệu vẫn có thể nhập.",
                   f"Figure {numbers.fmt_num(a.value, 'en')} is far from {area}'s previous figures (median "
                   f"{numbers.fmt_num(round(median, 4), 'en')} of the last {n_prev}). Check the unit and the "
                   "figure; it can still be imported.",
                   sheet=a.raw.sheet or title, row=a.raw.row, column=a.raw.letter("value"), value=a.raw.raw_value)


def _unit_name(lookups: Lookups, a: Accepted) -> str:
    return next((v.name for v in lookups.versions.get(a.unit, ()) if v.id == a.unit_id), a.unit)


def _compared(lookups: Lookups, a: Accepted) -> ValueRow:
    """The accepted figure with its status against the figure in force."""
    row = ValueRow(row=a.raw.row, indicator=a.ind.code, unit_code=a.unit, period=a.period, kind=a.kind,
                   value=a.value, note=a.raw.note, column=a.raw.letter("value"), unit_name=_unit_name(lookups, a))
    cur = lookups.current.get((a.ind.code, a.unit, a.period, a.kind))
    if cur is None:
        row.status = "new"
        return row
    row.old_id, row.old_revision, row.old_value = cur
    same = row.old_value is not None and abs(row.old_value - a.value) <= SAME_VALUE_TOLERANCE * max(1.0, abs(a.value))
    row.status = "unchanged" if same else "changed"
    return row


def check_values(engine: Engine, actor: Actor, book: Book, meta: dict, report: Report,
                 progress: Progress = _noop) -> tuple[list[ValueRow], int]:
    """Every cell of the figures sheet. Returns the accepted figures (with their status against the
    store) and how many data rows the sheet had."""
    ws = _data_sheet(book, meta, report)
    if ws is None:
        return [], 0
    title = ws.title
    raws, data_rows = read_rows(book, ws, report, progress, _expected_rows(book, ws, meta))
    if not raws:
        _report_empty(report, title, data_rows)
        return [], data_rows
    lookups = load_lookups(engine, meta.get("province") or None)
    checker = RowChecker(actor, lookups, report, title, numbers.file_style(r.reading for r in raws))
    total = len(raws)
    accepted: list[Accepted] = []
    for n, raw in enumerate(raws, start=1):
        if n % PROGRESS_EVERY == 0:
            progress(n, total, "check")
        if (a := checker.check(raw)) is not None:
            accepted.append(a)
    progress(total, total, "check")
    return settle(engine, lookups, report, accepted, title), data_rows


def settle(engine: Engine, lookups: Lookups, report: Report, accepted: list[Accepted], title: str) -> list[ValueRow]:
    """The accepted figures against the store: the far-from-previous warning and new / changed / unchanged.
    Shared by the template and the senders' own workbooks (``intake.foreign``)."""
    load_current(engine, lookups, {(a.ind.code, a.unit) for a in accepted})
    out: list[ValueRow] = []
    for a in accepted:
        _report_far(report, lookups, title, a)
        row = _compared(lookups, a)
        row.sheet = a.raw.sheet or title
        out.append(row)
    return out
