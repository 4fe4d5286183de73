"""The page downloads in a real browser: the workbook is built on the click and opens as Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook


def _download(qp, label: str) -> bytes:
    with qp.page.expect_download(timeout=60_000) as info:
        qp.page.locator('[data-testid="stDownloadButton"] button', has_text=label).first.click()
    data = Path(info.value.path()).read_bytes()
    qp.wait_idle()  # the click also reruns the page: the next click waits for it, as a person would
    return data


def test_progress_table_downloads_as_excel_and_csv_with_vietnamese_headers(page_at, app_server):
    qp = page_at("projector_1080", app_server.url)
    qp.open("progress", p="20")
    workbook = load_workbook(io.BytesIO(_download(qp, "Tải Excel")), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Cơ quan chủ trì"
    assert len(rows) > 10 and all(r[0] for r in rows[1:])
    text = _download(qp, "Tải CSV").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0] == "Cơ quan chủ trì" and len(table) == len(rows)
    assert qp.exceptions() == [] and qp.page_errors == []
