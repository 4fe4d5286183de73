"""Checking a filled-in task-progress file: one function per check, in the order the rows go through them.

After the template's identity, the sheet and its headers (``sheet``), every non-blank row: formulas in the
cells a person fills are reported, then the row passes ``ROW_CHECKS`` in turn (the task exists, it is on
no earlier row, the actor may update it, the hidden version column is intact, the status is one of the
list, the percent a whole number 0-100 (blank: kept, 100 when done), the note clean); the first check
that fails reports why and drops the row. A row that passes is ``unchanged`` (left as exported, or the
same as the store), a ``conflict`` (the task moved since the export: reported, not overwritten) or
``changed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..db import read_session
from ..errors import ValidationFailed
from ..models import Task, User
from ..permissions import Actor, allowed
from ..text import clean_text
from . import numbers
from .common import (
    FIRST_DATA_ROW,
    STATUS_WORDS,
    TASK_COLUMNS,
    TASKS_SHEET,
    TASKS_VERSION,
    Report,
    letter,
    norm_text,
    shown,
    status_code,
)
from .reader import Book
from .sheet import check_identity, check_merged, check_sheet_and_headers

Progress = Callable[[int, int, str], None]
PROGRESS_EVERY = 500
NOTE_MAX = 4000
COLUMN = {c.key: i for i, c in enumerate(TASK_COLUMNS)}
LETTER = {c.key: letter(i) for i, c in enumerate(TASK_COLUMNS, start=1)}
FORMULA_CHECKED = ("task_code", "status", "percent", "note", "version")
STATUS_WORDS_VI = ", ".join(STATUS_WORDS.values())


@dataclass(slots=True)
class TaskRow:
    """One row of a task-progress file and what confirming it would do (``outcome``)."""

    row: int
    task_id: int
    code: str
    title: str
    status: str  # the status the file asks for
    percent: int
    note: str | None
    version: int  # the task's version when the list was exported
    old_status: str
    old_percent: int
    current_version: int
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    outcome: str = "unchanged"  # changed | unchanged | conflict


def int_of(value) -> int | None:
    """A whole number typed in a cell (3, 3.0, " 3 "), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass
class _Row:
    """One row while it is being checked."""

    row: int
    cells: tuple
    where: dict
    code: str = ""
    task: Task | None = None
    version: int | None = None
    status: str | None = None
    percent: int | None = None
    note: str | None = None

    def value(self, key: str):
        return self.cells[COLUMN[key]].value


class _Checker:
    def __init__(self, actor: Actor, report: Report, tasks: dict[str, Task], users: dict[int, str]):
        self.actor, self.report, self.tasks, self.users = actor, report, tasks, users
        self.seen: dict[str, int] = {}

    def error(self, row: _Row, code: str, vi: str, en: str, key: str, value) -> bool:
        self.report.error(code, vi, en, column=LETTER[key], value=value, **row.where)
        return False


def _report_formulas(checker: _Checker, row: _Row) -> None:
    for key in FORMULA_CHECKED:
        cell = row.cells[COLUMN[key]]
        if cell.data_type == "f":
            checker.error(row, "formula", f"Ô chứa công thức ({shown(cell.value)}). Hãy thay bằng giá trị.",
                          f"The cell holds a formula ({shown(cell.value)}). Replace it with its value.", key,
                          cell.value)


def _known_task(checker: _Checker, row: _Row) -> bool:
    row.task = checker.tasks.get(row.code)
    if row.task is not None:
        return True
    return checker.error(row, "unknown_task", f"Không có nhiệm vụ mã '{shown(row.code)}' trong sổ theo dõi.",
                         f"There is no task with code '{shown(row.code)}' in the register.", "task_code",
                         row.code)


def _first_row_of_task(checker: _Checker, row: _Row) -> bool:
    first = checker.seen.get(row.code)
    if first is None:
        checker.seen[row.code] = row.row
        return True
    return checker.error(row, "duplicate", f"Nhiệm vụ {row.code} đã có ở dòng {first}; hãy giữ một dòng.",
                         f"Task {row.code} is already on row {first}; keep one row.", "task_code", row.code)


def _permitted(checker: _Checker, row: _Row) -> bool:
    if allowed(checker.actor, "task.update", [row.task.lead_agency_code]):
        return True
    who = checker.actor.username
    return checker.error(row, "not_permitted",
                         f"Tài khoản {who} không được cập nhật nhiệm vụ {row.code} của cơ quan khác.",
                         f"Account {who} may not update task {row.code} of another agency.", "task_code", row.code)


def _version_kept(checker: _Checker, row: _Row) -> bool:
    row.version = int_of(row.value("version"))
    if row.version is not None:
        return True
    return checker.error(row, "bad_version",
                         "Cột ẩn «Phiên bản» của dòng này bị xóa hoặc sửa; hãy xuất lại danh sách.",
                         "The hidden «Version» column of this row was cleared or changed; export the list again.",
                         "version", row.value("version"))


def _status(checker: _Checker, row: _Row) -> bool:
    typed = row.value("status")
    row.status = status_code(typed) if typed not in (None, "") else None
    if row.status is not None:
        return True
    return checker.error(row, "bad_status", f"Trạng thái '{shown(typed)}' không hợp lệ: hãy chọn {STATUS_WORDS_VI}.",
                         f"Status '{shown(typed)}' is not valid: choose Chưa triển khai (not started), Đang thực "
                         "hiện (in progress), Đã hoàn thành (done) or Đã hủy (cancelled).", "status", typed)


def _percent(checker: _Checker, row: _Row) -> bool:
    cell = row.cells[COLUMN["percent"]]
    reading = numbers.parse_cell(cell.value, cell.data_type, cell.number_format)
    value = reading.resolved("vi")
    if reading.blank:
        exported = int_of(row.value("exported_percent"))
        kept = exported if exported is not None else row.task.percent_done
        row.percent = 100 if row.status == "done" else kept
        return True
    if not reading.error and value is not None and float(value).is_integer() and 0 <= value <= 100:
        row.percent = int(value)
        return True
    return checker.error(row, "bad_percent",
                         f"Tỷ lệ hoàn thành '{shown(cell.value)}' không hợp lệ: hãy ghi số nguyên từ 0 đến 100.",
                         f"Percent done '{shown(cell.value)}' is not valid: write a whole number from 0 to 100.",
                         "percent", cell.value)


def _note(checker: _Checker, row: _Row) -> bool:
    typed = row.value("note")
    if typed in (None, ""):
        return True
    try:
        row.note = clean_text(str(typed), field="ghi chú / note", max_len=NOTE_MAX)
    except ValidationFailed as exc:
        return checker.error(row, "bad_note", exc.message_vi, exc.message_en, "note", typed)
    return True


# in order; the first that fails drops the row
ROW_CHECKS: tuple[Callable[[_Checker, _Row], bool], ...] = (
    _known_task, _first_row_of_task, _permitted, _version_kept, _status, _percent, _note)


def _outcome(checker: _Checker, row: _Row) -> TaskRow:
    task = row.task
    out = TaskRow(row=row.row, task_id=task.id, code=row.code, title=task.title, status=row.status,
                  percent=row.percent, note=row.note, version=row.version, old_status=task.status,
                  old_percent=task.percent_done, current_version=task.version,
                  changed_by=checker.users.get(task.updated_by_id), changed_at=task.updated_at)
    exported = (norm_text(row.value("exported_status")), int_of(row.value("exported_percent")))
    if (row.status, row.percent) == exported and not row.note:
        out.outcome = "unchanged"
    elif row.version != task.version:
        out.outcome = "conflict"
        _report_conflict(checker, row, out)
    elif row.status == task.status and row.percent == task.percent_done and not row.note:
        out.outcome = "unchanged"
    else:
        out.outcome = "changed"
    return out


def _report_conflict(checker: _Checker, row: _Row, out: TaskRow) -> None:
    who = out.changed_by or "hệ thống"
    when = out.changed_at.strftime("%d/%m/%Y %H:%M") if out.changed_at else "?"
    checker.report.warning(
        "stale_row",
        f"Nhiệm vụ {row.code} đã được {who} cập nhật lúc {when}, sau khi danh sách được xuất; dòng này không được "
        "ghi đè. Hãy xuất lại danh sách để cập nhật tiếp.",
        f"Task {row.code} was updated by {who} at {when}, after the list was exported; this row is not written "
        "over it. Export the list again to continue.", column=LETTER["task_code"], value=row.code, **row.where)


def _blank(cells) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def _load_tasks(engine: Engine, codes: set[str]) -> tuple[dict[str, Task], dict[int, str]]:
    """The file's tasks (detached) and the display names of who last changed them."""
    with read_session(engine) as s:
        tasks = {t.code: t for t in s.scalars(select(Task).where(Task.code.in_(codes)))}
        users = {u.id: u.display_name for u in s.scalars(select(User).where(
            User.id.in_({t.updated_by_id for t in tasks.values() if t.updated_by_id})))}
        for t in tasks.values():
            s.expunge(t)
    return tasks, users


def check_tasks(engine: Engine, actor: Actor, book: Book, meta: dict, report: Report,
                progress: Progress) -> tuple[list, int]:
    """Every row of the task-progress sheet; returns the rows that passed (with their outcome) and how
    many non-blank rows the sheet had."""
    if not check_identity(meta, report, kind="tasks", version=TASKS_VERSION):
        return [], 0
    ws = check_sheet_and_headers(book, report, meta.get("data_sheet") or TASKS_SHEET, TASK_COLUMNS)
    if ws is None:
        return [], 0
    check_merged(book, ws, report)
    title = ws.title
    raws = [(i, cells) for i, cells in book.rows(ws, min_row=FIRST_DATA_ROW, max_col=len(TASK_COLUMNS))
            if not _blank(cells)]
    if not raws:
        report.error("no_rows", f"Trang '{title}' không có dòng nhiệm vụ nào dưới dòng tiêu đề.",
                     f"Sheet '{title}' has no task rows below the header row.", sheet=title, row=FIRST_DATA_ROW)
        return [], 0
    checker = _Checker(actor, report, *_load_tasks(
        engine, {norm_text(cells[COLUMN["task_code"]].value) for _, cells in raws}))
    out: list[TaskRow] = []
    total = len(raws)
    for n, (row_idx, cells) in enumerate(raws, start=1):
        if n % PROGRESS_EVERY == 0:
            progress(n, total, "check")
        row = _Row(row=row_idx, cells=cells, where={"sheet": title, "row": row_idx},
                   code=norm_text(cells[COLUMN["task_code"]].value))
        _report_formulas(checker, row)
        if all(check(checker, row) for check in ROW_CHECKS):
            out.append(_outcome(checker, row))
    progress(total, total, "check")
    return out, total
