"""Issue queries: the list (open ones by default) and the counts behind the overview.

Scope as for tasks: ``districts`` (linked to one of them, or raised by that district's People's
Committee), ``agency`` (raised by it, or about a task it leads), ``as_of`` (the day ages are judged
on; issues raised later are left out). Open and settled statuses are ``qh_data.rules.open_status``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from ..errors import ValidationFailed
from ..models import AdminUnitVersion, Agency, Issue, Meeting, Task, issue_admin_unit
from ..records import Records
from ..rules.open_status import CLOSED_ISSUE_STATUSES, ISSUE_STATUSES, OPEN_ISSUE_STATUSES
from ..rules.task_timing import days_between_sql
from ..status import AGE_BUCKETS, ISSUE_SEVERITIES
from ..status import age_bucket as bucket_of_age
from ..text import fold
from . import units
from ._common import code_list, count_if, day_of, day_param, in_ids, read_connection, records


def _issue_where(by_districts: bool, by_agency: bool) -> list:
    conds = [Issue.province_unit_id.in_(bindparam("province_ids", expanding=True)), Issue.raised_on <= day_param()]
    if by_districts:
        iau = issue_admin_unit.c
        ids = bindparam("unit_ids", expanding=True)
        conds.append(or_(
            Issue.id.in_(select(iau.issue_id).where(iau.unit_id.in_(ids))),
            Issue.raised_by_code.in_(select(Agency.code).where(Agency.unit_id.in_(ids))),
        ))
    if by_agency:
        agencies = bindparam("agencies", expanding=True)  # one code, or an agency's family (queries.succession)
        conds.append(or_(Issue.raised_by_code.in_(agencies),
                         Issue.related_task_id.in_(select(Task.id).where(Task.lead_agency_code.in_(agencies)))))
    return conds


def _issue_values(c: Connection, province: str, day: dt.date, districts=None,
                  agency: str | list[str] | None = None) -> tuple[dict[str, Any], tuple[bool, bool]]:
    codes = code_list(districts)
    agencies = code_list(agency) or []
    values = {**units.scope(c, province, day, codes), "day": day, "agencies": agencies}
    return values, (bool(codes), bool(agencies))


def _issue_age(dialect: str):
    """Days from raised to ``day`` — or to the day it was settled, for a settled issue."""
    end = case((and_(Issue.status.in_(CLOSED_ISSUE_STATUSES), Issue.resolved_on.is_not(None),
                     Issue.resolved_on <= day_param()), Issue.resolved_on), else_=day_param())
    return days_between_sql(dialect, end, Issue.raised_on)


def _age_condition(age, bucket: str):
    if bucket == "lt30":
        return age < 30
    if bucket == "30to90":
        return and_(age >= 30, age <= 90)
    return age > 90


ISSUE_COLUMNS = (
    "id", "code", "title", "description", "raised_by_code", "raised_by_name", "raised_by_short_name",
    "raised_by_short", "raised_on", "severity", "status", "proposed_solution", "decision",
    "decided_at_meeting_id", "decided_on", "decided_meeting_title", "resolved_on", "related_task_id",
    "related_task_code", "related_task_title", "for_next_meeting", "units", "unit_codes", "age_days",
    "age_bucket", "version", "updated_at", "is_demo",
)


@functools.cache
def _issue_list(dialect: str, by_districts: bool, by_agency: bool, by_severity: bool, age_bucket: str | None):
    conds = _issue_where(by_districts, by_agency)
    conds.append(Issue.status.in_(bindparam("status", expanding=True)))
    if by_severity:
        conds.append(Issue.severity.in_(bindparam("severity", expanding=True)))
    if age_bucket:
        conds.append(_age_condition(_issue_age(dialect), age_bucket))
    raised = aliased(Agency)
    related = aliased(Task)
    decided = aliased(Meeting)
    severity_rank = case({s: i for i, s in enumerate(ISSUE_SEVERITIES)}, value=Issue.severity, else_=9)
    return (
        select(Issue.id, Issue.code, Issue.title, Issue.description, Issue.raised_by_code,
               raised.name.label("raised_by_name"), raised.short_name.label("raised_by_short_name"),
               Issue.raised_on, Issue.severity, Issue.status, Issue.proposed_solution, Issue.decision,
               Issue.decided_at_meeting_id, decided.held_on.label("decided_on"),
               decided.title.label("decided_meeting_title"), Issue.resolved_on,
               Issue.related_task_id, related.code.label("related_task_code"),
               related.title.label("related_task_title"),
               Issue.for_next_meeting, _issue_age(dialect).label("age_days"),
               Issue.version, Issue.updated_at, Issue.is_demo)
        .join(raised, raised.code == Issue.raised_by_code)
        .outerjoin(related, related.id == Issue.related_task_id)
        .outerjoin(decided, decided.id == Issue.decided_at_meeting_id)
        .where(*conds)
        .order_by(severity_rank, Issue.raised_on, Issue.id)
    )


_ISSUE_UNITS = (
    select(issue_admin_unit.c.issue_id, AdminUnitVersion.code, AdminUnitVersion.name)
    .join(AdminUnitVersion, AdminUnitVersion.id == issue_admin_unit.c.unit_id)
    .where(in_ids(issue_admin_unit.c.issue_id))
    .order_by(issue_admin_unit.c.issue_id, AdminUnitVersion.code))


def open_issues(engine: Engine, province: str, *, districts=None, agency: str | None = None, statuses=None,
                severities=None, age_bucket: str | None = None, as_of: dt.date | None = None,
                text: str | None = None) -> Records:
    """Issues (by default the open ones: open, in_progress, awaiting_decision), most severe first,
    then oldest: ISSUE_COLUMNS.

    ``districts``: linked to one of them or raised by that district's People's Committee.
    ``agency``: raised by it, or about a task it leads. ``age_days``: days from raised to ``as_of``
    (to the settling day for settled issues); ``age_bucket``: lt30 (< 30), 30to90 (30–90), gt90 (> 90).
    ``text``: words in the code, title or description, ignoring case and diacritics (matched in
    Python on the rows the SQL filters leave). Issues raised after ``as_of`` are left out.
    ``raised_by_short`` repeats ``raised_by_short_name`` (the name earlier readers used).
    """
    if age_bucket and age_bucket not in AGE_BUCKETS:
        raise ValidationFailed(f"Nhóm tuổi '{age_bucket}' không hợp lệ: lt30, 30to90 hoặc gt90.",
                               f"Age bucket '{age_bucket}' is not valid: lt30, 30to90 or gt90.")
    day = day_of(as_of)
    severity_codes = code_list(severities) or []
    with read_connection(engine) as c:
        values, (by_districts, by_agency) = _issue_values(c, province, day, districts, agency)
        values.update(status=code_list(statuses) or list(OPEN_ISSUE_STATUSES), severity=severity_codes)
        stmt = _issue_list(engine.dialect.name, by_districts, by_agency, bool(severity_codes), age_bucket or None)
        rows = records(c, stmt, values)
        text = (text or "").strip()
        if text:
            needle = fold(text)
            rows = [row for row in rows if needle in fold(f"{row['code']} {row['title']} {row['description'] or ''}")]
        units: dict[int, list[tuple]] = defaultdict(list)
        if rows:
            for issue_id, code, name in c.execute(_ISSUE_UNITS, {"ids": [row["id"] for row in rows]}).all():
                units[issue_id].append((code, name))
    for row in rows:
        row["age_days"] = int(row["age_days"] or 0)
        row["age_bucket"] = bucket_of_age(row["age_days"])
        un = units.get(row["id"], ())
        row["units"] = ", ".join(x[1] for x in un)
        row["unit_codes"] = ", ".join(x[0] for x in un)
        row["raised_by_short"] = row["raised_by_short_name"]
    return Records(rows, ISSUE_COLUMNS)


@functools.cache
def _issue_counts(dialect: str, by_districts: bool, by_agency: bool):
    age = _issue_age(dialect)
    bucket = case((age < 30, literal("lt30")), (age <= 90, literal("30to90")), else_=literal("gt90"))
    return (
        select(Issue.status, Issue.severity, bucket.label("bucket"),
               func.count(Issue.id).label("n"), count_if(Issue.for_next_meeting.is_(True)).label("flagged"))
        .where(*_issue_where(by_districts, by_agency))
        .group_by(Issue.status, Issue.severity, bucket)
    )


def issue_counts(engine: Engine, province: str, *, districts=None, agency: str | None = None,
                 as_of: dt.date | None = None) -> dict[str, Any]:
    """Counts over the issues in scope (same filters as ``open_issues``).

    Keys: open_total (open + in_progress + awaiting_decision), one key per status, for_next_meeting
    (open ones flagged), by_severity {severity: open count}, by_age {lt30, 30to90, gt90: open count}.
    """
    with read_connection(engine) as c:
        values, shape = _issue_values(c, province, day_of(as_of), districts, agency)
        rows = c.execute(_issue_counts(engine.dialect.name, *shape), values).all()
    out: dict[str, Any] = {st: 0 for st in ISSUE_STATUSES}
    out.update(open_total=0, for_next_meeting=0)
    by_severity = {sev: 0 for sev in ISSUE_SEVERITIES}
    by_age = {b: 0 for b in AGE_BUCKETS}
    for code, severity, bucket, n, flagged in rows:
        n = int(n)
        out[code] = out.get(code, 0) + n
        if code in OPEN_ISSUE_STATUSES:
            out["open_total"] += n
            out["for_next_meeting"] += int(flagged or 0)
            by_severity[severity] = by_severity.get(severity, 0) + n
            by_age[bucket] += n
    out["by_severity"] = by_severity
    out["by_age"] = by_age
    return out

