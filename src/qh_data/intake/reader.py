"""Opening an uploaded file safely: size, kind and integrity first, then openpyxl in read-only mode.

Refused with one clear sentence (``FileRefused``, a ``ValidationFailed``): files over ``MAX_BYTES``,
sheets over ``MAX_DATA_ROWS`` data rows, anything that is not an Office Open XML workbook (a CSV or
text renamed .xlsx, an old .xls, a .docx), a truncated or damaged zip, a zip that would unpack to more
than ``MAX_UNPACKED`` bytes, and password-protected (encrypted) workbooks, which Excel stores as an
OLE compound file holding an ``EncryptedPackage`` stream.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Self
from xml.etree import ElementTree

from openpyxl import load_workbook

from ..errors import ValidationFailed
from .common import META_SHEET, norm_text

MAX_BYTES = 10 * 1024 * 1024
MAX_DATA_ROWS = 200_000
MAX_UNPACKED = 512 * 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\s[^>]*>")
_ROW_NUMBER = re.compile(rb"\sr=\"(\d+)\"")
_HIDDEN = re.compile(rb"\shidden=\"(?:1|true)\"")
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class FileRefused(ValidationFailed):
    """The file cannot be read at all; ``code`` says why (too_big, not_excel, xls, encrypted, damaged,
    too_many_rows, empty_file, unpacked_too_big)."""

    def __init__(self, code: str, message_vi: str, message_en: str, *, sheet: str | None = None):
        super().__init__(message_vi, message_en)
        self.code = code
        self.sheet = sheet


@dataclass(frozen=True)
class Upload:
    """The bytes of one file with its name and SHA-256 (recorded with the import)."""

    data: bytes
    name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}".replace(".", ",")


def _mb_en(n: int) -> str:
    return f"{n / 1024 / 1024:.1f}"


def load(source: bytes | bytearray | str | Path | BinaryIO, file_name: str | None = None) -> Upload:
    """Read at most ``MAX_BYTES`` + 1 bytes of the source; refuse a larger file before anything else."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
        name = file_name or "tep-tai-len.xlsx"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        name = file_name or path.name
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_big(name, size)
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    else:
        name = file_name or getattr(source, "name", None) or "tep-tai-len.xlsx"
        data = source.read(MAX_BYTES + 1)
    name = norm_text(Path(str(name)).name)[:300] or "tep-tai-len.xlsx"
    if len(data) > MAX_BYTES:
        raise _too_big(name, len(data))
    return Upload(data=data, name=name, sha256=hashlib.sha256(data).hexdigest())


def _too_big(name: str, size: int) -> FileRefused:
    return FileRefused(
        "too_big",
        f"Tệp {name} dung lượng {_mb(size)} MB, vượt quá giới hạn {_mb(MAX_BYTES)} MB. "
        "Hãy chia số liệu thành nhiều tệp nhỏ hơn rồi gửi từng tệp.",
        f"File {name} is {_mb_en(size)} MB, over the {_mb_en(MAX_BYTES)} MB limit. "
        "Split the figures into several smaller files and send them one by one.",
    )


def check_container(upload: Upload) -> None:
    """Refuse what is not a readable .xlsx before openpyxl sees it."""
    data, name = upload.data, upload.name
    if not data:
        raise FileRefused("empty_file", f"Tệp {name} trống (0 byte).", f"File {name} is empty (0 bytes).")
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data \
                or "EncryptionInfo".encode("utf-16-le") in data:
            raise FileRefused(
                "encrypted",
                f"Tệp {name} được đặt mật khẩu mở (mã hóa) nên hệ thống không đọc được. Hãy mở tệp trong Excel, "
                "gỡ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc → Mã hóa bằng mật khẩu, xóa mật khẩu), "
                "lưu lại rồi gửi lại.",
                f"File {name} is password-protected (encrypted), so it cannot be read. Open it in Excel, remove "
                "the password (File → Info → Protect Workbook → Encrypt with Password, clear it), save and "
                "send it again.",
            )
        raise FileRefused(
            "xls",
            f"Tệp {name} ở định dạng Excel 97–2003 (.xls) hoặc định dạng Office cũ. Hãy mở tệp trong Excel và "
            "lưu lại dưới dạng Sổ làm việc Excel (.xlsx), hoặc điền vào biểu mẫu tải từ hệ thống.",
            f"File {name} is in the Excel 97–2003 (.xls) or another old Office format. Open it in Excel and "
            "save it as an Excel Workbook (.xlsx), or fill in a template downloaded from the system.",
        )
    if not data.startswith(ZIP_MAGIC):
        head = data[:2048]
        textual = _looks_like_text(head)
        what_vi = "nội dung là văn bản thuần (có thể là tệp CSV đổi tên thành .xlsx)" if textual else \
            "nội dung không phải định dạng Excel"
        what_en = "its content is plain text (perhaps a CSV file renamed .xlsx)" if textual else \
            "its content is not in Excel format"
        raise FileRefused(
            "not_excel",
            f"Tệp {name} không phải tệp Excel (.xlsx): {what_vi}. Hãy điền số liệu vào biểu mẫu Excel tải từ "
            "hệ thống rồi gửi lại.",
            f"File {name} is not an Excel file (.xlsx): {what_en}. Fill in the Excel template downloaded from "
            "the system and send it again.",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            unpacked = sum(i.file_size for i in infos)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise _damaged(name) from exc
    if "mimetype" in names and "content.xml" in names and ODS_MIME in data[:200]:
        raise FileRefused(
            "ods",
            f"Tệp {name} ở định dạng OpenDocument (.ods, LibreOffice Calc). Hãy mở tệp và lưu lại dưới dạng "
            "Sổ làm việc Excel (.xlsx) rồi gửi lại.",
            f"File {name} is an OpenDocument spreadsheet (.ods, LibreOffice Calc). Open it and save it as an "
            "Excel Workbook (.xlsx), then send it again.",
        )
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        raise FileRefused(
            "not_excel",
            f"Tệp {name} là tệp nén nhưng không phải sổ làm việc Excel (.xlsx) (có thể là tệp Word hoặc tệp "
            "nén khác). Hãy dùng biểu mẫu Excel tải từ hệ thống.",
            f"File {name} is a zip archive but not an Excel workbook (.xlsx) (perhaps a Word document or "
            "another archive). Use the Excel template downloaded from the system.",
        )
    if unpacked > MAX_UNPACKED:
        raise FileRefused(
            "unpacked_too_big",
            f"Tệp {name} khi giải nén lớn tới {_mb(unpacked)} MB, vượt giới hạn {_mb(MAX_UNPACKED)} MB.",
            f"File {name} unpacks to {_mb_en(unpacked)} MB, over the {_mb_en(MAX_UNPACKED)} MB limit.",
        )


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1258")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))


def _damaged(name: str) -> FileRefused:
    return FileRefused(
        "damaged",
        f"Tệp {name} bị hỏng hoặc tải lên chưa hết (không đọc được cấu trúc tệp Excel). Hãy mở tệp trong "
        "Excel, lưu lại rồi gửi lại.",
        f"File {name} is damaged or was not uploaded completely (its Excel structure cannot be read). Open "
        "it in Excel, save it again and resend it.",
    )


def _local(name: str) -> str:
    """An XML tag or attribute name without its namespace (transitional and strict OOXML alike)."""
    return name.rsplit("}", 1)[-1]


def _part_path(base: str, target: str) -> str:
    """A relationship's target as a path in the zip: absolute ("/xl/...") or relative to ``base``'s folder."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, path)} of a part ("" for the package itself)."""
    folder, name = posixpath.split(part)
    try:
        root = ElementTree.fromstring(zf.read(posixpath.join(folder, "_rels", f"{name}.rels")))
    except KeyError:  # no relationships
        return {}
    return {rel.get("Id") or "": (rel.get("Type") or "", _part_path(part, rel.get("Target") or ""))
            for rel in root if _local(rel.tag) == "Relationship"}


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: path of its XML part}, read from the package's and the workbook's relationships as Excel
    finds them (the workbook part is the package's officeDocument, ``xl/workbook.xml`` by default)."""
    workbook = next((path for kind, path in _rels(zf, "").values() if kind.endswith("/officeDocument")),
                    "xl/workbook.xml")
    rels = _rels(zf, workbook)
    out: dict[str, str] = {}
    for el in ElementTree.fromstring(zf.read(workbook)).iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.startswith("{") and _local(k) == "id"), "")
        if rid in rels:
            out[el.get("name") or ""] = rels[rid][1]
    return out


# Errors openpyxl and the zip/XML layers raise on a damaged workbook.
READ_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError,
                                                TypeError, IndexError, AttributeError, OSError, SyntaxError)


class Book:
    """An openpyxl read-only workbook over the upload's bytes; use as a context manager."""

    def __init__(self, upload: Upload):
        check_container(upload)
        self.upload = upload
        try:
            self.wb = load_workbook(io.BytesIO(upload.data), read_only=True, data_only=False, keep_links=False)
        except READ_ERRORS as exc:
            raise _damaged(upload.name) from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a damaged archive must not hide the first error
            self.wb.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def sheet(self, wanted: str):
        """The sheet whose name reads as ``wanted`` (NFC, spaces collapsed), or None."""
        key = norm_text(wanted).casefold()
        for name in self.wb.sheetnames:
            if norm_text(name).casefold() == key:
                return self.wb[name]
        return None

    def meta(self) -> dict[str, str] | None:
        """The template's identity from the veryHidden sheet: {key: value}, or None if there is none."""
        ws = self.sheet(META_SHEET)
        if ws is None:
            return None
        out: dict[str, str] = {}
        try:
            for row in ws.iter_rows(min_row=1, max_row=200, max_col=2, values_only=True):
                if row and row[0] is not None:
                    out[norm_text(row[0])] = norm_text(row[1]) if len(row) > 1 and row[1] is not None else ""
        except READ_ERRORS as exc:
            raise _damaged(self.upload.name) from exc
        return out

    def merged_ranges(self, ws) -> list[str]:
        """Merged ranges of a sheet (read-only worksheets do not expose them: scan the sheet's XML part,
        found through the workbook's relationships, in the upload's own zip)."""
        found: list[str] = []
        tail = b""
        try:
            path = self.sheet_paths.get(ws.title)
            if not path:
                return []
            with zipfile.ZipFile(io.BytesIO(self.upload.data)) as zf, zf.open(path) as fh:
                while chunk := fh.read(1 << 20):
                    block = tail + chunk  # a tag cut in two by the chunk boundary is whole in the next block
                    found += [m.decode("ascii").upper() for m in _MERGE.findall(block)]
                    tail = block[-512:]
        except READ_ERRORS as exc:
            raise _damaged(self.upload.name) from exc
        return list(dict.fromkeys(found))

    def hidden_rows(self, ws) -> set[int]:
        """Row numbers hidden in a sheet (read-only worksheets do not expose them: scan its XML part)."""
        found: set[int] = set()
        tail = b""
        try:
            path = self.sheet_paths.get(ws.title)
            if not path:
                return found
            with zipfile.ZipFile(io.BytesIO(self.upload.data)) as zf, zf.open(path) as fh:
                while chunk := fh.read(1 << 20):
                    block = tail + chunk
                    for tag in _ROW_TAG.findall(block):
                        if _HIDDEN.search(tag) and (m := _ROW_NUMBER.search(tag)):
                            found.add(int(m.group(1)))
                    tail = block[-512:]
        except READ_ERRORS as exc:
            raise _damaged(self.upload.name) from exc
        return found

    @functools.cached_property
    def sheet_paths(self) -> dict[str, str]:
        """{sheet name: path of its XML part in the upload's zip}."""
        with zipfile.ZipFile(io.BytesIO(self.upload.data)) as zf:
            return sheet_parts(zf)

    def rows(self, ws, *, min_row: int, max_col: int) -> Iterator[tuple[int, tuple]]:
        """(row number, cells) from ``min_row`` down, each cell a ReadOnlyCell or EmptyCell; refuses a sheet
        with more than ``MAX_DATA_ROWS`` rows below ``min_row`` and turns a damaged stream into one sentence."""
        count = 0
        row_idx = min_row - 1
        try:
            for row in ws.iter_rows(min_row=min_row, max_col=max_col):
                row_idx += 1
                count += 1
                if count > MAX_DATA_ROWS:
                    raise too_many_rows(ws.title)
                yield row_idx, row
        except FileRefused:
            raise
        except READ_ERRORS as exc:
            raise _damaged(self.upload.name) from exc

    def declared_rows(self, ws) -> int | None:
        try:
            return ws.max_row
        except READ_ERRORS:
            return None


def too_many_rows(sheet: str) -> FileRefused:
    limit = f"{MAX_DATA_ROWS:,}"
    return FileRefused(
        "too_many_rows",
        f"Trang '{sheet}' có hơn {limit.replace(',', '.')} dòng số liệu, vượt giới hạn của một lần nhập. Hãy "
        "chia thành nhiều tệp.",
        f"Sheet '{sheet}' has more than {limit} data rows, over the limit of one import. Split it into "
        "several files.",
        sheet=sheet,
    )
