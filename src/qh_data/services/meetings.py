"""Committee meetings: the upcoming meeting, its agenda, and the conclusions that become tasks.

Writes follow the house rules: ``permissions.require`` first (``meeting.manage`` for the meeting and
its agenda, ``conclusion.manage`` for conclusions and the tasks they create), one ``session_scope``
transaction, a version check refusing a stale edit (``StaleEdit`` says who changed it and when), and
``audit.record`` for every row written.

A conclusion addressed to a lead agency becomes one task for that agency; a conclusion addressed to
"all members of the committee" becomes one task per member agency of the province
(``Agency.is_committee_member``), plus the lead agency when one is named. Tasks are keyed by
(conclusion, agency), so saving the same conclusions again creates nothing twice; a changed
deadline moves the due date of the conclusion's open tasks (with a ``TaskUpdate`` line).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from .. import audit, clock
from ..db import read_session, session_scope
from ..errors import NotFound, StaleEdit, ValidationFailed
from ..models import (
    AGENDA_KINDS,
    AdminUnit,
    Agency,
    AgendaItem,
    Conclusion,
    Indicator,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    User,
)
from ..permissions import Actor, require
from ..text import clean_text
from .tasks import task_snapshot

OPEN_TASK_STATUSES = ("not_started", "in_progress")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_CONCLUSIONS = 100
MAX_AGENDA = 60


# --- data carried in and out ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaDraft:
    """One agenda line to add: a suggestion accepted (kind issue/task/indicator + ref) or a free item."""

    title: str
    kind: str = "free"
    ref: str | None = None
    notes: str | None = None
    presenter_code: str | None = None
    minutes: int | None = None


@dataclass(frozen=True)
class Suggestion(AgendaDraft):
    """A proposed agenda item with why it is proposed (``reason`` is a status code)."""

    reason: str = ""
    severity: str | None = None


@dataclass(frozen=True)
class ConclusionDraft:
    """A numbered conclusion as typed in the meeting. ``expected_version`` when editing one saved before."""

    text: str
    number: int | None = None
    lead_agency_code: str | None = None
    supporting_agency_codes: tuple[str, ...] = ()
    due_on: dt.date | None = None
    all_members: bool = False
    expected_version: int | None = None


@dataclass
class SaveResult:
    conclusion_ids: list[int] = field(default_factory=list)
    tasks_created: list[str] = field(default_factory=list)
    tasks_updated: list[str] = field(default_factory=list)
    tasks_cancelled: list[str] = field(default_factory=list)


# --- snapshots for the audit trail -----------------------------------------------------------------


def meeting_snapshot(m: Meeting) -> dict:
    return {
        "held_on": m.held_on,
        "starts_at": m.starts_at,
        "title": m.title,
        "kind": m.kind,
        "chair": m.chair,
        "venue": m.venue,
        "status": m.status,
        "notice_number": m.notice_number,
        "notes": m.notes,
        "invitees": sorted(a.code for a in m.invitees),
        "version": m.version,
    }


def agenda_snapshot(m: Meeting) -> list[dict]:
    return [
        {"id": i.id, "position": i.position, "kind": i.kind, "ref": i.ref, "title": i.title}
        for i in sorted(m.agenda_items, key=lambda i: i.position)
    ]


def conclusion_snapshot(c: Conclusion) -> dict:
    return {
        "meeting_id": c.meeting_id,
        "number": c.number,
        "text": c.text,
        "lead_agency": c.lead_agency_code,
        "supporting": sorted(a.code for a in c.supporting_agencies),
        "due_on": c.due_on,
        "all_members": c.all_members,
        "version": c.version,
    }


# --- helpers ------------------------------------------------------------------------------------


def _who(session: Session, user_id: int | None) -> str:
    if user_id:
        user = session.get(User, user_id)
        if user is not None:
            return user.display_name
    return "hệ thống"


def _last_change(session: Session, entity: str, entity_id: int):
    from ..models import AuditEntry

    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if entry is None:
        return "hệ thống", None
    return (_who(session, entry.user_id) if entry.user_id else (entry.username or "hệ thống")), entry.at


def _stale(session: Session, entity: str, entity_id: int, version: int, what_vi: str, what_en: str):
    who, when = _last_change(session, entity, entity_id)
    when_txt = when.strftime("%d/%m/%Y %H:%M") if when else "–"
    return StaleEdit(
        f"{what_vi} vừa được {who} thay đổi lúc {when_txt}; hãy tải lại để xem nội dung mới rồi sửa lại.",
        f"{what_en} was changed by {who} at {when_txt}; reload to see the new version, then edit again.",
        changed_by=who,
        changed_at=when,
        current_version=version,
    )


def _load_meeting(session: Session, meeting_id: int, *, lock: bool = True) -> Meeting:
    meeting = session.get(
        Meeting, int(meeting_id), with_for_update=lock and session.bind.dialect.name != "sqlite"
    )
    if meeting is None:
        raise NotFound(f"Không tìm thấy cuộc họp số {meeting_id}.", f"Meeting {meeting_id} does not exist.")
    return meeting


def _check_meeting_version(session: Session, meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is None or meeting.version != int(expected_version):
        raise _stale(session, "meeting", meeting.id, meeting.version, "Cuộc họp này", "This meeting")


def _agencies(session: Session, codes, province: str, field_vi: str, field_en: str) -> list[Agency]:
    codes = list(dict.fromkeys(c for c in (codes or []) if c))
    if not codes:
        return []
    found = {
        a.code: a
        for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))
        if a.province_code in (None, province)
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            f"{field_vi}: không có cơ quan {', '.join(missing)} trong tỉnh.",
            f"{field_en}: no agency {', '.join(missing)} in this province.",
        )
    return [found[c] for c in codes]


def member_agencies(session: Session, province: str) -> list[Agency]:
    """The committee's member agencies in a province (the fan-out of an "all members" conclusion)."""
    return list(
        session.scalars(
            select(Agency)
            .where(Agency.province_code == province, Agency.is_committee_member.is_(True))
            .order_by(Agency.code)
        )
    )


def _clean_fields(title, chair, venue, starts_at, notes, kind) -> dict:
    out = {
        "title": clean_text(title, field="tên cuộc họp / title", max_len=500, required=True),
        "chair": clean_text(chair, field="chủ trì / chair", max_len=200),
        "venue": clean_text(venue, field="địa điểm / venue", max_len=300),
        "notes": clean_text(notes, field="ghi chú / notes", max_len=4000),
        "kind": clean_text(kind, field="loại / kind", max_len=20) or "regular",
        "starts_at": (starts_at or "").strip() or None,
    }
    if out["starts_at"] and not TIME_RE.match(out["starts_at"]):
        raise ValidationFailed(
            "Giờ họp phải viết dạng HH:MM, ví dụ 08:00.", "The start time must look like HH:MM, e.g. 08:00."
        )
    return out


# --- the meeting itself ---------------------------------------------------------------------------


def create_meeting(
    engine: Engine,
    actor: Actor,
    *,
    province: str,
    held_on: dt.date,
    title: str,
    chair: str | None = None,
    venue: str | None = None,
    starts_at: str | None = None,
    invitees=(),
    kind: str = "regular",
    notes: str | None = None,
) -> Meeting:
    """Plan a meeting of the committee (DPI). Returns it (status ``planned``, version 1)."""
    require(actor, "meeting.manage")
    values = _clean_fields(title, chair, venue, starts_at, notes, kind)
    if not isinstance(held_on, dt.date):
        raise ValidationFailed("Hãy chọn ngày họp.", "Choose the meeting date.")
    with session_scope(engine) as session:
        if session.get(AdminUnit, province) is None:
            raise ValidationFailed(f"Không có tỉnh mã {province}.", f"There is no province {province}.")
        meeting = Meeting(province_code=province, held_on=held_on, status="planned", version=1, **values)
        meeting.invitees = _agencies(session, invitees, province, "Thành phần mời", "Invitees")
        session.add(meeting)
        session.flush()
        audit.record(session, actor, "meeting.create", "meeting", meeting.id, None, meeting_snapshot(meeting))
        return meeting


_UNSET = object()


def update_meeting(
    engine: Engine,
    actor: Actor,
    meeting_id: int,
    expected_version: int,
    *,
    held_on: dt.date | None = None,
    title: str | None = None,
    chair=_UNSET,
    venue=_UNSET,
    starts_at=_UNSET,
    invitees=None,
    notes=_UNSET,
    notice_number=_UNSET,
) -> Meeting:
    """Edit the meeting's date, title, chair, venue, time, invitees, notes or notice number."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        _check_meeting_version(session, meeting, expected_version)
        before = meeting_snapshot(meeting)
        values = _clean_fields(
            title if title is not None else meeting.title,
            meeting.chair if chair is _UNSET else chair,
            meeting.venue if venue is _UNSET else venue,
            meeting.starts_at if starts_at is _UNSET else starts_at,
            meeting.notes if notes is _UNSET else notes,
            meeting.kind,
        )
        for key, value in values.items():
            setattr(meeting, key, value)
        if held_on is not None:
            meeting.held_on = held_on
        if invitees is not None:
            meeting.invitees = _agencies(
                session, invitees, meeting.province_code, "Thành phần mời", "Invitees"
            )
        if notice_number is not _UNSET:
            meeting.notice_number = clean_text(
                notice_number, field="số thông báo / notice number", max_len=60
            )
        if meeting_snapshot(meeting) == before:
            return meeting
        meeting.version += 1
        audit.record(
            session, actor, "meeting.update", "meeting", meeting.id, before, meeting_snapshot(meeting)
        )
        return meeting


def mark_held(
    engine: Engine, actor: Actor, meeting_id: int, expected_version: int, *, notice_number: str | None = None
) -> Meeting:
    """Record that the meeting took place (it then shows among the past meetings)."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        _check_meeting_version(session, meeting, expected_version)
        if meeting.held_on > clock.today():
            raise ValidationFailed(
                "Cuộc họp chưa đến ngày họp nên chưa thể ghi là đã họp.",
                "The meeting's date has not come yet, so it cannot be marked as held.",
            )
        before = meeting_snapshot(meeting)
        meeting.status = "held"
        if notice_number is not None:
            meeting.notice_number = clean_text(
                notice_number, field="số thông báo / notice number", max_len=60
            )
        meeting.version += 1
        audit.record(session, actor, "meeting.held", "meeting", meeting.id, before, meeting_snapshot(meeting))
        return meeting


# --- the agenda -----------------------------------------------------------------------------------


def _clean_agenda(draft: AgendaDraft, session: Session, province: str) -> dict:
    if draft.kind not in AGENDA_KINDS:
        raise ValidationFailed(
            f"Loại mục '{draft.kind}' không hợp lệ.", f"Agenda kind '{draft.kind}' is not valid."
        )
    minutes = draft.minutes
    if minutes is not None and not 0 < int(minutes) <= 600:
        raise ValidationFailed("Thời lượng mỗi mục từ 1 đến 600 phút.", "An item lasts 1 to 600 minutes.")
    presenter = None
    if draft.presenter_code:
        presenter = _agencies(session, [draft.presenter_code], province, "Cơ quan trình bày", "Presenter")[
            0
        ].code
    return {
        "kind": draft.kind,
        "ref": clean_text(draft.ref, field="ref", max_len=60) if draft.kind != "free" else None,
        "title": clean_text(draft.title, field="nội dung / title", max_len=1000, required=True),
        "notes": clean_text(draft.notes, field="ghi chú / notes", max_len=4000),
        "presenter_code": presenter,
        "minutes": int(minutes) if minutes else None,
    }


def _renumber(items: list[AgendaItem]) -> None:
    for i, item in enumerate(items, start=1):
        item.position = i


def add_agenda_items(
    engine: Engine, actor: Actor, meeting_id: int, drafts: list[AgendaDraft], expected_version: int
) -> Meeting:
    """Append agenda items (accepted suggestions or free items). A suggestion already on the agenda
    (same kind and reference) is not added twice."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        _check_meeting_version(session, meeting, expected_version)
        before = agenda_snapshot(meeting)
        items = sorted(meeting.agenda_items, key=lambda i: i.position)
        present = {(i.kind, i.ref) for i in items if i.kind != "free"}
        added = 0
        for draft in drafts:
            values = _clean_agenda(draft, session, meeting.province_code)
            if values["kind"] != "free" and (values["kind"], values["ref"]) in present:
                continue
            present.add((values["kind"], values["ref"]))
            item = AgendaItem(position=len(items) + 1, **values)
            meeting.agenda_items.append(item)
            items.append(item)
            added += 1
        if len(items) > MAX_AGENDA:
            raise ValidationFailed(
                f"Chương trình họp tối đa {MAX_AGENDA} mục.", f"An agenda has at most {MAX_AGENDA} items."
            )
        if not added:
            return meeting
        meeting.version += 1
        session.flush()
        audit.record(
            session, actor, "meeting.agenda_add", "meeting", meeting.id, before, agenda_snapshot(meeting)
        )
        return meeting


def remove_agenda_item(
    engine: Engine, actor: Actor, meeting_id: int, item_id: int, expected_version: int
) -> Meeting:
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        _check_meeting_version(session, meeting, expected_version)
        before = agenda_snapshot(meeting)
        item = next((i for i in meeting.agenda_items if i.id == int(item_id)), None)
        if item is None:
            raise NotFound(
                f"Không có mục {item_id} trong chương trình họp.", f"Agenda item {item_id} does not exist."
            )
        meeting.agenda_items.remove(item)
        _renumber(sorted(meeting.agenda_items, key=lambda i: i.position))
        meeting.version += 1
        session.flush()
        audit.record(
            session, actor, "meeting.agenda_remove", "meeting", meeting.id, before, agenda_snapshot(meeting)
        )
        return meeting


def reorder_agenda(
    engine: Engine, actor: Actor, meeting_id: int, item_ids: list[int], expected_version: int
) -> Meeting:
    """Put the agenda in the order given (every item of the meeting, each once)."""
    require(actor, "meeting.manage")
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        _check_meeting_version(session, meeting, expected_version)
        by_id = {i.id: i for i in meeting.agenda_items}
        wanted = [int(i) for i in item_ids]
        if sorted(wanted) != sorted(by_id):
            raise ValidationFailed(
                "Thứ tự mới phải gồm đủ các mục của chương trình, mỗi mục một lần.",
                "The new order must list every agenda item exactly once.",
            )
        before = agenda_snapshot(meeting)
        _renumber([by_id[i] for i in wanted])
        if agenda_snapshot(meeting) == before:
            return meeting
        meeting.version += 1
        audit.record(
            session, actor, "meeting.agenda_reorder", "meeting", meeting.id, before, agenda_snapshot(meeting)
        )
        return meeting


def move_agenda_item(
    engine: Engine, actor: Actor, meeting_id: int, item_id: int, delta: int, expected_version: int
) -> Meeting:
    """Move one item up (delta −1) or down (+1)."""
    with read_session(engine) as session:
        ids = list(
            session.scalars(
                select(AgendaItem.id)
                .where(AgendaItem.meeting_id == int(meeting_id))
                .order_by(AgendaItem.position)
            )
        )
    if int(item_id) not in ids:
        require(actor, "meeting.manage")
        raise NotFound(
            f"Không có mục {item_id} trong chương trình họp.", f"Agenda item {item_id} does not exist."
        )
    i = ids.index(int(item_id))
    j = max(0, min(len(ids) - 1, i + int(delta)))
    ids[i], ids[j] = ids[j], ids[i]
    return reorder_agenda(engine, actor, meeting_id, ids, expected_version)


def suggest_agenda(
    engine: Engine,
    meeting_id: int,
    *,
    as_of: dt.date | None = None,
    limit_tasks: int = 10,
    limit_indicators: int = 10,
) -> list[Suggestion]:
    """What the DPI might put on the agenda: issues awaiting the committee's decision (or marked for
    the next meeting), overdue tasks, and indicators that are deteriorating or well behind
    (``limited``). Items already on the agenda are left out."""
    with read_session(engine) as session:
        meeting = _load_meeting(session, meeting_id, lock=False)
        province = meeting.province_code
        on_agenda = {(i.kind, i.ref) for i in meeting.agenda_items}
        day = as_of or clock.today()
        issues = session.scalars(
            select(Issue)
            .where(
                Issue.province_code == province,
                Issue.status.in_(("open", "in_progress", "awaiting_decision")),
                (Issue.status == "awaiting_decision") | Issue.for_next_meeting.is_(True),
            )
            .options(selectinload(Issue.raised_by))
            .order_by(Issue.raised_on, Issue.id)
        ).all()
        severity_rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
        issues = sorted(issues, key=lambda i: (severity_rank.get(i.severity, 9), i.raised_on, i.id))
        out: list[Suggestion] = []
        for issue in issues:
            if ("issue", str(issue.id)) in on_agenda:
                continue
            out.append(
                Suggestion(
                    kind="issue",
                    ref=str(issue.id),
                    title=issue.title,
                    presenter_code=issue.raised_by_code,
                    notes=issue.proposed_solution,
                    minutes=10,
                    reason="awaiting_decision" if issue.status == "awaiting_decision" else "for_next_meeting",
                    severity=issue.severity,
                )
            )
        roles = {
            a.role: a.code
            for a in session.scalars(
                select(Agency).where(Agency.province_code == province, Agency.role.is_not(None))
            )
        }
    for row in _overdue_rows(engine, province, day)[:limit_tasks]:
        if ("task", str(row["id"])) in on_agenda:
            continue
        out.append(
            Suggestion(
                kind="task",
                ref=str(row["id"]),
                title=f"{row.get('code', '')} · {row['title']}".strip(" ·"),
                presenter_code=row.get("lead_agency_code"),
                minutes=5,
                reason="overdue",
            )
        )
    n = 0
    for row in _indicator_rows(engine, province, day):
        status = row.get("status")
        if status not in ("deteriorating", "limited"):
            continue
        code = row.get("indicator_code") or row.get("code")
        if ("indicator", str(code)) in on_agenda:
            continue
        if n >= limit_indicators:
            break
        n += 1
        out.append(
            Suggestion(
                kind="indicator",
                ref=str(code),
                title=row.get("name_vi") or row.get("name") or str(code),
                presenter_code=roles.get(row.get("owner_role")),
                minutes=5,
                reason=status,
            )
        )
    return out


def _overdue_rows(engine: Engine, province: str, day: dt.date) -> list[dict]:
    """Overdue tasks on ``day``, longest overdue first (the rule the meeting pack uses)."""
    from ..queries import asof

    return asof.overdue_tasks(engine, province=province, day=day)


def _indicator_rows(engine: Engine, province: str, day: dt.date) -> list[dict]:
    """Province indicators with their progress status, as the overview page judges them
    (``queries.indicator_overview``)."""
    from .. import queries

    return _records(queries.indicator_overview(engine, province, as_of=day))


def _records(result) -> list[dict]:
    """Query results may be a DataFrame or a list of dicts."""
    if result is None:
        return []
    rows = result.to_dict("records") if hasattr(result, "to_dict") else [dict(r) for r in result]
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows]


def _missing(value) -> bool:
    """pandas' markers for a missing cell (NaN, NaT) as well as None."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ == "NaTType"


# --- conclusions -> tasks -------------------------------------------------------------------------


def task_code(meeting: Meeting, number: int, agency_code: str) -> str:
    code = f"H{meeting.id}-KL{number}-{agency_code}"
    if len(code) > 40:
        raise ValidationFailed(
            f"Mã cơ quan {agency_code} quá dài để đặt mã nhiệm vụ.",
            f"Agency code {agency_code} is too long for a task code.",
        )
    return code


def _targets(session: Session, meeting: Meeting, conclusion: Conclusion) -> list[str]:
    codes: list[str] = []
    if conclusion.lead_agency_code:
        codes.append(conclusion.lead_agency_code)
    if conclusion.all_members:
        codes += [a.code for a in member_agencies(session, meeting.province_code)]
    return list(dict.fromkeys(codes))


def _source(meeting: Meeting, number: int) -> str:
    day = meeting.held_on.strftime("%d/%m/%Y")
    if meeting.notice_number:
        return f"Thông báo kết luận số {meeting.notice_number}, mục {number} (cuộc họp ngày {day})"
    return f"Kết luận cuộc họp Ban Chỉ đạo ngày {day}, mục {number}"


def _task_title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else text
    return first if len(first) <= 300 else first[:299].rstrip() + "…"


def _units_of(agency: Agency, session: Session) -> list[AdminUnit]:
    if agency.kind == "ubnd_huyen" and agency.admin_unit_code:
        unit = session.get(AdminUnit, agency.admin_unit_code)
        return [unit] if unit is not None and unit.level == "district" else []
    return []


def _sync_tasks(
    session: Session, actor: Actor, meeting: Meeting, conclusion: Conclusion, result: SaveResult
) -> None:
    now = clock.now()
    targets = _targets(session, meeting, conclusion)
    existing = {
        t.lead_agency_code: t
        for t in session.scalars(
            select(Task)
            .where(Task.conclusion_id == conclusion.id)
            .options(selectinload(Task.supporting_agencies))
        )
    }
    supporting = list(conclusion.supporting_agencies)
    title = _task_title(conclusion.text)
    source = _source(meeting, conclusion.number)
    for code in targets:
        task = existing.get(code)
        others = [a for a in supporting if a.code != code]
        if task is None:
            agency = session.get(Agency, code)
            task = Task(
                code=task_code(meeting, conclusion.number, code),
                title=title,
                description=conclusion.text,
                province_code=meeting.province_code,
                source_document=source,
                meeting_id=meeting.id,
                conclusion_id=conclusion.id,
                lead_agency_code=code,
                assigned_on=meeting.held_on,
                due_on=conclusion.due_on,
                status="not_started",
                percent_done=0,
                version=1,
                created_at=now,
                updated_at=now,
                updated_by_id=actor.user_id,
                is_demo=meeting.is_demo,
            )
            task.supporting_agencies = others
            task.admin_units = _units_of(agency, session)
            session.add(task)
            session.flush()
            session.add(
                TaskUpdate(
                    task=task,
                    at=now,
                    user_id=actor.user_id,
                    status="not_started",
                    percent_done=0,
                    due_on=task.due_on,
                    done_on=None,
                    version=1,
                    note=f"Giao theo kết luận số {conclusion.number} của cuộc họp ngày "
                    f"{meeting.held_on.strftime('%d/%m/%Y')}.",
                )
            )
            audit.record(
                session,
                actor,
                "task.create",
                "task",
                task.id,
                None,
                task_snapshot(task)
                | {"code": task.code, "conclusion_id": conclusion.id, "lead_agency": code},
            )
            result.tasks_created.append(task.code)
            continue
        if task.status not in OPEN_TASK_STATUSES:
            continue  # done or cancelled tasks keep what they were
        before = task_snapshot(task) | {
            "title": task.title,
            "supporting": sorted(a.code for a in task.supporting_agencies),
        }
        due_changed = task.due_on != conclusion.due_on
        task.title = title
        task.description = conclusion.text
        task.source_document = source
        task.due_on = conclusion.due_on
        task.supporting_agencies = others
        after = task_snapshot(task) | {"title": task.title, "supporting": sorted(a.code for a in others)}
        if after == before:
            continue
        task.version += 1
        task.updated_at = now
        task.updated_by_id = actor.user_id
        if due_changed:
            new_due = conclusion.due_on.strftime("%d/%m/%Y") if conclusion.due_on else "không thời hạn"
            session.add(
                TaskUpdate(
                    task=task,
                    at=now,
                    user_id=actor.user_id,
                    status=task.status,
                    percent_done=task.percent_done,
                    due_on=task.due_on,
                    done_on=task.done_on,
                    version=task.version,
                    note=f"Thời hạn điều chỉnh theo kết luận số {conclusion.number}: {new_due}.",
                )
            )
        audit.record(
            session,
            actor,
            "task.edit",
            "task",
            task.id,
            before,
            task_snapshot(task) | {"title": task.title, "supporting": sorted(a.code for a in others)},
        )
        result.tasks_updated.append(task.code)
    for code, task in existing.items():
        if code in targets or task.status not in OPEN_TASK_STATUSES:
            continue
        before = task_snapshot(task)
        task.status = "cancelled"
        task.version += 1
        task.updated_at = now
        task.updated_by_id = actor.user_id
        session.add(
            TaskUpdate(
                task=task,
                at=now,
                user_id=actor.user_id,
                status="cancelled",
                percent_done=task.percent_done,
                due_on=task.due_on,
                done_on=None,
                version=task.version,
                note=f"Kết luận số {conclusion.number} không còn giao cho cơ quan này.",
            )
        )
        audit.record(session, actor, "task.cancel", "task", task.id, before, task_snapshot(task))
        result.tasks_cancelled.append(task.code)


def _conclusion_values(session: Session, meeting: Meeting, draft: ConclusionDraft) -> dict:
    text = clean_text(draft.text, field="nội dung kết luận / conclusion", max_len=8000, required=True)
    lead = None
    if draft.lead_agency_code:
        lead = _agencies(
            session, [draft.lead_agency_code], meeting.province_code, "Cơ quan chủ trì", "Lead agency"
        )[0].code
    supporting = _agencies(
        session,
        draft.supporting_agency_codes,
        meeting.province_code,
        "Cơ quan phối hợp",
        "Supporting agencies",
    )
    supporting = [a for a in supporting if a.code != lead]
    if draft.due_on is not None and draft.due_on < meeting.held_on:
        raise ValidationFailed(
            f"Thời hạn của kết luận số {draft.number} trước ngày họp.",
            f"The deadline of conclusion {draft.number} is before the meeting's date.",
        )
    if draft.all_members and not member_agencies(session, meeting.province_code):
        raise ValidationFailed(
            "Tỉnh này chưa có danh sách thành viên Ban Chỉ đạo.",
            "This province has no list of committee members yet.",
        )
    return {
        "text": text,
        "lead_agency_code": lead,
        "supporting": supporting,
        "due_on": draft.due_on,
        "all_members": bool(draft.all_members),
    }


def _same(c: Conclusion, values: dict) -> bool:
    return (
        c.text == values["text"]
        and c.lead_agency_code == values["lead_agency_code"]
        and sorted(a.code for a in c.supporting_agencies) == sorted(a.code for a in values["supporting"])
        and c.due_on == values["due_on"]
        and bool(c.all_members) == values["all_members"]
    )


def save_conclusions(
    engine: Engine, actor: Actor, meeting_id: int, drafts: list[ConclusionDraft]
) -> SaveResult:
    """Save the meeting's numbered conclusions and create (or bring up to date) their tasks.

    Conclusions are matched by number. An unnumbered draft takes the next free number. A meeting
    whose day has not come has no conclusions yet (refused). Saving the
    same drafts again changes nothing; a draft that differs from a saved conclusion must carry that
    conclusion's ``expected_version`` (else ``StaleEdit``). Conclusions not in ``drafts`` are left
    as they are (see ``remove_conclusion``).
    """
    require(actor, "conclusion.manage")
    require(actor, "task.create")
    if len(drafts) > MAX_CONCLUSIONS:
        raise ValidationFailed(
            f"Tối đa {MAX_CONCLUSIONS} kết luận cho một cuộc họp.",
            f"At most {MAX_CONCLUSIONS} conclusions per meeting.",
        )
    result = SaveResult()
    with session_scope(engine) as session:
        meeting = _load_meeting(session, meeting_id)
        if meeting.held_on > clock.today():
            day = meeting.held_on.strftime("%d/%m/%Y")
            raise ValidationFailed(
                f"Cuộc họp ngày {day} chưa diễn ra: kết luận được ghi trong hoặc sau cuộc họp.",
                f"The meeting of {day} has not taken place yet: conclusions are recorded during or after it.",
            )
        saved = {c.number: c for c in meeting.conclusions}
        numbers = [d.number for d in drafts if d.number is not None]
        if len(numbers) != len(set(numbers)) or any(int(n) < 1 for n in numbers):
            raise ValidationFailed(
                "Số thứ tự các kết luận phải khác nhau và từ 1 trở lên.",
                "Conclusion numbers must be distinct and at least 1.",
            )
        next_free = max([*saved, *numbers, 0]) + 1
        for draft in drafts:
            number = int(draft.number) if draft.number is not None else next_free
            if draft.number is None:
                next_free += 1
            values = _conclusion_values(
                session, meeting, ConclusionDraft(**{**draft.__dict__, "number": number})
            )
            conclusion = saved.get(number)
            if conclusion is None:
                conclusion = Conclusion(
                    meeting=meeting,
                    number=number,
                    text=values["text"],
                    lead_agency_code=values["lead_agency_code"],
                    due_on=values["due_on"],
                    all_members=values["all_members"],
                    version=1,
                )
                conclusion.supporting_agencies = values["supporting"]
                session.add(conclusion)
                session.flush()
                audit.record(
                    session,
                    actor,
                    "conclusion.create",
                    "conclusion",
                    conclusion.id,
                    None,
                    conclusion_snapshot(conclusion),
                )
            elif not _same(conclusion, values):
                if draft.expected_version is None or int(draft.expected_version) != conclusion.version:
                    raise _stale(
                        session,
                        "conclusion",
                        conclusion.id,
                        conclusion.version,
                        f"Kết luận số {number}",
                        f"Conclusion {number}",
                    )
                before = conclusion_snapshot(conclusion)
                conclusion.text = values["text"]
                conclusion.lead_agency_code = values["lead_agency_code"]
                conclusion.supporting_agencies = values["supporting"]
                conclusion.due_on = values["due_on"]
                conclusion.all_members = values["all_members"]
                conclusion.version += 1
                session.flush()
                audit.record(
                    session,
                    actor,
                    "conclusion.update",
                    "conclusion",
                    conclusion.id,
                    before,
                    conclusion_snapshot(conclusion),
                )
            result.conclusion_ids.append(conclusion.id)
            _sync_tasks(session, actor, meeting, conclusion, result)
        return result


def update_conclusion(
    engine: Engine,
    actor: Actor,
    conclusion_id: int,
    expected_version: int,
    *,
    text: str | None = None,
    due_on=_UNSET,
    lead_agency_code=_UNSET,
    supporting_agency_codes=None,
    all_members: bool | None = None,
) -> SaveResult:
    """Edit one saved conclusion (e.g. its deadline); its open tasks follow."""
    require(actor, "conclusion.manage")
    with read_session(engine) as session:
        c = session.get(Conclusion, int(conclusion_id))
        if c is None:
            raise NotFound(
                f"Không tìm thấy kết luận {conclusion_id}.", f"Conclusion {conclusion_id} does not exist."
            )
        draft = ConclusionDraft(
            text=c.text if text is None else text,
            number=c.number,
            lead_agency_code=c.lead_agency_code if lead_agency_code is _UNSET else lead_agency_code,
            supporting_agency_codes=tuple(a.code for a in c.supporting_agencies)
            if supporting_agency_codes is None
            else tuple(supporting_agency_codes),
            due_on=c.due_on if due_on is _UNSET else due_on,
            all_members=c.all_members if all_members is None else all_members,
            expected_version=expected_version,
        )
        meeting_id = c.meeting_id
    return save_conclusions(engine, actor, meeting_id, [draft])


def remove_conclusion(engine: Engine, actor: Actor, conclusion_id: int, expected_version: int) -> None:
    """Delete a conclusion recorded by mistake, with its tasks, as long as no task has progressed."""
    require(actor, "conclusion.manage")
    with session_scope(engine) as session:
        c = session.get(Conclusion, int(conclusion_id))
        if c is None:
            raise NotFound(
                f"Không tìm thấy kết luận {conclusion_id}.", f"Conclusion {conclusion_id} does not exist."
            )
        if c.version != int(expected_version):
            raise _stale(
                session, "conclusion", c.id, c.version, f"Kết luận số {c.number}", f"Conclusion {c.number}"
            )
        tasks = list(session.scalars(select(Task).where(Task.conclusion_id == c.id)))
        moved = [t.code for t in tasks if t.status != "not_started" or t.percent_done or len(t.updates) > 1]
        if moved:
            raise ValidationFailed(
                f"Không xóa được kết luận số {c.number}: các nhiệm vụ {', '.join(moved)} "
                "đã có cập nhật tiến độ.",
                f"Conclusion {c.number} cannot be deleted: tasks {', '.join(moved)} "
                "already have progress updates.",
            )
        before = conclusion_snapshot(c)
        for task in tasks:
            audit.record(
                session,
                actor,
                "task.delete",
                "task",
                task.id,
                task_snapshot(task) | {"code": task.code},
                None,
            )
            session.delete(task)
        session.flush()
        audit.record(session, actor, "conclusion.delete", "conclusion", c.id, before, None)
        session.delete(c)


# --- reads the meetings page and the reports need --------------------------------------------------


def load_meeting_detail(session: Session, meeting_id: int) -> Meeting:
    """A meeting with its invitees, agenda and conclusions loaded in ``session``; NotFound if none."""
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.id == int(meeting_id))
        .options(
            selectinload(Meeting.invitees),
            selectinload(Meeting.agenda_items),
            selectinload(Meeting.conclusions).selectinload(Conclusion.supporting_agencies),
            selectinload(Meeting.conclusions).selectinload(Conclusion.lead_agency),
        )
    )
    if meeting is None:
        raise NotFound(f"Không tìm thấy cuộc họp số {meeting_id}.", f"Meeting {meeting_id} does not exist.")
    return meeting


def agenda_dicts(meeting: Meeting) -> list[dict]:
    """The meeting's agenda items in order, as plain dicts."""
    return [
        {"id": i.id, "position": i.position, "kind": i.kind, "ref": i.ref, "title": i.title, "notes": i.notes,
         "presenter_code": i.presenter_code, "minutes": i.minutes}
        for i in sorted(meeting.agenda_items, key=lambda i: i.position)
    ]


def get_meeting(engine: Engine, meeting_id: int) -> Meeting:
    """A meeting with its invitees, agenda and conclusions loaded (detached, read-only)."""
    with read_session(engine) as session:
        meeting = load_meeting_detail(session, meeting_id)
        session.expunge_all()
        return meeting


def indicator_names(engine: Engine, codes) -> dict[str, str]:
    with read_session(engine) as session:
        return {
            code: name
            for code, name in session.execute(
                select(Indicator.code, Indicator.name_vi).where(Indicator.code.in_(list(codes)))
            )
        }


def list_meetings(engine: Engine, *, province: str) -> list[dict]:
    """Every meeting of the province, newest first, with its agenda and conclusion counts."""
    from sqlalchemy import func

    agenda = (
        select(AgendaItem.meeting_id, func.count(AgendaItem.id).label("n"))
        .group_by(AgendaItem.meeting_id)
        .subquery()
    )
    concl = (
        select(Conclusion.meeting_id, func.count(Conclusion.id).label("n"))
        .group_by(Conclusion.meeting_id)
        .subquery()
    )
    stmt = (
        select(
            Meeting.id,
            Meeting.held_on,
            Meeting.starts_at,
            Meeting.title,
            Meeting.chair,
            Meeting.venue,
            Meeting.status,
            Meeting.notice_number,
            Meeting.version,
            Meeting.is_demo,
            func.coalesce(agenda.c.n, 0).label("agenda_items"),
            func.coalesce(concl.c.n, 0).label("conclusions"),
        )
        .outerjoin(agenda, agenda.c.meeting_id == Meeting.id)
        .outerjoin(concl, concl.c.meeting_id == Meeting.id)
        .where(Meeting.province_code == province)
        .order_by(Meeting.held_on.desc(), Meeting.id.desc())
    )
    with read_session(engine) as session:
        return [dict(r._mapping) for r in session.execute(stmt)]


def split_meetings(meetings: list[dict], today: dt.date) -> tuple[list[dict], list[dict]]:
    """(upcoming, past): planned meetings from today on, soonest first; the rest (held, or whose day
    has passed) newest first."""
    upcoming = sorted(
        (m for m in meetings if m["status"] == "planned" and m["held_on"] >= today),
        key=lambda m: (m["held_on"], m["id"]),
    )
    past = [m for m in meetings if m not in upcoming]
    return upcoming, past


def meeting_tasks(engine: Engine, meeting_id: int, *, day: dt.date | None = None) -> list[dict]:
    """The tasks created from the meeting's conclusions and how they stand on ``day`` (default today):
    conclusion number and text, agency, due date, status, percent done and timing code."""
    from ..queries import asof

    day = day or clock.today()
    with read_session(engine) as session:
        meeting = _load_meeting(session, meeting_id, lock=False)
        province = meeting.province_code
        numbers = {c.id: (c.number, c.text) for c in meeting.conclusions}
    rows = asof.task_states(engine, province=province, day=day, meeting_id=meeting_id)
    for r in rows:
        r["conclusion_number"], r["conclusion_text"] = numbers.get(r["conclusion_id"], (None, None))
    return sorted(rows, key=lambda r: (r["conclusion_number"] or 0, r["lead_name"]))


def agenda_details(engine: Engine, meeting_id: int, *, day: dt.date | None = None) -> list[dict]:
    """The agenda in order, each item with what the room needs to see: an issue's agency, severity
    and proposed solution; a task's lead, deadline and progress; an indicator's latest figure and
    status."""
    from ..queries import asof

    day = day or clock.today()
    meeting = get_meeting(engine, meeting_id)
    items = agenda_dicts(meeting)
    issue_ids = [int(i["ref"]) for i in items if i["kind"] == "issue" and (i["ref"] or "").isdigit()]
    task_ids = [int(i["ref"]) for i in items if i["kind"] == "task" and (i["ref"] or "").isdigit()]
    from .. import queries
    from ..models import ISSUE_STATUSES

    issues = {}
    if issue_ids:
        frame = queries.open_issues(
            engine, meeting.province_code, statuses=list(ISSUE_STATUSES), as_of=max(day, clock.today())
        )
        issues = {r["id"]: r for r in _records(frame) if r["id"] in issue_ids}
    tasks = (
        {
            r["id"]: r
            for r in asof.task_states(engine, province=meeting.province_code, day=day, task_ids=task_ids)
        }
        if task_ids
        else {}
    )
    indicators = {}
    if any(i["kind"] == "indicator" for i in items):
        indicators = {
            (r.get("code") or r.get("indicator_code")): r
            for r in _indicator_rows(engine, meeting.province_code, day)
        }
    with read_session(engine) as session:
        names = {
            code: name
            for code, name in session.execute(
                select(Agency.code, Agency.name).where(Agency.province_code == meeting.province_code)
            )
        }
    for item in items:
        item["presenter_name"] = names.get(item["presenter_code"])
        ref = item["ref"]
        if item["kind"] == "issue" and ref and ref.isdigit():
            item["issue"] = issues.get(int(ref))
        elif item["kind"] == "task" and ref and ref.isdigit():
            item["task"] = tasks.get(int(ref))
        elif item["kind"] == "indicator":
            item["indicator"] = indicators.get(ref)
    return items
