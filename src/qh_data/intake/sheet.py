"""The checks every template goes through before its rows are read: identity and version (hidden
sheet), the data sheet itself, the header row, merged cells. Shared by figures and task progress.

Each check reports at most one error for the file's structure (a shifted or renamed column is one clear
error naming the expected header) and tells the caller whether the rows can be read at all.
"""

from __future__ import annotations

from .common import HEADER_ROW, TEMPLATE_MARK, Column, Report, letter, norm_key, shown
from .reader import Book

HEADER_SCAN_ROWS = HEADER_ROW + 7  # how far down a shifted header is looked for
HEADER_SCAN_EXTRA_COLUMNS = 6  # and how far right


def check_identity(meta: dict | None, report: Report, *, kind: str, version: str) -> bool:
    """True when the hidden identity sheet says this is our template of ``kind`` at ``version``."""
    if meta is None or meta.get("template") != TEMPLATE_MARK:
        report.error(
            "not_template",
            "Tệp không phải biểu mẫu của hệ thống (thiếu trang định danh ẩn của biểu mẫu). Hãy tải biểu mẫu mới "
            "trên trang Nhập số liệu, chép số liệu vào đó rồi gửi lại.",
            "The file is not a template of this system (the template's hidden identity sheet is missing). "
            "Download a new template on the Data intake page, copy the figures into it and send it again.")
        return False
    if meta.get("kind") != kind or meta.get("version") != version:
        found = meta.get("version") or "?"
        report.error(
            "wrong_version",
            f"Biểu mẫu phiên bản '{found}' không dùng được để nhập lần này (phiên bản hiện hành: '{version}'). "
            "Hãy tải biểu mẫu mới, chép số liệu vào đó rồi gửi lại.",
            f"Template version '{found}' cannot be imported here (current version: '{version}'). Download a "
            "new template, copy the figures into it and send it again.", value=found)
        return False
    return True


def check_sheet_and_headers(book: Book, report: Report, sheet_name: str, columns: tuple[Column, ...]):
    """The data sheet if it is there with the expected headers, else None (one error reported)."""
    ws = book.sheet(sheet_name)
    if ws is None:
        report.error(
            "missing_sheet",
            f"Không tìm thấy trang '{sheet_name}' trong tệp (tệp có các trang: {', '.join(book.sheet_names)}). "
            "Đừng đổi tên hay xóa trang của biểu mẫu.",
            f"Sheet '{sheet_name}' is missing (the file has: {', '.join(book.sheet_names)}). Do not rename or "
            "delete the template's sheets.", sheet=sheet_name)
        return None
    width = len(columns)
    top = [tuple(r) for r in ws.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS,
                                          max_col=width + HEADER_SCAN_EXTRA_COLUMNS, values_only=True)]
    if not any(v not in (None, "") for r in top for v in r):
        report.error("empty_sheet", f"Trang '{ws.title}' trống: không có tiêu đề cũng như số liệu.",
                     f"Sheet '{ws.title}' is empty: no headers and no figures.", sheet=ws.title)
        return None
    expected = [{norm_key(c.vi), norm_key(c.en)} for c in columns]
    header = list(top[HEADER_ROW - 1]) if len(top) >= HEADER_ROW else []
    header += [None] * (width - len(header))
    if all(norm_key(header[i]) in expected[i] for i in range(width)):
        return ws
    if not _report_shifted(report, ws.title, top, columns[0], expected[0]):
        _report_wrong_header(report, ws.title, header, columns, expected)
    return None


def _report_shifted(report: Report, title: str, top: list[tuple], first: Column, names: set[str]) -> bool:
    """The first header found anywhere but A{HEADER_ROW}: the columns (or rows) were shifted."""
    for r_idx, row in enumerate(top, start=1):
        for c_idx, value in enumerate(row, start=1):
            if norm_key(value) in names and (r_idx, c_idx) != (HEADER_ROW, 1):
                report.error(
                    "shifted_columns",
                    f"Các cột bị lệch: tiêu đề '{first.vi}' phải ở ô A{HEADER_ROW} nhưng lại ở ô "
                    f"{letter(c_idx)}{r_idx}. Đừng chèn hay xóa dòng, cột; hãy chép số liệu vào biểu mẫu mới.",
                    f"The columns are shifted: the header '{first.en}' ('{first.vi}') belongs in cell "
                    f"A{HEADER_ROW} but is in cell {letter(c_idx)}{r_idx}. Do not insert or delete rows or "
                    "columns; copy the figures into a new template.",
                    sheet=title, row=r_idx, column=letter(c_idx), value=value)
                return True
    return False


def _report_wrong_header(report: Report, title: str, header: list, columns: tuple[Column, ...],
                         expected: list[set[str]]) -> None:
    """The first column whose header is not the template's."""
    for i, col in enumerate(columns):
        if norm_key(header[i]) not in expected[i]:
            report.error(
                "wrong_header",
                f"Tiêu đề cột {letter(i + 1)} phải là '{col.vi}', tìm thấy '{shown(header[i])}'. Đừng đổi tên, "
                "chèn hay xóa cột; hãy chép số liệu vào biểu mẫu mới.",
                f"The header of column {letter(i + 1)} must be '{col.vi}' ({col.en}), found "
                f"'{shown(header[i])}'. Do not rename, insert or delete columns; copy the figures into a new "
                "template.", sheet=title, row=HEADER_ROW, column=letter(i + 1), value=header[i])
            return


def check_merged(book: Book, ws, report: Report) -> None:
    """One error per merged range that reaches the header row or below (title lines may be merged)."""
    for ref in book.merged_ranges(ws):
        start = ref.split(":")[0]
        col = "".join(ch for ch in start if ch.isalpha())
        row = int("".join(ch for ch in start if ch.isdigit()))
        last_row = int("".join(ch for ch in ref.split(":")[-1] if ch.isdigit()))
        if last_row < HEADER_ROW:
            continue
        report.error(
            "merged_cells",
            f"Vùng ô {ref} bị gộp. Trong vùng tiêu đề và số liệu không được gộp ô: hãy bỏ gộp ô (Merge & "
            "Center → Unmerge Cells) và ghi đủ nội dung vào từng ô.",
            f"Cells {ref} are merged. Cells must not be merged in the header and data area: unmerge them "
            "(Merge & Center → Unmerge Cells) and fill each cell.",
            sheet=ws.title, row=row, column=col, value=ref)
