"""The same door for task progress: an agency's task list to Excel and back.

The export lists the tasks the agency leads (open ones; done ones on request) with their status,
percent and an empty note column to fill; status is a drop-down, percent a whole number 0–100. Hidden
columns carry each task's version and the status and percent it had when exported.

The import goes through the same reading, checking and dry run as figures. A row whose task changed
since the export (its version moved) and which the file also changes is a conflict: it is reported
(who changed the task, when) and not overwritten; rows left as exported are simply unchanged. The
confirmation writes every changed row in one transaction through ``services.tasks.apply_progress``
(permission, version check, history, audit), so a conflict arising in between refuses the whole file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, select

from .. import audit, clock
from ..db import read_session, session_scope
from ..errors import NotFound, ValidationFailed
from ..models import Agency, Task, User
from ..permissions import Actor, allowed, require
from ..retry import retrying
from ..services.tasks import ProgressChange, apply_progress, load_task_for_update
from ..text import clean_text
from . import numbers
from .common import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    STATUS_WORDS,
    TASK_COLUMNS,
    TASKS_SHEET,
    TASKS_VERSION,
    TEMPLATE_MARK,
    Report,
    letter,
    norm_text,
    shown,
    status_code,
)
from .reader import Book
from .sheet import check_identity, check_merged, check_sheet_and_headers
from .template import (
    OPEN,
    OPEN_FILL,
    TITLE_FONT,
    Template,
    _cell,
    _header_rows,
    _instructions,
    _list_validation,
    _lists_sheet,
    _meta_sheet,
    _setup_data_sheet,
    period_choices,
    slug,
)

Progress = Callable[[int, int, str], None]
OPEN_STATUSES = ("not_started", "in_progress")


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


TASK_INSTRUCTIONS = (
    ("CẬP NHẬT TIẾN ĐỘ NHIỆM VỤ", TITLE_FONT),
    ("", None),
    (("1. Mỗi dòng của trang «Tiến độ» là một nhiệm vụ cơ quan chủ trì. Chọn «Trạng thái» trong danh sách, ghi "
     "«Tỷ lệ hoàn thành» (số nguyên từ 0 đến 100) và «Ghi chú tiến độ» (kết quả, khó khăn)."), None),
    (("2. Dòng để nguyên như khi xuất thì không thay đổi gì. Không sửa mã nhiệm vụ, không chèn, xóa hay di "
     "chuyển cột; không sửa các cột ẩn."), None),
    (("3. Nếu trong lúc đó nhiệm vụ đã được người khác cập nhật, dòng của tệp sẽ không ghi đè: báo cáo kiểm tra "
     "nêu rõ ai đã cập nhật, lúc nào. Hãy xuất lại danh sách để điền tiếp."), None),
    ("", None),
    (("English: choose the status, type the percent done (0–100) and a note; rows left as exported change "
     "nothing; a task changed by someone else since the export is reported, not overwritten."), None),
)


def tasks_template(engine: Engine, agency: str, *, include_done: bool = False, generated_by: str = "",
                   today: dt.date | None = None) -> Template:
    """The task list an agency leads, ready to fill in (open tasks; done ones too with ``include_done``)."""
    statuses = OPEN_STATUSES + (("done",) if include_done else ())
    with read_session(engine) as s:
        ag = s.get(Agency, agency)
        if ag is None:
            raise NotFound(f"Không có cơ quan '{agency}'.", f"Agency '{agency}' does not exist.")
        tasks = list(s.scalars(select(Task).where(Task.lead_agency_code == agency, Task.status.in_(statuses))
                               .order_by(Task.due_on.is_(None), Task.due_on, Task.code)))
        rows = [{"code": t.code, "title": t.title, "due_on": t.due_on, "status": t.status,
                 "percent": t.percent_done, "version": t.version} for t in tasks]
        name, province = ag.name, ag.province_code
    if not rows:
        raise ValidationFailed(f"{name} không có nhiệm vụ nào đang thực hiện để cập nhật.",
                               f"{name} has no open task to update.")
    now = clock.now()
    wb = Workbook(write_only=True)
    _instructions(wb, TASK_INSTRUCTIONS, [("Cơ quan chủ trì", name), ("Số nhiệm vụ", str(len(rows))),
                                          ("Ngày xuất", now.strftime("%d/%m/%Y %H:%M")),
                                          ("Phiên bản biểu mẫu", TASKS_VERSION)])
    ws = wb.create_sheet(TASKS_SHEET)
    _setup_data_sheet(ws, TASK_COLUMNS, len(rows))
    col = {c.key: i for i, c in enumerate(TASK_COLUMNS, start=1)}
    last = FIRST_DATA_ROW + len(rows) - 1
    status_col, percent_col = letter(col["status"]), letter(col["percent"])
    _list_validation(ws, f"{status_col}{FIRST_DATA_ROW}:{status_col}{last}", "C", len(STATUS_WORDS),
                     "Chưa triển khai, Đang thực hiện, Đã hoàn thành hoặc Đã hủy")
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100", allow_blank=True,
                        showErrorMessage=True, errorTitle="Tỷ lệ không hợp lệ",
                        error="Hãy ghi số nguyên từ 0 đến 100.")
    dv.add(f"{percent_col}{FIRST_DATA_ROW}:{percent_col}{last}")
    ws.data_validations.append(dv)
    _header_rows(ws, TASK_COLUMNS, f"CẬP NHẬT TIẾN ĐỘ NHIỆM VỤ – {name}",
                 "Chỉ điền các cột nền vàng. Dòng để nguyên như khi xuất thì không thay đổi gì.")
    for r in rows:
        ws.append([
            _cell(ws, r["code"]), _cell(ws, r["title"]),
            _cell(ws, r["due_on"], number_format="dd/mm/yyyy"),
            _cell(ws, STATUS_WORDS[r["status"]], protection=OPEN, fill=OPEN_FILL),
            _cell(ws, r["percent"], protection=OPEN, fill=OPEN_FILL, number_format="0"),
            _cell(ws, None, protection=OPEN, fill=OPEN_FILL),
            _cell(ws, r["version"]), _cell(ws, r["status"]), _cell(ws, r["percent"]),
        ])
    _lists_sheet(wb, period_choices(today))
    _meta_sheet(wb, {"template": TEMPLATE_MARK, "kind": "tasks", "version": TASKS_VERSION, "scope": "agency",
                     "scope_code": agency, "scope_name": name, "province": province or "",
                     "data_sheet": TASKS_SHEET, "header_row": HEADER_ROW, "rows": len(rows),
                     "generated_at": now.isoformat(), "generated_by": generated_by})
    buf = io.BytesIO()
    wb.save(buf)
    stamp = (today or clock.today()).strftime("%Y%m%d")
    return Template(data=buf.getvalue(), file_name=f"tien-do-nhiem-vu-{slug(name)}-{stamp}.xlsx", rows=len(rows))


# --- checking a filled-in file -----------------------------------------------------------------------

def _int_of(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check_tasks(engine: Engine, actor: Actor, book: Book, meta: dict, report: Report,
                progress: Progress) -> tuple[list, int]:
    if not check_identity(meta, report, kind="tasks", version=TASKS_VERSION):
        return [], 0
    ws = check_sheet_and_headers(book, report, meta.get("data_sheet") or TASKS_SHEET, TASK_COLUMNS)
    if ws is None:
        return [], 0
    check_merged(book, ws, report)
    title = ws.title
    col = {c.key: i for i, c in enumerate(TASK_COLUMNS)}
    L = {k: letter(i + 1) for k, i in col.items()}
    raws = []
    for row_idx, cells in book.rows(ws, min_row=FIRST_DATA_ROW, max_col=len(TASK_COLUMNS)):
        if all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells):
            continue
        raws.append((row_idx, cells))
    if not raws:
        report.error("no_rows", f"Trang '{title}' không có dòng nhiệm vụ nào dưới dòng tiêu đề.",
                     f"Sheet '{title}' has no task rows below the header row.", sheet=title, row=FIRST_DATA_ROW)
        return [], 0
    codes = {norm_text(cells[col["task_code"]].value) for _, cells in raws}
    with read_session(engine) as s:
        tasks = {t.code: t for t in s.scalars(select(Task).where(Task.code.in_(codes)))}
        users = {u.id: u.display_name for u in s.scalars(select(User).where(
            User.id.in_({t.updated_by_id for t in tasks.values() if t.updated_by_id})))}
        for t in tasks.values():
            s.expunge(t)
    words = ", ".join(STATUS_WORDS.values())
    out: list[TaskRow] = []
    seen: dict[str, int] = {}
    total = len(raws)
    for n, (row_idx, cells) in enumerate(raws, start=1):
        if n % 500 == 0:
            progress(n, total, "check")
        where = {"sheet": title, "row": row_idx}
        for key in ("task_code", "status", "percent", "note", "version"):
            if cells[col[key]].data_type == "f":
                report.error("formula", f"Ô chứa công thức ({shown(cells[col[key]].value)}). Hãy thay bằng giá trị.",
                             f"The cell holds a formula ({shown(cells[col[key]].value)}). Replace it with its value.",
                             column=L[key], value=cells[col[key]].value, **where)
        code = norm_text(cells[col["task_code"]].value)
        task = tasks.get(code)
        if task is None:
            report.error("unknown_task", f"Không có nhiệm vụ mã '{shown(code)}' trong sổ theo dõi.",
                         f"There is no task with code '{shown(code)}' in the register.",
                         column=L["task_code"], value=code, **where)
            continue
        if code in seen:
            report.error("duplicate", f"Nhiệm vụ {code} đã có ở dòng {seen[code]}; hãy giữ một dòng.",
                         f"Task {code} is already on row {seen[code]}; keep one row.",
                         column=L["task_code"], value=code, **where)
            continue
        seen[code] = row_idx
        if not allowed(actor, "task.update", [task.lead_agency_code]):
            report.error("not_permitted",
                         f"Tài khoản {actor.username} không được cập nhật nhiệm vụ {code} của cơ quan khác.",
                         f"Account {actor.username} may not update task {code} of another agency.",
                         column=L["task_code"], value=code, **where)
            continue
        version = _int_of(cells[col["version"]].value)
        exported_status = norm_text(cells[col["exported_status"]].value)
        exported_percent = _int_of(cells[col["exported_percent"]].value)
        if version is None:
            report.error("bad_version", "Cột ẩn «Phiên bản» của dòng này bị xóa hoặc sửa; hãy xuất lại danh sách.",
                         "The hidden «Version» column of this row was cleared or changed; export the list again.",
                         column=L["version"], value=cells[col["version"]].value, **where)
            continue
        raw_status = cells[col["status"]].value
        status = status_code(raw_status) if raw_status not in (None, "") else None
        if status is None:
            report.error("bad_status", f"Trạng thái '{shown(raw_status)}' không hợp lệ: hãy chọn {words}.",
                         f"Status '{shown(raw_status)}' is not valid: choose Chưa triển khai (not started), Đang "
                         "thực hiện (in progress), Đã hoàn thành (done) or Đã hủy (cancelled).",
                         column=L["status"], value=raw_status, **where)
            continue
        pcell = cells[col["percent"]]
        reading = numbers.parse_cell(pcell.value, pcell.data_type, pcell.number_format)
        percent_value = reading.resolved("vi")
        if reading.blank:
            percent = 100 if status == "done" else (exported_percent if exported_percent is not None
                                                    else task.percent_done)
        elif reading.error or percent_value is None or not float(percent_value).is_integer() \
                or not 0 <= percent_value <= 100:
            report.error("bad_percent",
                         f"Tỷ lệ hoàn thành '{shown(pcell.value)}' không hợp lệ: hãy ghi số nguyên từ 0 đến 100.",
                         f"Percent done '{shown(pcell.value)}' is not valid: write a whole number from 0 to 100.",
                         column=L["percent"], value=pcell.value, **where)
            continue
        else:
            percent = int(percent_value)
        note = None
        raw_note = cells[col["note"]].value
        if raw_note not in (None, ""):
            try:
                note = clean_text(str(raw_note), field="ghi chú / note", max_len=4000)
            except ValidationFailed as exc:
                report.error("bad_note", exc.message_vi, exc.message_en, column=L["note"], value=raw_note, **where)
                continue
        untouched = status == exported_status and percent == exported_percent and not note
        row = TaskRow(row=row_idx, task_id=task.id, code=code, title=task.title, status=status,
                          percent=percent, note=note, version=version, old_status=task.status,
                          old_percent=task.percent_done, current_version=task.version,
                          changed_by=users.get(task.updated_by_id), changed_at=task.updated_at)
        if untouched:
            row.outcome = "unchanged"
        elif version != task.version:
            row.outcome = "conflict"
            who = row.changed_by or "hệ thống"
            when = task.updated_at.strftime("%d/%m/%Y %H:%M") if task.updated_at else "?"
            report.warning("stale_row",
                           f"Nhiệm vụ {code} đã được {who} cập nhật lúc {when}, sau khi danh sách được xuất; dòng "
                           "này không được ghi đè. Hãy xuất lại danh sách để cập nhật tiếp.",
                           f"Task {code} was updated by {who} at {when}, after the list was exported; this row "
                           "is not written over it. Export the list again to continue.",
                           column=L["task_code"], value=code, **where)
        elif status == task.status and percent == task.percent_done and not note:
            row.outcome = "unchanged"
        else:
            row.outcome = "changed"
        out.append(row)
    progress(total, total, "check")
    return out, len(raws)


@retrying()
def commit_tasks(engine: Engine, actor: Actor, plan, *, progress: Progress | None = None) -> dict:
    """Apply every changed row in one transaction; a task that moved since the dry run refuses all."""
    require(actor, "task.update")
    rows = [r for r in plan.rows if r.outcome == "changed"]
    if not rows:
        return {"file_name": plan.file_name, "updated": 0, "conflicts": plan.counts.get("conflict", 0)}
    with session_scope(engine) as s:
        for n, r in enumerate(rows, start=1):
            task = load_task_for_update(s, r.task_id)
            apply_progress(s, actor, task, ProgressChange(status=r.status, percent_done=r.percent, note=r.note),
                           expected_version=r.version)
            if progress is not None:
                progress(n, len(rows), "write")
        audit.record(s, actor, "tasks.import", "task", (plan.file_name or "")[:60] or None, None,
                     {"file_name": plan.file_name, "sha256": plan.sha256, "updated": len(rows),
                      "conflicts": plan.counts.get("conflict", 0), "scope": plan.meta.get("scope_code")})
    return {"file_name": plan.file_name, "updated": len(rows), "conflicts": plan.counts.get("conflict", 0)}
