"""Workbooks in the senders' own layouts (issue 16), made with openpyxl: a heading with the agency in merged
cells, a title, a header row (sometimes two, under merged parents), numbered rows, a "Tổng cộng" row, a
signature block, numbers typed as text in Vietnamese styles, a formula. No real decision numbers or
person names: the signature block carries titles only.

``Sheet`` describes one sheet; ``workbook(*sheets)`` writes the bytes. ``add_communes(engine)`` gives a
store a few Lạng Sơn communes in force from 01/7/2025 (the demo has none), with their unit versions.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from sqlalchemy import insert, select, update

from qh_data import demo
from qh_data.db import session_scope
from qh_data.models import AdminUnitVersion

HEADER = ["STT", "Chỉ tiêu", "ĐVT", "Thực hiện 2024", "Ước TH 6 tháng 2025", "Ước TH năm 2025", "Kế hoạch 2026",
          "Ghi chú"]
LANG_SON_DISTRICTS = [str(c) for c in range(178, 190) if c != 179]
COMMUNES = [("06001", "Xã Đoàn Kết"), ("06004", "Xã Quốc Khánh"), ("05977", "Phường Đông Kinh")]


@dataclass
class Sheet:
    title: str = "Biểu 01"
    sender: tuple[str, ...] = ("UBND TỈNH LẠNG SƠN", "SỞ TÀI CHÍNH")
    report_title: str = "BÁO CÁO MỘT SỐ CHỈ TIÊU KINH TẾ - XÃ HỘI CHỦ YẾU NĂM 2025"
    header: list[str] = field(default_factory=lambda: list(HEADER))
    sub_header: list[str] | None = None  # a second header row under merged parents
    merges: list[str] = field(default_factory=list)  # extra merged ranges (header parents)
    numbering: bool = False  # a "(1) (2) (3)" row under the header
    blank_rows_before_header: int = 0
    rows: list[tuple] = field(default_factory=list)  # (stt, name, ĐVT, value, value, ..., [note])
    total: bool = True
    signature: bool = True
    hidden: bool = False
    hidden_rows: list[int] = field(default_factory=list)  # offsets into ``rows``
    data_merges: list[str] = field(default_factory=list)  # merged ranges over data cells
    formulas: dict[str, str] = field(default_factory=dict)  # cell -> formula


def _write_sheet(ws, s: Sheet) -> dict[str, int]:
    width = len(s.header)
    last = chr(ord("A") + width - 1)
    ws["A1"] = s.sender[0]
    ws.merge_cells("A1:C1")
    if len(s.sender) > 1:
        ws["A2"] = s.sender[1]
        ws.merge_cells("A2:C2")
    ws[f"{chr(ord('A') + max(width - 3, 3))}1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws[f"{chr(ord('A') + max(width - 3, 3))}2"] = "Độc lập - Tự do - Hạnh phúc"
    ws["A4"] = s.report_title
    ws.merge_cells(f"A4:{last}4")
    ws["A5"] = "(Kèm theo báo cáo của đơn vị)"
    ws.merge_cells(f"A5:{last}5")
    r = 7 + s.blank_rows_before_header
    header_row = r
    for i, h in enumerate(s.header, start=1):
        ws.cell(r, i, h)
    for ref in s.merges:
        ws.merge_cells(ref.replace("#", str(r)).replace("$", str(r + 1)))
    if s.sub_header:
        r += 1
        for i, h in enumerate(s.sub_header, start=1):
            if h:
                ws.cell(r, i, h)
    if s.numbering:
        r += 1
        for i in range(1, width + 1):
            ws.cell(r, i, f"({i})")
    first = r + 1
    for offset, row in enumerate(s.rows):
        for i, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(first + offset, i, v)
    for offset in s.hidden_rows:
        ws.row_dimensions[first + offset].hidden = True
    for ref in s.data_merges:
        ws.merge_cells(ref)
    r = first + len(s.rows)
    if s.total:
        ws.cell(r, 1, "Tổng cộng")
        ws.merge_cells(f"A{r}:B{r}")
        ws.cell(r, 4, "9.999.999")
        r += 1
    for cell, formula in s.formulas.items():
        ws[cell] = formula
    if s.signature:
        r += 2
        ws.cell(r, 2, "Người lập biểu")
        ws.cell(r, width - 1, "THỦ TRƯỞNG ĐƠN VỊ")
        ws.cell(r + 1, width - 1, "(Ký, ghi rõ họ tên, đóng dấu)")
    return {"header_row": header_row, "first_row": first}


def workbook(*sheets: Sheet) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.title)
        _write_sheet(ws, s)
        if s.hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def first_row(s: Sheet) -> int:
    return 8 + s.blank_rows_before_header + (1 if s.sub_header else 0) + (1 if s.numbering else 0)


def with_cached_value(data: bytes, sheet_index: int, cell: str, value: str) -> bytes:
    """The workbook with a cached result written beside the formula of ``cell`` (what Excel saves)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{sheet_index}.xml":
                text = body.decode()
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                text = text[:start] + text[start:end].replace("<v></v>", "").replace("<v/>", "") \
                    + f"<v>{value}</v>" + text[end:]
                body = text.encode()
            dst.writestr(item, body)
    return out.getvalue()


def add_communes(engine) -> None:
    """A store as it stood before the 2025 reform was loaded (``demo.seed(reform=False)``) with a few Lạng Sơn
    communes in force from 01/7/2025, hand-made: codes that name nothing else (the real reform reuses every
    code of an absorbed commune, which the foreign intake does not resolve by version yet), and the
    province's districts ended on 30/6/2025. Takes an empty migrated store."""
    demo.seed(engine, quiet=True, reform=False)
    with session_scope(engine) as s:
        province = s.scalar(select(AdminUnitVersion.id).where(AdminUnitVersion.level == "province",
                                                              AdminUnitVersion.code == "20"))
        s.execute(insert(AdminUnitVersion), [dict(code=code, name=name, level="commune", type=name.split()[0],
                                                  parent_id=province, valid_from=dt.date(2025, 7, 1),
                                                  is_synthetic=False) for code, name in COMMUNES])
        s.execute(update(AdminUnitVersion).where(AdminUnitVersion.level == "district",
                                                 AdminUnitVersion.code.in_(LANG_SON_DISTRICTS))
                  .values(valid_to=dt.date(2025, 6, 30)))


# A commune of Lạng Sơn after the reform, the "Biểu 01" of issue 16's "done when".
COMMUNE_BIEU_01 = Sheet(
    sender=("UBND TỈNH LẠNG SƠN", "UBND XÃ QUỐC KHÁNH"), report_title="BÁO CÁO CÁC CHỈ TIÊU CHỦ YẾU NĂM 2025",
    header=["STT", "Chỉ tiêu", "ĐVT", "Ước TH năm 2025", "Kế hoạch 2026", "Ghi chú"],
    rows=[(1, "Dân số trung bình", "Người", "6.210", "6.300"),
          (2, "Tỷ lệ hộ nghèo đa chiều", "%", "14,2", "12"),
          (3, "Tỷ lệ lao động qua đào tạo", "%", "55,5", "58")])
