"""Finding the table on each sheet of a workbook a sender made themselves (issue 16).

A sheet is read top down: the title lines (agency names in merged cells, "BÁO CÁO …", the report's year),
the header row (the row with a "Chỉ tiêu" / "Nội dung" heading and at least one figure heading; a
second header row under merged parents is joined to them; a row of column numbers "(1) (2) (3)" is
skipped), then the data rows until the signature block ("Người lập biểu", "THỦ TRƯỞNG ĐƠN VỊ", "…, ngày
… tháng … năm …"). Blank rows, total rows ("Tổng cộng", "Tổng số") and section rows (a name with no
figure: "I. KINH TẾ") are skipped and listed with the reason.

Nothing is looked up in the store here: ``Table`` holds the cells as typed, ``headings`` says what each
column holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl.utils import column_index_from_string, range_boundaries

from .common import letter, norm_text
from .headings import Heading, context_year, read_heading, words_of
from .reader import Book

MAX_COLUMNS = 40
HEADER_SCAN = 40  # rows searched for the header
MAX_SHEETS = 30

_SIGNATURE = (("nguoi", "lap"), ("thu", "truong"), ("tm",), ("kt",), ("chu", "tich"), ("giam", "doc"),
              ("ky", "ten"), ("truong", "phong"), ("ngay", "thang", "nam"))
_TOTALS = ("tong cong", "tong so", "cong", "tong", "total", "tong cong toan xa", "tong cong toan huyen")
_ROMAN = re.compile(r"^[ivxlc]+\.?$|^[a-z]\.?$")
_COLUMN_NUMBER = re.compile(r"^\(?\s*(\d{1,2}|[a-z])\s*\)?$|^\(?\d+\s*=\s*[\d/*+-]+\)?$")


@dataclass
class Cell:
    value: object
    data_type: str
    number_format: str | None


@dataclass
class Column:
    index: int  # 1-based
    heading: str
    meaning: Heading

    @property
    def letter(self) -> str:
        return letter(self.index)


@dataclass
class DataRow:
    row: int
    name: str
    unit_text: str
    cells: dict[int, Cell]  # value columns only, by column index
    note: str | None = None


@dataclass
class Table:
    title: str
    header_row: int
    title_lines: list[str]
    columns: list[Column]
    rows: list[DataRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, reason code)
    merged_over_data: list[str] = field(default_factory=list)
    hidden: bool = False

    def role_column(self, role: str) -> Column | None:
        return next((c for c in self.columns if c.meaning.role == role), None)

    @property
    def value_columns(self) -> list[Column]:
        return [c for c in self.columns if c.meaning.role in ("value", "unknown", "ignored")]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return norm_text(value)


def _merged_fill(book: Book, ws, grid: dict[int, list[Cell]]):
    """The merged ranges, and a copy of the top rows with each range's top-left value copied over the
    range (headings read whole); the data rows themselves are never filled (a merged figure counts once)."""
    ranges = []
    top = {r: list(cells) for r, cells in grid.items() if r <= HEADER_SCAN + 2}
    for ref in book.merged_ranges(ws):
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except ValueError:
            continue
        ranges.append((min_col, min_row, max_col, max_row))
        first = top.get(min_row)
        if first is None or min_col > len(first):
            continue
        source = first[min_col - 1]
        for r in range(min_row, max_row + 1):
            row = top.get(r)
            if row is None:
                continue
            for c in range(min_col, min(max_col, len(row)) + 1):
                if (r, c) != (min_row, min_col) and row[c - 1].value in (None, ""):
                    row[c - 1] = Cell(source.value, "s", None)
    return ranges, top


def _read_grid(book: Book, ws) -> dict[int, list[Cell]]:
    grid: dict[int, list[Cell]] = {}
    for r, cells in book.rows(ws, min_row=1, max_col=MAX_COLUMNS):
        row = [Cell(getattr(c, "value", None), getattr(c, "data_type", "n") or "n",
                    getattr(c, "number_format", None)) for c in cells]
        if any(c.value not in (None, "") for c in row):
            grid[r] = row
    return grid


def _is_numbering(row: list[Cell]) -> bool:
    """A row of column numbers under the header: (1) (2) (3) … or A B 1 2 3."""
    texts = [_text(c.value).lower() for c in row if c.value not in (None, "")]
    return len(texts) >= 3 and all(_COLUMN_NUMBER.match(t) for t in texts)


def _header_score(row: list[Cell], year: int | None) -> tuple[int, list[Heading]]:
    meanings = [read_heading(c.value, year) if isinstance(c.value, str) else Heading("unknown") for c in row]
    has_name = any(m.role == "name" for m in meanings)
    values = sum(m.role in ("value", "ignored") for m in meanings)
    return (values + 1 if has_name and values else 0), meanings


def _is_signature(row: list[Cell]) -> bool:
    """A line of the signature block: its words, and no number anywhere on the row."""
    if any(isinstance(c.value, (int, float)) and not isinstance(c.value, bool) for c in row):
        return False
    for c in row:
        if isinstance(c.value, str):
            words = words_of(c.value)
            if any(all(w in words for w in seq) for seq in _SIGNATURE) and len(words) <= 12:
                return True
    return False


def _joined_headings(grid: dict[int, list[Cell]], rows: list[int], width: int) -> list[str]:
    out = []
    for c in range(width):
        parts: list[str] = []
        for r in rows:
            row = grid.get(r, [])
            t = _text(row[c].value) if c < len(row) else ""
            if t and t not in parts:
                parts.append(t)
        out.append(" ".join(parts))
    return out


def find_table(book: Book, ws, grid: dict[int, list[Cell]] | None = None) -> Table | None:
    """The table of one sheet, or None when no header row is found."""
    grid = _read_grid(book, ws) if grid is None else grid
    if not grid:
        return None
    ranges, filled = _merged_fill(book, ws, grid)
    top_rows = sorted(r for r in filled if r <= HEADER_SCAN)
    first_named = next((r for r in top_rows if any(read_heading(c.value).role == "name"
                                                   for c in filled[r] if isinstance(c.value, str))), None)
    year = context_year(_text(c.value) for r in top_rows if first_named is None or r < first_named
                        for c in filled[r])
    best, best_row = 0, None
    for r in top_rows:
        score, _ = _header_score(filled[r], year)
        if score > best:
            best, best_row = score, r
    if best_row is None:
        return None
    header_rows = [best_row]
    width = max(len(filled[best_row]), 1)
    above = best_row - 1
    if above in filled and any(b <= above and d >= best_row for _, b, _, d in ranges):
        header_rows.insert(0, above)  # the parents of a two-row header (merged down over this row)
    nxt = best_row + 1
    below = filled.get(nxt) if len(header_rows) == 1 else None
    if below is not None and not _is_numbering(below):
        numbers_below = any(isinstance(c.value, (int, float)) and not isinstance(c.value, bool) for c in below[3:])
        alone = [read_heading(h, year).role for h in _joined_headings(filled, [best_row], width)]
        joined = [read_heading(h, year).role for h in _joined_headings(filled, [best_row, nxt], width)]
        if not numbers_below and joined.count("value") > alone.count("value"):
            header_rows.append(nxt)  # a second header row under merged parents ("Năm 2025" / "Kế hoạch")
    headings = _joined_headings(filled, header_rows, width)
    columns = [Column(i, h, read_heading(h, year)) for i, h in enumerate(headings, start=1) if h]
    title_lines = list(dict.fromkeys(_text(c.value) for r in top_rows if r < header_rows[0] for c in filled[r]
                                     if _text(c.value)))
    table = Table(ws.title, header_rows[-1], title_lines, columns)
    _read_rows(table, grid, ranges, book.hidden_rows(ws))
    return table


def _read_rows(table: Table, grid: dict[int, list[Cell]], ranges, hidden: set[int]) -> None:
    name_col, unit_col = table.role_column("name"), table.role_column("unit")
    note_col, stt_col = table.role_column("note"), table.role_column("stt")
    value_cols = [c for c in table.columns if c.meaning.role in ("value", "unknown")]
    first = table.header_row + 1
    data_merges = [(a, b, c, d) for a, b, c, d in ranges if d >= first]

    def at(row: list[Cell], col: Column | None) -> Cell | None:
        return row[col.index - 1] if col is not None and col.index <= len(row) else None

    for r in sorted(x for x in grid if x >= first):
        row = grid[r]
        if _is_numbering(row):
            table.skipped.append((r, "numbering"))
            continue
        if _is_signature(row):
            table.skipped.append((r, "signature"))
            break
        name = _text(at(row, name_col).value) if at(row, name_col) else ""
        cells = {c.index: cell for c in value_cols if (cell := at(row, c)) is not None
                 and cell.value not in (None, "")}
        labels = [" ".join(words_of(c.value)) for c in row[:max(name_col.index if name_col else 2, 2)]
                  if isinstance(c.value, str)]  # a total's label may sit in a merged STT + name cell
        if any(x in _TOTALS or x.startswith("tong cong") for x in labels):
            table.skipped.append((r, "total"))
            continue
        if not name:
            table.skipped.append((r, "no_name" if cells else "blank"))
            continue
        if not cells:
            stt = _text(at(row, stt_col).value).lower() if at(row, stt_col) else ""
            table.skipped.append((r, "section" if _ROMAN.match(stt) or name.isupper() else "no_figures"))
            continue
        if r in hidden:
            table.skipped.append((r, "hidden"))  # a row hidden in Excel is left out, and the user told
            continue
        for a, b, c, d in data_merges:
            if b <= r <= d and any(a <= i <= c for i in cells):
                table.merged_over_data.append(f"{letter(a)}{b}:{letter(c)}{d}")
        note_cell = at(row, note_col)
        table.rows.append(DataRow(r, name, _text(at(row, unit_col).value) if at(row, unit_col) else "", cells,
                                  _text(note_cell.value) if note_cell is not None and note_cell.value else None))
    table.merged_over_data = list(dict.fromkeys(table.merged_over_data))


def find_tables(book: Book) -> tuple[list[Table], list[str]]:
    """The tables of every sheet (hidden sheets too, marked), and the sheets with content but no table found
    (empty sheets are neither)."""
    tables, without = [], []
    for name in book.sheet_names[:MAX_SHEETS]:
        ws = book.wb[name]
        grid = _read_grid(book, ws)
        if not grid:
            continue
        table = find_table(book, ws, grid)
        if table is None:
            without.append(name)
            continue
        table.hidden = getattr(ws, "sheet_state", "visible") != "visible"
        tables.append(table)
    return tables, without


def column_index(col: str) -> int:
    return column_index_from_string(col)
