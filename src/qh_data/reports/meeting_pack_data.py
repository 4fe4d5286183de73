"""The figures of the meeting pack, gathered as of the meeting (``pack_data``); the document itself is
written by ``reports.meeting_pack``.

As of a date. The pack of a meeting whose day has come shows the figures as they stood when the
meeting opened (the end of the day before; timings judged on the meeting's day): task states are
rebuilt from the ``TaskUpdate`` history, indicator values from their revisions
(``submitted_at``/``superseded_at``), issues from the audit trail. Built again a year later, it
says the same. The pack of an upcoming meeting shows the figures as they stand now.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.orm import selectinload

from .. import clock, queries
from ..db import read_session
from ..models import AdminUnitVersion, AuditEntry, Issue, Task
from ..queries import asof, plans, units
from ..rules.end_of_day import end_of_day
from ..rules.observed import is_observed, wins_over
from ..rules.open_status import issue_is_open
from ..rules.task_timing import TASK_TIMINGS
from .common import load_meeting

DISTRICTS = select(AdminUnitVersion.code).where(
    AdminUnitVersion.parent_id.in_(bindparam("parent_ids", expanding=True)), AdminUnitVersion.level == "district"
)
ANY_DEMO_TASK = (
    select(Task.id).where(Task.province_unit_id.in_(bindparam("province_ids", expanding=True)),
                          Task.is_demo.is_(True)).limit(1)
)


@dataclass
class PackData:
    meeting_id: int
    province: str
    province_name: str
    day: dt.date  # the day timings are judged on
    cutoff: dt.datetime  # the moment the figures are taken at
    is_past: bool
    meeting: object
    progress: list[dict] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    overdue: list[dict] = field(default_factory=list)
    indicators: list[dict] = field(default_factory=list)
    map_indicator: dict | None = None
    map_values: dict[str, float] = field(default_factory=dict)
    issues: list[dict] = field(default_factory=list)
    is_demo: bool = False
    plan: dict | None = None  # the plan of the targets at the cutoff (``queries.plans.plan_of_targets``)


def pack_moment(
    held_on: dt.date, status: str, today: dt.date | None = None, now: dt.datetime | None = None
) -> tuple[dt.date, dt.datetime, bool]:
    """(day, cutoff, is_past): a meeting whose day has passed, or that is held, is shown as it opened."""
    today = today or clock.today()
    if held_on < today or (held_on == today and status == "held"):
        return held_on, end_of_day(held_on - dt.timedelta(days=1)), True
    return today, now or end_of_day(today), False


# --- indicators ------------------------------------------------------------------------------------


def _period_key(row: dict) -> tuple:
    return (row["year"], row["period"])


def indicator_rows(
    engine: Engine, province: str, cutoff: dt.datetime, day: dt.date | None = None
) -> list[dict]:
    """One row per indicator with figures at ``cutoff``: the overview page's own table
    (``queries.indicator_overview``: province roll-up, progress by ``qh_data.status``), as it stood then."""
    out = []
    for r in queries.indicator_overview(engine, province, as_of=cutoff):
        if (
            r["progress_latest_value"] is None
            and r["target_2030"] is None
            and r["target_2025"] is None
            and r["baseline_2020"] is None
        ):
            continue  # no figure at all at the cutoff
        target_year = r["progress_target_year"]
        target = (
            r["target_2030"] if target_year == 2030 else r["target_2025"] if target_year == 2025 else None
        )
        out.append(
            {
                "code": r["code"],
                "name": r["name_vi"],
                "name_en": r["name_en"],
                "unit": r["unit"],
                "decimals": r["decimals"],
                "owner_role": r["owner_role"],
                "baseline": _num_or_none(r["progress_baseline_value"]),
                "base_year": _int_or_none(r["progress_baseline_year"]),
                "latest": _num_or_none(r["progress_latest_value"]),
                "latest_year": _int_or_none(r["progress_latest_year"]),
                "latest_kind": "estimate" if r["latest_is_estimate"] else "actual",
                "target": _num_or_none(target),
                "target_year": _int_or_none(target_year),
                "status": r["status"],
                "explanation": r["explanation_vi"],
                "is_demo": bool(r["is_demo"]),
            }
        )
    return out


def _num_or_none(value):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value  # NaN from the DataFrame


def _int_or_none(value):
    value = _num_or_none(value)
    return None if value is None else int(value)


def map_choice(
    engine: Engine, province: str, cutoff: dt.datetime, districts: list[str], indicator: str | None = None
) -> tuple[dict | None, dict[str, float]]:
    """The indicator to map (the one given, else the one with the most districts having a yearly figure
    in its latest year, the first in the catalogue among equals) and its district values at ``cutoff``."""
    if not districts:
        return None, {}
    values = asof.indicator_values(
        engine,
        province=province,
        day=cutoff,
        unit_codes=districts,
        indicator_codes=[indicator] if indicator else None,
    )
    values = [v for v in values if is_observed(v["kind"], v["value"]) and v["period_type"] == "year"]
    per: dict[str, dict[str, dict]] = {}
    for v in values:
        slot = per.setdefault(v["indicator_code"], {})
        cur = slot.get(v["admin_unit_code"])
        # the latest year; in one year the actual wins over the estimate (qh_data.rules.observed)
        if (
            cur is None
            or v["year"] > cur["year"]
            or (v["year"] == cur["year"] and wins_over(v["kind"], cur["kind"]))
        ):
            slot[v["admin_unit_code"]] = v
    if not per:
        return None, {}
    catalogue = asof.indicators(engine, list(per))
    order = {c: i for i, c in enumerate(catalogue)}  # sort_order, then code

    def score(code: str) -> tuple:
        slot = per[code]
        year = max(v["year"] for v in slot.values())
        return (-sum(1 for v in slot.values() if v["year"] == year), order.get(code, 10**6), -year)

    code = min(per, key=score)
    year = max(v["year"] for v in per[code].values())
    info = catalogue.get(code)
    chosen = {k: v["value"] for k, v in per[code].items() if v["year"] == year}
    return (info | {"year": year}) if info else None, chosen


# --- issues as they stood --------------------------------------------------------------------------


def issues_awaiting(
    engine: Engine, province: str, cutoff: dt.datetime, meeting_id: int, is_past: bool
) -> list[dict]:
    """Issues awaiting the committee's decision (or marked for the next meeting) at ``cutoff``.

    An issue's fields at the cutoff are the "before" of its first audited change after the cutoff,
    or its present fields when nothing changed since."""
    with read_session(engine) as s:
        province_ids = units.province_scope(s.connection(), province, cutoff.date())
        issues = s.scalars(
            select(Issue)
            .where(Issue.province_unit_id.in_(province_ids), Issue.raised_on <= cutoff.date())
            .options(selectinload(Issue.raised_by), selectinload(Issue.admin_units))
            .order_by(Issue.raised_on, Issue.id)
        ).all()
        firsts: dict[str, dict] = {}
        if issues:
            for entry in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "issue", AuditEntry.at > cutoff)
                .order_by(AuditEntry.at, AuditEntry.id)
            ):
                if entry.entity_id not in firsts and entry.before:
                    try:
                        firsts[entry.entity_id] = json.loads(entry.before)
                    except ValueError:
                        continue
        out = []
        for issue in issues:
            then = firsts.get(str(issue.id), {})
            status = then.get("status", issue.status)
            flagged = then.get("for_next_meeting", issue.for_next_meeting)
            if not issue_is_open(status):
                continue
            if status != "awaiting_decision" and not flagged:
                continue
            out.append(
                {
                    "id": issue.id,
                    "code": issue.code,
                    "title": then.get("title", issue.title),
                    "raised_by": issue.raised_by.name,
                    "raised_by_code": issue.raised_by_code,
                    "raised_on": issue.raised_on,
                    "severity": then.get("severity", issue.severity),
                    "status": status,
                    "for_next_meeting": bool(flagged),
                    "proposed_solution": then.get("proposed_solution", issue.proposed_solution),
                    "units": ", ".join(u.name for u in issue.admin_units),
                    "is_demo": issue.is_demo,
                }
            )
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(out, key=lambda r: (rank.get(r["severity"], 9), r["raised_on"], r["id"]))


# --- gathering ---------------------------------------------------------------------------------------


def pack_data(
    engine: Engine, meeting_id: int, *, as_of: dt.date | None = None, map_indicator: str | None = None
) -> PackData:
    """Every figure of the pack (what the document shows; tests compare it with the database)."""
    m = load_meeting(engine, meeting_id)
    if as_of is not None:
        day, cutoff, is_past = as_of, end_of_day(as_of), as_of < clock.today()
    else:
        day, cutoff, is_past = pack_moment(m.held_on, m.status)
    progress = asof.progress_by_agency(engine, province=m.province, day=day, cutoff=cutoff)
    totals = {
        k: sum(r[k] for r in progress)
        for k in ("assigned", "done", "in_progress", "not_started", *TASK_TIMINGS)
    }
    overdue = asof.overdue_tasks(engine, province=m.province, day=day, cutoff=cutoff)
    indicators = indicator_rows(engine, m.province, cutoff, day)
    with engine.connect() as c:
        districts = list(c.execute(DISTRICTS, {"parent_ids": units.code_versions(c, m.province, ("province",))})
                         .scalars())
        demo_tasks = c.execute(ANY_DEMO_TASK, {"province_ids": units.province_scope(c, m.province)}).first() is not None
    map_info, map_values = map_choice(engine, m.province, cutoff, districts, map_indicator)
    issues = issues_awaiting(engine, m.province, cutoff, m.id, is_past)
    is_demo = (
        m.is_demo or demo_tasks or any(r["is_demo"] for r in indicators) or any(i["is_demo"] for i in issues)
    )
    return PackData(
        meeting_id=m.id,
        province=m.province,
        province_name=m.province_name,
        day=day,
        cutoff=cutoff,
        is_past=is_past,
        meeting=m,
        progress=progress,
        totals=totals,
        overdue=overdue,
        indicators=indicators,
        map_indicator=map_info,
        map_values=map_values,
        issues=issues,
        is_demo=is_demo,
        plan=plans.plan_of_targets(engine, m.province, cutoff.date()),
    )
