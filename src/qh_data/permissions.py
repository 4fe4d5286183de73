"""Who may do what. Every write service calls ``require`` before touching anything.

Roles: viewer (reads everything), agency_editor (its own agency's tasks, issues and figures),
dpi_editor (all data, meetings, conclusions, imports for any agency), admin (users and settings,
and everything a DPI editor may do).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import PermissionDenied

ROLE_RANK = {"viewer": 0, "agency_editor": 1, "dpi_editor": 2, "admin": 3}

# action -> (minimum role, whether an agency editor is limited to its own agency)
ACTIONS: dict[str, tuple[str, bool]] = {
    "task.update": ("agency_editor", True),
    "task.create": ("dpi_editor", False),
    "task.edit": ("dpi_editor", False),
    "issue.create": ("agency_editor", True),
    "issue.update": ("agency_editor", True),
    "issue.decide": ("dpi_editor", False),
    "meeting.manage": ("dpi_editor", False),
    "conclusion.manage": ("dpi_editor", False),
    "values.submit": ("agency_editor", True),
    "values.import_any": ("dpi_editor", False),
    "intake.profile": ("dpi_editor", False),  # keep the senders' workbook profiles (issue 16)
    "audit.view": ("dpi_editor", False),
    "user.manage": ("admin", False),
    "settings.manage": ("admin", False),
    "data.seed": ("admin", False),
    "units.load": ("admin", False),
    "agencies.load": ("admin", False),
    "plans.load": ("admin", False),  # the provincial plans and their targets (issue 15 point 3)
    "agencies.reassign": ("dpi_editor", False),  # the DPI / standing agency's role (issue 15)
    "account.password": ("viewer", False),  # change one's own password (signed-in users only)
}

ACTION_VI = {
    "task.update": "cập nhật tiến độ nhiệm vụ",
    "task.create": "giao nhiệm vụ mới",
    "task.edit": "sửa nội dung nhiệm vụ",
    "issue.create": "nêu khó khăn, vướng mắc",
    "issue.update": "cập nhật khó khăn, vướng mắc",
    "issue.decide": "ghi ý kiến quyết định của Ban Chỉ đạo",
    "meeting.manage": "chuẩn bị cuộc họp",
    "conclusion.manage": "ghi kết luận cuộc họp",
    "values.submit": "gửi số liệu chỉ tiêu",
    "values.import_any": "nhập số liệu cho mọi cơ quan",
    "intake.profile": "lưu, sửa, xóa hồ sơ nhận dạng tệp của đơn vị",
    "audit.view": "xem nhật ký thay đổi",
    "user.manage": "quản lý người dùng",
    "settings.manage": "thay đổi cài đặt (người ký văn bản)",
    "data.seed": "nạp dữ liệu mẫu",
    "units.load": "nạp danh mục và sắp xếp đơn vị hành chính",
    "agencies.load": "nạp việc sắp xếp, hợp nhất cơ quan",
    "plans.load": "nạp các quy hoạch tỉnh và chỉ tiêu của chúng",
    "agencies.reassign": "giao lại việc của cơ quan đã giải thể, sáp nhập",
    "account.password": "đổi mật khẩu của mình",
}

ACTION_EN = {
    "task.update": "update a task's progress",
    "task.create": "assign a new task",
    "task.edit": "edit a task",
    "issue.create": "raise an issue",
    "issue.update": "update an issue",
    "issue.decide": "record the committee's decision on an issue",
    "meeting.manage": "prepare meetings",
    "conclusion.manage": "record meeting conclusions",
    "values.submit": "submit indicator figures",
    "values.import_any": "import figures for any agency",
    "intake.profile": "save, edit or delete the profiles of senders' workbooks",
    "audit.view": "view the audit trail",
    "user.manage": "manage users",
    "settings.manage": "change settings (document signers)",
    "data.seed": "load the demo data",
    "units.load": "load administrative units and their rearrangement",
    "agencies.load": "load a reorganisation of agencies",
    "plans.load": "load the provincial plans and their targets",
    "agencies.reassign": "reassign the work of agencies that were abolished or merged",
    "account.password": "change their own password",
}


@dataclass(frozen=True)
class Actor:
    """The person (or process) on whose behalf a service runs."""

    user_id: int | None
    username: str
    role: str
    agency_code: str | None = None
    display_name: str | None = None

    @property
    def rank(self) -> int:
        return ROLE_RANK.get(self.role, -1)


SYSTEM = Actor(user_id=None, username="system", role="admin", agency_code=None, display_name="Hệ thống")
KIOSK = Actor(user_id=None, username="kiosk", role="viewer", agency_code=None, display_name="Người xem")


def allowed(actor: Actor, action: str, agency_codes: tuple[str | None, ...] | list | None = None) -> bool:
    minimum, scoped = ACTIONS[action]
    if actor.rank < ROLE_RANK[minimum]:
        return False
    if actor.role == "agency_editor" and scoped:
        if agency_codes is None:
            return True
        return actor.agency_code is not None and actor.agency_code in set(agency_codes)
    return True


def actions_for(role: str) -> list[str]:
    """The actions a role may take (scoped ones only for its own agency when it is an agency editor)."""
    probe = Actor(user_id=None, username=role, role=role)
    return [action for action in ACTIONS if allowed(probe, action)]


def require(actor: Actor, action: str, agency_codes: tuple[str | None, ...] | list | None = None) -> None:
    if not allowed(actor, action, agency_codes):
        what_vi, what_en = ACTION_VI.get(action, action), ACTION_EN.get(action, action)
        if actor.rank >= ROLE_RANK[ACTIONS[action][0]]:  # the role may, but not for this agency
            what_vi += " của cơ quan khác"
            what_en += " for another agency"
        raise PermissionDenied(
            f"Tài khoản {actor.username} ({actor.role}) không có quyền {what_vi}.",
            f"Account {actor.username} ({actor.role}) may not {what_en}.",
        )
