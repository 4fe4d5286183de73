"""Writes to the register of difficulties and obstacles (khó khăn, vướng mắc).

Every function: ``permissions.require`` first (``issue.create`` / ``issue.update`` limited to the
raising agency for agency editors, ``issue.decide`` for the DPI), one ``session_scope`` transaction,
a version check that refuses a stale edit with who changed the issue and when
(``versioning.check_expected``), and an audit entry; a write refused by a lock is run again (``retry``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from .. import audit, clock
from ..db import read_session, session_scope
from ..errors import NotFound, ValidationFailed
from ..models import ISSUE_SEVERITIES, ISSUE_STATUSES, AdminUnitVersion, Agency, Issue, Meeting, Task
from ..permissions import Actor, require
from ..retry import retrying
from ..rules.open_status import CLOSED_ISSUE_STATUSES
from ..text import clean_text
from ..units import versions
from ..versioning import bump, check_expected

TITLE_MAX = 500
TEXT_MAX = 4000


def issue_snapshot(issue: Issue) -> dict:
    return {
        "code": issue.code,
        "title": issue.title,
        "description": issue.description,
        "raised_by": issue.raised_by_code,
        "raised_on": issue.raised_on,
        "severity": issue.severity,
        "status": issue.status,
        "related_task_id": issue.related_task_id,
        "admin_units": sorted(u.code for u in issue.admin_units),
        "proposed_solution": issue.proposed_solution,
        "decision": issue.decision,
        "decided_at_meeting_id": issue.decided_at_meeting_id,
        "resolved_on": issue.resolved_on,
        "for_next_meeting": issue.for_next_meeting,
        "version": issue.version,
    }


# --- helpers ------------------------------------------------------------------------------------


def _check_severity(severity: str) -> str:
    if severity not in ISSUE_SEVERITIES:
        raise ValidationFailed(f"Mức độ '{severity}' không hợp lệ.", f"Severity '{severity}' is not valid.")
    return severity


def _check_status(status: str) -> str:
    if status not in ISSUE_STATUSES:
        raise ValidationFailed(f"Trạng thái '{status}' không hợp lệ.", f"Status '{status}' is not valid.")
    return status


def _units(session: Session, codes, province: str, day: dt.date) -> list[AdminUnitVersion]:
    """The versions the codes named on ``day``, each the province itself or a unit under it."""
    codes = list(dict.fromkeys(codes or []))
    if not codes:
        return []
    found = {code: u for code, u in versions.versions_of(session, None, codes, day).items()
             if _in_province(u, province)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            f"Địa bàn không thuộc tỉnh đang chọn: {', '.join(missing)}.",
            f"These units are not in the selected province: {', '.join(missing)}.",
        )
    return [found[c] for c in codes]


def _in_province(unit: AdminUnitVersion, province: str) -> bool:
    while unit is not None:
        if unit.level == "province":
            return unit.code == province
        unit = unit.parent
    return False


def _related_task(session: Session, task_id: int | None, province: str) -> int | None:
    if task_id is None:
        return None
    task = session.get(Task, int(task_id))
    if task is None or task.province_code != province:
        raise ValidationFailed(
            f"Không tìm thấy nhiệm vụ liên quan số {task_id}.", f"The related task {task_id} does not exist."
        )
    return task.id


def _province_id(session: Session, province: str, day: dt.date) -> int:
    province_id = versions.version_id(session, "province", province, day)
    if province_id is None:
        raise ValidationFailed(f"Ngày {day:%d/%m/%Y} không có tỉnh mã {province}.",
                               f"There was no province {province} on {day:%d/%m/%Y}.")
    return province_id


def _next_code(session: Session, province: str, year: int) -> str:
    prefix = f"VM{province}-{year}-"
    n = (session.scalar(select(func.count(Issue.id)).where(Issue.code.like(f"{prefix}%"))) or 0) + 1
    while session.scalar(select(Issue.id).where(Issue.code == f"{prefix}{n:03d}")) is not None:
        n += 1
    return f"{prefix}{n:03d}"


def load_issue_for_update(session: Session, issue_id: int) -> Issue:
    issue = session.get(Issue, int(issue_id), with_for_update=session.bind.dialect.name != "sqlite")
    if issue is None:
        raise NotFound(
            f"Không tìm thấy khó khăn, vướng mắc số {issue_id}.", f"Issue {issue_id} does not exist."
        )
    return issue


def _touch(issue: Issue, actor: Actor) -> None:
    bump(issue)
    issue.updated_at = clock.now()
    issue.updated_by_id = actor.user_id


# --- writes -------------------------------------------------------------------------------------


@retrying()
def raise_issue(
    engine: Engine,
    actor: Actor,
    *,
    province: str,
    title: str,
    raised_by: str,
    severity: str = "medium",
    description: str | None = None,
    admin_units=(),
    related_task_id: int | None = None,
    raised_on: dt.date | None = None,
    for_next_meeting: bool = False,
) -> Issue:
    """Record a new difficulty raised by ``raised_by`` (an agency code). Returns the new issue."""
    require(actor, "issue.create", [raised_by])
    title = clean_text(title, field="nội dung vướng mắc / title", max_len=TITLE_MAX, required=True)
    description = clean_text(description, field="mô tả / description", max_len=TEXT_MAX)
    _check_severity(severity)
    with session_scope(engine) as session:
        agency = session.get(Agency, raised_by)
        if agency is None or (agency.province_code not in (None, province)):
            raise ValidationFailed(
                f"Cơ quan '{raised_by}' không thuộc tỉnh đang chọn.",
                f"Agency '{raised_by}' is not in the selected province.",
            )
        now = clock.now()
        day = raised_on or now.date()
        if day > now.date():
            raise ValidationFailed(
                "Ngày nêu vướng mắc không được sau hôm nay.", "The date raised cannot be in the future."
            )
        issue = Issue(
            code=_next_code(session, province, day.year),
            title=title,
            description=description,
            province_unit_id=_province_id(session, province, day),
            raised_by_code=raised_by,
            raised_on=day,
            related_task_id=_related_task(session, related_task_id, province),
            severity=severity,
            status="open",
            for_next_meeting=bool(for_next_meeting),
            version=1,
            created_at=now,
            updated_at=now,
            updated_by_id=actor.user_id,
        )
        issue.admin_units = _units(session, admin_units, province, day)
        session.add(issue)
        session.flush()
        audit.record(session, actor, "issue.create", "issue", issue.id, None, issue_snapshot(issue))
        return issue


_UNSET = object()


@retrying()
def update_issue(
    engine: Engine,
    actor: Actor,
    issue_id: int,
    expected_version: int,
    *,
    title: str | None = None,
    description=_UNSET,
    severity: str | None = None,
    status: str | None = None,
    admin_units=None,
    related_task_id=_UNSET,
) -> Issue:
    """Change an issue's fields or status. Only the arguments given are changed.

    ``resolved``/``closed`` set the day it was settled; going back to an open status clears it.
    """
    require(actor, "issue.update")
    with session_scope(engine) as session:
        issue = load_issue_for_update(session, issue_id)
        require(actor, "issue.update", [issue.raised_by_code])
        check_expected(session, issue, expected_version)
        before = issue_snapshot(issue)
        if title is not None:
            issue.title = clean_text(
                title, field="nội dung vướng mắc / title", max_len=TITLE_MAX, required=True
            )
        if description is not _UNSET:
            issue.description = clean_text(description, field="mô tả / description", max_len=TEXT_MAX)
        if severity is not None:
            issue.severity = _check_severity(severity)
        if status is not None and status != issue.status:
            issue.status = _check_status(status)
            if status in CLOSED_ISSUE_STATUSES:
                issue.resolved_on = issue.resolved_on or clock.today()
                issue.for_next_meeting = False
            else:
                issue.resolved_on = None
        if admin_units is not None:
            issue.admin_units = _units(session, admin_units, issue.province_code, issue.raised_on)
        if related_task_id is not _UNSET:
            issue.related_task_id = _related_task(session, related_task_id, issue.province_code)
        after = issue_snapshot(issue)
        if after == before:
            return issue
        _touch(issue, actor)
        audit.record(session, actor, "issue.update", "issue", issue.id, before, issue_snapshot(issue))
        return issue


@retrying()
def record_proposed_solution(
    engine: Engine,
    actor: Actor,
    issue_id: int,
    proposed_solution: str,
    expected_version: int,
    *,
    submit_for_decision: bool = True,
) -> Issue:
    """The raising agency's (or the DPI's) proposed way out; by default the issue then awaits the
    committee's decision."""
    require(actor, "issue.update")
    text = clean_text(
        proposed_solution, field="đề xuất giải pháp / proposed solution", max_len=TEXT_MAX, required=True
    )
    with session_scope(engine) as session:
        issue = load_issue_for_update(session, issue_id)
        require(actor, "issue.update", [issue.raised_by_code])
        check_expected(session, issue, expected_version)
        if issue.status in CLOSED_ISSUE_STATUSES:
            raise ValidationFailed(
                "Vướng mắc này đã được giải quyết hoặc đã đóng.", "This issue is already resolved or closed."
            )
        before = issue_snapshot(issue)
        issue.proposed_solution = text
        if submit_for_decision:
            issue.status = "awaiting_decision"
        _touch(issue, actor)
        audit.record(session, actor, "issue.propose", "issue", issue.id, before, issue_snapshot(issue))
        return issue


@retrying()
def record_decision(
    engine: Engine,
    actor: Actor,
    issue_id: int,
    decision: str,
    meeting_id: int | None,
    expected_version: int,
    *,
    status: str = "resolved",
) -> Issue:
    """The committee's decision, with the meeting where it was taken (DPI only).

    ``status`` is what the issue becomes: ``resolved`` (default), ``closed`` or ``in_progress`` when
    the decision asks for further work.
    """
    require(actor, "issue.decide")
    text = clean_text(decision, field="ý kiến quyết định / decision", max_len=TEXT_MAX, required=True)
    _check_status(status)
    with session_scope(engine) as session:
        issue = load_issue_for_update(session, issue_id)
        check_expected(session, issue, expected_version)
        meeting = None
        if meeting_id is not None:
            meeting = session.get(Meeting, int(meeting_id))
            if meeting is None or meeting.province_code != issue.province_code:
                raise ValidationFailed(
                    f"Không tìm thấy cuộc họp số {meeting_id}.", f"Meeting {meeting_id} does not exist."
                )
        before = issue_snapshot(issue)
        issue.decision = text
        issue.decided_at_meeting_id = meeting.id if meeting else None
        issue.status = status
        issue.for_next_meeting = False
        if status in CLOSED_ISSUE_STATUSES:
            settled = meeting.held_on if meeting is not None else clock.today()
            issue.resolved_on = min(settled, clock.today())
        else:
            issue.resolved_on = None
        _touch(issue, actor)
        audit.record(session, actor, "issue.decide", "issue", issue.id, before, issue_snapshot(issue))
        return issue


@retrying()
def mark_for_next_meeting(
    engine: Engine, actor: Actor, issue_id: int, expected_version: int, flag: bool = True
) -> Issue:
    """Put the issue on (or take it off) the list for the next committee meeting."""
    require(actor, "issue.update")
    with session_scope(engine) as session:
        issue = load_issue_for_update(session, issue_id)
        require(actor, "issue.update", [issue.raised_by_code])
        check_expected(session, issue, expected_version)
        if flag and issue.status in CLOSED_ISSUE_STATUSES:
            raise ValidationFailed(
                "Vướng mắc đã giải quyết hoặc đã đóng không đưa ra cuộc họp được.",
                "A resolved or closed issue cannot be put on the next meeting.",
            )
        if issue.for_next_meeting == bool(flag):
            return issue
        before = issue_snapshot(issue)
        issue.for_next_meeting = bool(flag)
        _touch(issue, actor)
        audit.record(
            session, actor, "issue.for_next_meeting", "issue", issue.id, before, issue_snapshot(issue)
        )
        return issue


def get_issue(engine: Engine, issue_id: int) -> Issue | None:
    """One issue with its units and raising agency loaded (detached, read-only)."""

    with read_session(engine) as session:
        issue = session.scalar(
            select(Issue)
            .where(Issue.id == int(issue_id))
            .options(selectinload(Issue.admin_units), selectinload(Issue.raised_by))
        )
        if issue is not None:
            session.expunge_all()
        return issue
