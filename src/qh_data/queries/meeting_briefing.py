"""Reads that put a meeting beside the state of its province: what the DPI might put on the agenda
(``suggest_agenda``), what the room needs to see for each agenda item (``agenda_details``), and how
the tasks the meeting's conclusions created stand on a day (``meeting_tasks``).

Tasks are judged as the meeting pack judges them (``queries.asof``: the state on the day, from the
``TaskUpdate`` history), indicators as the overview page does (``queries.indicator_overview``),
issues by ``queries.open_issues``. The meeting itself is read through ``queries.meetings``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select

from .. import clock
from ..models import Agency, Issue
from ..rules.open_status import ISSUE_STATUSES, issue_open_sql
from ..services.agenda import AgendaDraft
from . import asof, units
from ._common import sort_name
from .indicators import indicator_overview
from .issues import open_issues
from .meetings import agenda_items, conclusions, meeting_province

SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
SUGGESTED_INDICATOR_STATUSES = ("deteriorating", "limited")


@dataclass(frozen=True)
class Suggestion(AgendaDraft):
    """A proposed agenda item with why it is proposed (``reason`` is a status code); accepted as it is
    by ``services.agenda.add_agenda_items``."""

    reason: str = ""
    severity: str | None = None


# --- statements --------------------------------------------------------------------------------------

ISSUES_FOR_THE_COMMITTEE = (
    select(
        Issue.id,
        Issue.title,
        Issue.raised_by_code,
        Issue.proposed_solution,
        Issue.status,
        Issue.severity,
        Issue.raised_on,
    )
    .where(
        Issue.province_unit_id.in_(bindparam("province_ids", expanding=True)),
        issue_open_sql(Issue.status),
        (Issue.status == "awaiting_decision") | Issue.for_next_meeting.is_(True),
    )
    .order_by(Issue.raised_on, Issue.id)
)

AGENCY_ROLES = select(Agency.role, Agency.code).where(
    Agency.province_unit_id.in_(bindparam("province_ids", expanding=True)), Agency.role.is_not(None)
)

AGENCY_NAMES = select(Agency.code, Agency.name).where(Agency.province_unit_id.in_(bindparam("province_ids", expanding=True)))


# --- rows from the other readers ---------------------------------------------------------------------


def _missing(value) -> bool:
    """None, and pandas' markers for a missing cell (NaN, NaT)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ == "NaTType"


def _records(result) -> list[dict]:
    """Query results as plain dicts, missing cells as None (a DataFrame or an iterable of mappings)."""
    if result is None:
        return []
    rows = result.to_dict("records") if hasattr(result, "to_dict") else [dict(r) for r in result]
    return [{k: (None if _missing(v) else v) for k, v in r.items()} for r in rows]


def _overdue_rows(engine: Engine, province: str, day: dt.date) -> list[dict]:
    """Overdue tasks on ``day``, longest overdue first (the rule the meeting pack uses)."""
    return asof.overdue_tasks(engine, province=province, day=day)


def _indicator_rows(engine: Engine, province: str, day: dt.date) -> list[dict]:
    """Province indicators with their progress status, as the overview page judges them."""
    return _records(indicator_overview(engine, province, as_of=day))


# --- the reads ---------------------------------------------------------------------------------------


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
    day = as_of or clock.today()
    with engine.connect() as c:
        province = meeting_province(c, meeting_id)
        on_agenda = {(i["kind"], i["ref"]) for i in agenda_items(c, meeting_id)}
        scope = {"province_ids": units.province_scope(c, province, day)}
        issues = c.execute(ISSUES_FOR_THE_COMMITTEE, scope).mappings().all()
        roles = {r["role"]: r["code"] for r in c.execute(AGENCY_ROLES, scope).mappings()}
    out: list[Suggestion] = []
    for issue in sorted(issues, key=lambda i: (SEVERITY_RANK.get(i["severity"], 9), i["raised_on"], i["id"])):
        if ("issue", str(issue["id"])) in on_agenda:
            continue
        out.append(
            Suggestion(
                kind="issue",
                ref=str(issue["id"]),
                title=issue["title"],
                presenter_code=issue["raised_by_code"],
                notes=issue["proposed_solution"],
                minutes=10,
                reason="awaiting_decision" if issue["status"] == "awaiting_decision" else "for_next_meeting",
                severity=issue["severity"],
            )
        )
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
        if status not in SUGGESTED_INDICATOR_STATUSES:
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


def meeting_tasks(engine: Engine, meeting_id: int, *, day: dt.date | None = None) -> list[dict]:
    """The tasks created from the meeting's conclusions and how they stand on ``day`` (default today):
    conclusion number and text, agency, due date, status, percent done and timing code."""
    day = day or clock.today()
    with engine.connect() as c:
        province = meeting_province(c, meeting_id)
        numbers = {r["id"]: (r["number"], r["text"]) for r in conclusions(c, meeting_id)}
    rows = asof.task_states(engine, province=province, day=day, meeting_id=meeting_id)
    for r in rows:
        r["conclusion_number"], r["conclusion_text"] = numbers.get(r["conclusion_id"], (None, None))
    return sorted(rows, key=lambda r: (r["conclusion_number"] or 0, sort_name(r["lead_name"])))


def _ids(items: list[dict], kind: str) -> list[int]:
    return [int(i["ref"]) for i in items if i["kind"] == kind and (i["ref"] or "").isdigit()]


def agenda_details(engine: Engine, meeting_id: int, *, day: dt.date | None = None) -> list[dict]:
    """The agenda in order, each item with what the room needs to see: an issue's agency, severity
    and proposed solution; a task's lead, deadline and progress; an indicator's latest figure and
    status."""
    day = day or clock.today()
    with engine.connect() as c:
        province = meeting_province(c, meeting_id)
        items = agenda_items(c, meeting_id)
        names = dict(c.execute(AGENCY_NAMES, {"province_ids": units.province_scope(c, province, day)}).all())
    issue_ids, task_ids = _ids(items, "issue"), _ids(items, "task")
    issues = {}
    if issue_ids:
        frame = open_issues(
            engine, province, statuses=list(ISSUE_STATUSES), as_of=max(day, clock.today())
        )
        issues = {r["id"]: r for r in _records(frame) if r["id"] in issue_ids}
    tasks = (
        {r["id"]: r for r in asof.task_states(engine, province=province, day=day, task_ids=task_ids)}
        if task_ids
        else {}
    )
    indicators = {}
    if any(i["kind"] == "indicator" for i in items):
        indicators = {
            (r.get("code") or r.get("indicator_code")): r for r in _indicator_rows(engine, province, day)
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
