"""What every part of the intake shares: the template's layout, problems found in a file, words.

A template is one workbook with
- an instructions sheet (``Hướng dẫn``),
- a data sheet (``Số liệu`` for figures, ``Tiến độ`` for task progress): a title in row 1, a hint in
  row 2, the headers in row ``HEADER_ROW`` and one row per figure (or task) below it,
- a hidden sheet of lists for the drop-downs (``Danh mục``),
- a ``veryHidden`` sheet (``META_SHEET``) carrying the template's identity: what it is for, its
  version, the province, who it was made for, when.

Everything here is plain data; nothing touches the database.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from ..text import fold

TEMPLATE_MARK = "qh-intake"
VALUES_VERSION = "values-1"
TASKS_VERSION = "tasks-1"
META_SHEET = "_qh_meta"
LISTS_SHEET = "Danh mục"
INSTRUCTIONS_SHEET = "Hướng dẫn"
VALUES_SHEET = "Số liệu"
TASKS_SHEET = "Tiến độ"
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    width: float = 14
    editable: bool = False
    hidden: bool = False


VALUE_COLUMNS: tuple[Column, ...] = (
    Column("indicator_code", "Mã chỉ tiêu", "Indicator code", 24),
    Column("indicator_name", "Tên chỉ tiêu", "Indicator", 44),
    Column("unit", "Đơn vị tính", "Unit", 16),
    Column("unit_code", "Mã đơn vị hành chính", "Area code", 12),
    Column("unit_name", "Tên đơn vị hành chính", "Area", 26),
    Column("period", "Kỳ số liệu", "Period", 12, editable=True),
    Column("kind", "Loại số liệu", "Kind of figure", 16, editable=True),
    Column("current", "Số liệu hiện có", "Current figure", 16),
    Column("value", "Số liệu mới", "New figure", 16, editable=True),
    Column("note", "Ghi chú, nguồn số liệu", "Note, source", 40, editable=True),
)

TASK_COLUMNS: tuple[Column, ...] = (
    Column("task_code", "Mã nhiệm vụ", "Task code", 18),
    Column("title", "Nội dung nhiệm vụ", "Task", 60),
    Column("due_on", "Thời hạn", "Deadline", 12),
    Column("status", "Trạng thái", "Status", 18, editable=True),
    Column("percent", "Tỷ lệ hoàn thành (%)", "Percent done", 14, editable=True),
    Column("note", "Ghi chú tiến độ", "Progress note", 50, editable=True),
    Column("version", "Phiên bản", "Version", 8, hidden=True),
    Column("exported_status", "Trạng thái khi xuất", "Status when exported", 8, hidden=True),
    Column("exported_percent", "Tỷ lệ khi xuất", "Percent when exported", 8, hidden=True),
)

KIND_WORDS = {"actual": "Thực hiện", "estimate": "Ước thực hiện", "target": "Mục tiêu"}
KIND_WORDS_EN = {"actual": "Actual", "estimate": "Estimate", "target": "Target"}
# Other ways people write the kind (compared without diacritics, lower case).
KIND_ALIASES = {"actual": ("thuc hien", "actual", "th"), "estimate": ("uoc thuc hien", "du uoc", "uoc",
                                                                     "estimate", "uth"),
                "target": ("muc tieu", "ke hoach", "target", "plan", "kh")}
STATUS_WORDS = {"not_started": "Chưa triển khai", "in_progress": "Đang thực hiện", "done": "Đã hoàn thành",
                "cancelled": "Đã hủy"}
STATUS_WORDS_EN = {"not_started": "Not started", "in_progress": "In progress", "done": "Done",
                   "cancelled": "Cancelled"}
STATUS_ALIASES = {"not_started": ("chua trien khai", "chua thuc hien", "not started", "not_started"),
                  "in_progress": ("dang thuc hien", "dang trien khai", "in progress", "in_progress"),
                  "done": ("da hoan thanh", "hoan thanh", "done", "completed"),
                  "cancelled": ("da huy", "huy", "cancelled", "canceled")}


def _alias_table(words: dict[str, str], words_en: dict[str, str], aliases: dict[str, tuple[str, ...]]):
    table: dict[str, str] = {}
    for code, text in words.items():
        table[fold(text)] = code
        table[fold(words_en[code])] = code
        table[code] = code
        for alias in aliases.get(code, ()):
            table[alias] = code
    return table


_KINDS = _alias_table(KIND_WORDS, KIND_WORDS_EN, KIND_ALIASES)
_STATUSES = _alias_table(STATUS_WORDS, STATUS_WORDS_EN, STATUS_ALIASES)
_SPACES = re.compile(r"\s+")


def norm_text(value) -> str:
    """Cell text compared the way a person reads it: NFC, spaces collapsed, no zero-width marks."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _norm_str(value) if len(value) < 200 else _norm(value)
    return _norm(str(value))


@functools.lru_cache(maxsize=8192)
def _norm_str(value: str) -> str:  # names and codes repeat from row to row
    return _norm(value)


def _norm(value: str) -> str:
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def norm_key(value) -> str:
    """For matching headers and words: NFC text folded to lower case without diacritics."""
    return _key(norm_text(value))


@functools.lru_cache(maxsize=8192)
def _key(text: str) -> str:
    return fold(text).strip(" :*")


def kind_code(value) -> str | None:
    return _KINDS.get(norm_key(value))


def status_code(value) -> str | None:
    return _STATUSES.get(norm_key(value))


def letter(column: int) -> str:
    return get_column_letter(column)


def shown(value, limit: int = 60) -> str:
    """A cell's content as it may be quoted back in a message."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.12g}"
    else:
        text = norm_text(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Problem:
    """One thing wrong (``error``: the file is refused) or worth a look (``warning``) in a file."""

    severity: str
    code: str
    message_vi: str
    message_en: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str = ""

    @property
    def cell(self) -> str:
        if self.column and self.row:
            return f"{self.column}{self.row}"
        return self.column or (str(self.row) if self.row else "")

    def message(self, lang: str = "vi") -> str:
        return self.message_en if lang == "en" else self.message_vi

    def as_dict(self, lang: str = "vi") -> dict:
        return {"severity": self.severity, "code": self.code, "sheet": self.sheet or "", "row": self.row,
                "column": self.column or "", "value": self.value, "message": self.message(lang)}


@dataclass
class Report:
    """The problems of one file, errors first, in sheet/row/column order."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: str, code: str, vi: str, en: str, *, sheet=None, row=None, column=None,
            value=None) -> Problem:
        p = Problem(severity, code, vi, en, sheet, row, column, shown(value))
        self.problems.append(p)
        return p

    def error(self, code: str, vi: str, en: str, **where) -> Problem:
        return self.add("error", code, vi, en, **where)

    def warning(self, code: str, vi: str, en: str, **where) -> Problem:
        return self.add("warning", code, vi, en, **where)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(self.problems, key=lambda p: (p.severity != "error", p.sheet or "", p.row or 0,
                                                    len(p.column or ""), p.column or ""))


def cell_where(sheet: str, row: int, column: int) -> str:
    return f"'{sheet}'!{letter(column)}{row}"
