"""Exports to CSV and Excel. Cells that a spreadsheet could run as a formula are neutralised."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import Engine, select

from .db import read_session
from .models import Base

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)


def neutralise_formula(value):
    """Prefix text that begins like a formula with a single quote so it is shown, never run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_formula)
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    return out


def dataframe_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly."""
    # Every cell quoted and rows ended by CRLF: a line break inside a cell never starts a new row.
    return _safe(df).to_csv(index=False, quoting=csv.QUOTE_ALL, lineterminator="\r\n").encode("utf-8-sig")


def dataframe_to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "Sheet1") -> bytes:
    buf = io.BytesIO()
    _workbook({sheet_name: df}).save(buf)
    return buf.getvalue()


def _workbook(frames: dict[str, pd.DataFrame]) -> Workbook:
    """One sheet per frame: a bold header row kept in view, then the rows (empty cells for missing
    values). openpyxl's write-only mode: a third of the time of pandas' to_excel for the whole store."""
    book = Workbook(write_only=True)
    for name, df in frames.items():
        sheet = book.create_sheet(name[:31] or "Sheet1")
        sheet.freeze_panes = "A2"
        safe = _safe(df)
        sheet.append([_header_cell(sheet, str(c)) for c in safe.columns])
        for row in safe.astype(object).where(safe.notna(), None).itertuples(index=False, name=None):
            sheet.append(row)
    return book


def _header_cell(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = HEADER_FONT
    return cell


def table_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every table of the store, rows ordered by primary key."""
    out = {}
    with read_session(engine) as s:
        for table in Base.metadata.sorted_tables:
            stmt = select(table).order_by(*table.primary_key.columns)
            rows = s.execute(stmt).all()
            out[table.name] = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    return out


def export_csv(engine: Engine, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in table_frames(engine).items():
        path = out_dir / f"{name}.csv"
        path.write_bytes(dataframe_to_csv_bytes(df))
        written.append(path)
    return written


def export_xlsx(engine: Engine, path: Path) -> Path:
    _workbook(table_frames(engine)).save(path)
    return path
