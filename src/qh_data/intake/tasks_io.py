"""The same door for task progress: an agency's task list to Excel and back.

The export lists the tasks the agency leads (open ones; done ones on request) with their status,
percent and an empty note column to fill; status is a drop-down, percent a whole number 0–100. Hidden
columns carry each task's version and the status and percent it had when exported.

The import goes through the same reading, checking and dry run as figures (``task_checks``). A row whose task changed
since the export (its version moved) and which the file also changes is a conflict: it is reported
(who changed the task, when) and not overwritten; rows left as exported are simply unchanged. The
confirmation writes every changed row in one transaction through ``services.tasks.apply_progress``
(permission, version check, history, audit), so a conflict arising in between refuses the whole file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Engine, select

from .. import audit, clock
from ..db import read_session, session_scope
from ..errors import NotFound, ValidationFailed
from ..models import Agency, Task
from ..permissions import Actor, require
from ..retry import retrying
from ..rules.open_status import OPEN_TASK_STATUSES
from ..services.tasks import ProgressChange, apply_progress, load_task_for_update
from .common import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    STATUS_WORDS,
    TASK_COLUMNS,
    TASKS_SHEET,
    TASKS_VERSION,
    TEMPLATE_MARK,
    letter,
)
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
    statuses = OPEN_TASK_STATUSES + (("done",) if include_done else ())
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


# --- writing a checked file ---------------------------------------------------------------------------

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
