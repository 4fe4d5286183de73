"""Helpers of the intake tests: a checksum of the whole store, actors, filling templates in openpyxl."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

from openpyxl import load_workbook
from sqlalchemy import select

from qh_data.auth import actor_of
from qh_data.db import read_session
from qh_data.intake.common import FIRST_DATA_ROW, VALUE_COLUMNS
from qh_data.models import Base, User
from qh_data.permissions import Actor

COL = {c.key: i for i, c in enumerate(VALUE_COLUMNS, start=1)}  # 1-based column numbers
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def checksum(engine) -> str:
    """SHA-256 over every row of every table, in primary-key order: equal means byte-for-byte unchanged."""
    h = hashlib.sha256()
    with read_session(engine) as s:
        for table in Base.metadata.sorted_tables:
            h.update(f"\n#{table.name}\n".encode())
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
                h.update(b"\n")
    return h.hexdigest()


def actor(engine, username: str) -> Actor:
    with read_session(engine) as s:
        return actor_of(s.scalar(select(User).where(User.username == username)))


def edit(data: bytes, change: Callable) -> bytes:
    """Open a workbook (normal mode), let ``change(wb)`` edit it, save it again."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def data_rows(ws):
    """(row number, {key: cell}) for every prefilled data row of a figures sheet."""
    for r in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(r, COL["indicator_code"]).value is None:
            continue
        yield r, {key: ws.cell(r, n) for key, n in COL.items()}


def find_row(ws, indicator: str, period: str, kind_word: str) -> int:
    for r, cells in data_rows(ws):
        if (cells["indicator_code"].value == indicator and cells["period"].value == period
                and cells["kind"].value == kind_word):
            return r
    raise AssertionError(f"no template row for {indicator} {period} {kind_word}")
