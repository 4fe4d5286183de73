"""Reassign the open work of an agency that ceased (issue 15, point 2): the DPI / standing agency's role.

``reassign`` takes one item or many (the worklist's bulk action) and does them all in one transaction, or
none: each item is an open task or issue whose lead agency (an issue's: the agency that raised it) had
ended by today, and goes to agencies in force today:
- to its successor, or to any other department: one agency;
- an abolished district People's Committee's task to one or more commune People's Committees of the
  district's former territory (the communes its old communes went into, ``unit_lineage``). Several
  communes follow the one-task-per-agency rule of conclusions (``services.conclusion_tasks``): the task
  goes to the first, and each other commune gets its own task (code ``<task code>-<n>``, same conclusion,
  text, deadline), starting not started. An issue goes to one agency.
A task keeps in ``reassigned_from_code`` the agency the conclusion addressed, so the conclusion's later
saves still find it. Each change adds a line to the task's history and an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..db import session_scope
from ..errors import NotFound, ValidationFailed
from ..models import AdminUnitVersion, Agency, Task, TaskUpdate, UnitLineage
from ..permissions import Actor, require
from ..retry import retrying
from ..rules.open_status import issue_is_open, task_is_open
from ..rules.unit_validity import in_force
from ..text import clean_text
from ..versioning import bump, check_expected
from .issues import load_issue_for_update
from .tasks import load_task_for_update, task_snapshot

KINDS = ("task", "issue")
CODE_MAX = 40


@dataclass(frozen=True)
class Reassignment:
    kind: str  # task | issue
    id: int
    expected_version: int
    to: tuple[str, ...]  # agency codes; several only for communes of an abolished district


@dataclass
class ReassignResult:
    tasks: list[str] = field(default_factory=list)  # codes of the tasks reassigned or created
    issues: list[str] = field(default_factory=list)


@retrying()
def reassign(engine: Engine, actor: Actor, items: list[Reassignment], *, note: str | None = None) -> ReassignResult:
    """Reassign every item (see the module), all in one transaction; refuses the whole batch on any problem."""
    require(actor, "agencies.reassign")
    if not items:
        raise ValidationFailed("Chưa chọn việc nào để giao lại.", "Nothing was chosen to reassign.")
    note = clean_text(note, field="ghi chú / note", max_len=2000) if note else None
    result = ReassignResult()
    with session_scope(engine) as session:
        for item in items:
            if item.kind == "task":
                result.tasks += _task(session, actor, item, note)
            elif item.kind == "issue":
                result.issues.append(_issue(session, actor, item, note))
            else:
                raise ValidationFailed(f"Loại '{item.kind}' không hợp lệ: task hoặc issue.",
                                       f"Kind '{item.kind}' is not valid: task or issue.")
    return result


def _ceased(session: Session, code: str, what: tuple[str, str]) -> Agency:
    agency = session.get(Agency, code)
    today = clock.today()
    if agency is None or agency.valid_to is None or agency.valid_to >= today:
        name = agency.name if agency else code
        raise ValidationFailed(
            f"{what[0]} do {name} chủ trì; cơ quan này vẫn đang hoạt động, không thuộc danh sách cần giao lại.",
            f"{what[1]} is led by {name}, which still exists: it is not in the list to reassign.")
    return agency


def _targets(session: Session, old: Agency, codes: tuple[str, ...]) -> list[Agency]:
    codes = tuple(dict.fromkeys(c for c in codes if c))
    if not codes:
        raise ValidationFailed("Chưa chọn cơ quan nhận việc.", "No agency was chosen to take the work.")
    today = clock.today()
    out = []
    for code in codes:
        agency = session.get(Agency, code)
        if agency is None:
            raise NotFound(f"Không có cơ quan mã {code}.", f"No agency has code {code}.")
        if code == old.code or not in_force(agency.valid_from, agency.valid_to, today):
            raise ValidationFailed(f"{agency.name} không còn hoạt động vào ngày {today:%d/%m/%Y}; không giao việc được.",
                                   f"{agency.name} does not exist on {today:%d/%m/%Y}; it cannot take work.")
        out.append(agency)
    communes = [a for a in out if a.kind == "ubnd_xa"]
    if len(out) > 1 and len(communes) != len(out):
        raise ValidationFailed("Chỉ được giao cho nhiều cơ quan khi đó là UBND các xã, phường.",
                               "Several agencies may be chosen only when they are commune People's Committees.")
    if communes:
        if old.kind != "ubnd_huyen":
            raise ValidationFailed(f"Việc của {old.name} chỉ giao cho UBND xã khi cơ quan cũ là UBND cấp huyện.",
                                   f"The work of {old.name} goes to commune People's Committees only when it was "
                                   "a district People's Committee's.")
        territory = _former_territory(session, old.unit_id)
        outside = [a.name for a in communes if a.unit_id not in territory]
        if outside:
            raise ValidationFailed(f"{', '.join(outside)} không thuộc địa bàn cũ của {old.name}.",
                                   f"{', '.join(outside)} lies outside the former territory of {old.name}.")
    return out


def _former_territory(session: Session, district_id: int | None) -> set[int]:
    """The commune versions the district's old communes went into (the crosswalk, ``unit_lineage``)."""
    if district_id is None:
        return set()
    old_communes = select(AdminUnitVersion.id).where(AdminUnitVersion.parent_id == district_id)
    return set(session.scalars(select(UnitLineage.new_unit_id).where(UnitLineage.old_unit_id.in_(old_communes))))


def _line(task: Task, actor: Actor, now, text: str) -> TaskUpdate:
    return TaskUpdate(task=task, at=now, user_id=actor.user_id, status=task.status, percent_done=task.percent_done,
                      due_on=task.due_on, done_on=task.done_on, version=task.version, note=text)


def _task(session: Session, actor: Actor, item: Reassignment, note: str | None) -> list[str]:
    task = load_task_for_update(session, item.id)
    check_expected(session, task, item.expected_version)
    if not task_is_open(task.status):
        raise ValidationFailed(f"Nhiệm vụ {task.code} đã kết thúc; không giao lại.",
                               f"Task {task.code} is closed; it is not reassigned.")
    old = _ceased(session, task.lead_agency_code, (f"Nhiệm vụ {task.code}", f"Task {task.code}"))
    targets = _targets(session, old, item.to)
    if task.conclusion_id is not None:
        taken = set(session.scalars(select(Task.lead_agency_code).where(
            Task.conclusion_id == task.conclusion_id, Task.id != task.id)))
        clash = [a.name for a in targets if a.code in taken]
        if clash:
            raise ValidationFailed(f"{', '.join(clash)} đã có nhiệm vụ của cùng kết luận; hãy cập nhật nhiệm vụ đó và "
                                   f"kết thúc nhiệm vụ {task.code}.",
                                   f"{', '.join(clash)} already has a task of the same conclusion; update that one "
                                   f"and close task {task.code}.")
    now = clock.now()
    before = task_snapshot(task) | {"lead_agency": old.code}
    names = ", ".join(a.name for a in targets)
    text = f"Giao lại từ {old.name} (đã ngừng hoạt động từ {old.valid_to:%d/%m/%Y}) cho {names}."
    if note:
        text += f" {note}"
    first, *others = targets
    task.lead_agency_code = first.code
    task.reassigned_from_code = task.reassigned_from_code or old.code
    if first.kind == "ubnd_xa" and first.unit is not None:
        task.admin_units = [first.unit]
    bump(task)
    task.updated_at = now
    task.updated_by_id = actor.user_id
    session.add(_line(task, actor, now, text))
    codes = [task.code]
    for n, agency in enumerate(others, start=2):
        codes.append(_copy(session, actor, task, agency, n, now, text).code)
    audit.record(session, actor, "task.reassign", "task", task.id, before,
                 task_snapshot(task) | {"lead_agency": first.code, "fan_out": codes[1:], "note": note})
    return codes


def _copy(session: Session, actor: Actor, task: Task, agency: Agency, n: int, now, text: str) -> Task:
    code = f"{task.code}-{n}"
    if len(code) > CODE_MAX or session.scalars(select(Task.id).where(Task.code == code)).first() is not None:
        raise ValidationFailed(f"Không đặt được mã nhiệm vụ {code}.", f"Cannot give the task code {code}.")
    copy = Task(code=code, title=task.title, description=task.description, province_unit_id=task.province_unit_id,
                source_document=task.source_document, stage=task.stage, meeting_id=task.meeting_id,
                conclusion_id=task.conclusion_id, lead_agency_code=agency.code,
                reassigned_from_code=task.reassigned_from_code, assigned_on=task.assigned_on, due_on=task.due_on,
                status="not_started", percent_done=0, version=1, created_at=now, updated_at=now,
                updated_by_id=actor.user_id, is_demo=task.is_demo)
    copy.supporting_agencies = list(task.supporting_agencies)
    copy.admin_units = [agency.unit] if agency.unit is not None else []
    session.add(copy)
    session.flush()
    session.add(_line(copy, actor, now, f"{text} Tách từ nhiệm vụ {task.code}."))
    audit.record(session, actor, "task.create", "task", copy.id, None,
                 task_snapshot(copy) | {"code": code, "lead_agency": agency.code, "split_from": task.code})
    return copy


def _issue(session: Session, actor: Actor, item: Reassignment, note: str | None) -> str:
    issue = load_issue_for_update(session, item.id)
    check_expected(session, issue, item.expected_version)
    if not issue_is_open(issue.status):
        raise ValidationFailed(f"Khó khăn {issue.code} đã được xử lý; không giao lại.",
                               f"Issue {issue.code} is closed; it is not reassigned.")
    old = _ceased(session, issue.raised_by_code, (f"Khó khăn {issue.code}", f"Issue {issue.code}"))
    targets = _targets(session, old, item.to)
    if len(targets) != 1:
        raise ValidationFailed(f"Khó khăn {issue.code} chỉ giao cho một cơ quan.",
                               f"Issue {issue.code} goes to one agency only.")
    before = {"raised_by": old.code, "version": issue.version}
    issue.raised_by_code = targets[0].code
    bump(issue)
    issue.updated_at = clock.now()
    issue.updated_by_id = actor.user_id
    audit.record(session, actor, "issue.reassign", "issue", issue.id, before,
                 {"raised_by": targets[0].code, "version": issue.version, "note": note})
    return issue.code
