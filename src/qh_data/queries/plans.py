"""Plans as versions (issue 15 point 3): a province's plans, the plan in force on a day, the targets of each plan
side by side. Which plan is in force and whose targets count: ``rules.plan_validity``.

A province is every version of its code (``units.code_versions``): Thái Nguyên's QĐ 222/QĐ-TTg is on the
province of before 1/7/2025, its adjustment on the province of 2026. An adjustment passed by the People's Council
that awaits the Prime Minister is listed, never in force: the approved plan stays in force meanwhile.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select

from ..models import AdminUnitVersion, Indicator, IndicatorValue, PlanVersion
from ..records import Records
from ..rules import plan_validity
from . import units
from ._common import read_connection, records

PLAN_COLUMNS = ("id", "decision_number", "decision_date", "council_passed_on", "title", "status", "adjusts_id",
                "source", "note", "valid_from", "valid_to", "province_code", "label_vi", "label_en")
# The same quantity kept in another unit by another indicator (no conversion is made: the original plan of
# Thái Nguyên gives GRDP per capita in USD, its adjustment in million VND).
SAME_QUANTITY: dict[str, tuple[str, ...]] = {
    "grdp_per_capita": ("grdp_per_capita_usd",),
    "grdp_per_capita_usd": ("grdp_per_capita",),
}

P = PlanVersion
_PLANS = (select(P.id, P.decision_number, P.decision_date, P.council_passed_on, P.title, P.status, P.adjusts_id,
                 P.source, P.note, P.valid_from, P.valid_to, AdminUnitVersion.code.label("province_code"))
          .join(AdminUnitVersion, AdminUnitVersion.id == P.province_unit_id)
          .where(P.province_unit_id.in_(bindparam("province_ids", expanding=True)))
          .order_by(func.coalesce(P.decision_date, P.council_passed_on), P.id))


def label(plan: dict[str, Any], lang: str) -> str:
    """How a plan is named in a sentence: its decision ("QĐ 222/QĐ-TTg"), or an adjustment by the day the
    People's Council passed it."""
    if plan.get("decision_number"):
        return plan["decision_number"]
    day = plan.get("council_passed_on")
    when = f"{day:%d/%m/%Y}" if day else "…"
    waiting = plan.get("status") == "passed_awaiting_approval"
    if lang == "vi":
        return f"bản điều chỉnh HĐND tỉnh thông qua ngày {when}" + (" (chờ Thủ tướng phê duyệt)" if waiting else "")
    return (f"the adjustment passed by the Provincial People's Council on {when}"
            + (" (awaiting the Prime Minister's approval)" if waiting else ""))


def province_plans(c: Connection, province: str) -> list[dict[str, Any]]:
    """Every plan of the province (every version of its code), oldest first, with its labels."""
    rows = records(c, _PLANS, {"province_ids": units.code_versions(c, province, ("province",))})
    for row in rows:
        row["label_vi"], row["label_en"] = label(row, "vi"), label(row, "en")
    return rows


def _latest(plans: list[dict[str, Any]]) -> dict[str, Any] | None:
    return max(plans, key=lambda p: (p["valid_from"] or dt.date.min, p["id"])) if plans else None


def in_force_among(plans: list[dict[str, Any]], day: dt.date) -> dict[str, Any] | None:
    """The plan in force on ``day`` (the latest to take effect) among ``plans``, or None."""
    return _latest([p for p in plans if plan_validity.in_force(p["status"], p["valid_from"], p["valid_to"], day)])


def plans_of(engine: Engine, province: str) -> Records:
    """Every plan of the province (every version of its code), oldest first: PLAN_COLUMNS."""
    with read_connection(engine) as c:
        return Records(province_plans(c, province), PLAN_COLUMNS)


def plan_in_force(engine: Engine, province: str, day: dt.date) -> dict[str, Any] | None:
    """The province's plan in force on ``day`` (the latest to take effect), or None. An adjustment awaiting
    approval is never the answer: the plan it adjusts is, until the approval."""
    with read_connection(engine) as c:
        return in_force_among(province_plans(c, province), day)


def plan_of_targets(engine: Engine, province: str, day: dt.date) -> dict[str, Any] | None:
    """The plan in force on ``day`` (whose targets count then), with ``pending``: the adjustments of it passed by
    the People's Council that await approval on that day (what a meeting pack names). None before a province's
    first decision: its targets then were of no decision yet."""
    with read_connection(engine) as c:
        plans = province_plans(c, province)
    plan = in_force_among(plans, day)
    if plan is None:
        return None
    pending = [p for p in plans if p["adjusts_id"] == plan["id"] and p["status"] == "passed_awaiting_approval"
               and (p["council_passed_on"] is None or p["council_passed_on"] <= day)]
    return {**plan, "pending": pending}


PLAN_TARGET_COLUMNS = ("plan_id", "decision_number", "decision_date", "council_passed_on", "status", "title",
                       "plan_source", "label_vi", "label_en", "in_force", "indicator_code", "name_vi", "name_en",
                       "unit", "unit_en", "period", "value", "source", "note", "is_demo")

V = IndicatorValue
_PLAN_TARGETS = (
    select(V.plan_version_id.label("plan_id"), V.indicator_code, Indicator.name_vi, Indicator.name_en,
           Indicator.unit, Indicator.unit_en, V.period, V.value, V.source, V.note, V.is_demo)
    .join(Indicator, Indicator.code == V.indicator_code)
    .where(V.indicator_code.in_(bindparam("indicators", expanding=True)), V.period == bindparam("period"),
           V.kind == "target", V.superseded_at.is_(None), V.plan_version_id.is_not(None),
           V.unit_id.in_(bindparam("province_ids", expanding=True))))


def targets_by_plan(engine: Engine, *, indicator: str, province: str, period: str = "2030",
                    day: dt.date | None = None) -> Records:
    """The province's own ``period`` target of ``indicator`` (and of the same quantity in another unit,
    ``SAME_QUANTITY``) under each of its plans, side by side: one row per plan and indicator, plans oldest first,
    with the plan's decision, status and source and the figure's own source (PLAN_TARGET_COLUMNS). ``in_force``:
    the plan is the one in force on ``day`` (default: none marked)."""
    codes = [indicator, *SAME_QUANTITY.get(indicator, ())]
    with read_connection(engine) as c:
        ids = units.code_versions(c, province, ("province",))
        plans = {p["id"]: p for p in province_plans(c, province)}
        figures = records(c, _PLAN_TARGETS, {"indicators": codes, "period": period, "province_ids": ids})
    in_force = in_force_among(list(plans.values()), day) if day is not None else None
    current = in_force["id"] if in_force else None
    order = {pid: i for i, pid in enumerate(plans)}
    rows = []
    for f in sorted(figures, key=lambda f: (order.get(f["plan_id"], 0), codes.index(f["indicator_code"]))):
        p = plans[f["plan_id"]]
        rows.append({"plan_id": p["id"], "decision_number": p["decision_number"], "decision_date": p["decision_date"],
                     "council_passed_on": p["council_passed_on"], "status": p["status"], "title": p["title"],
                     "plan_source": p["source"], "label_vi": p["label_vi"], "label_en": p["label_en"],
                     "in_force": p["id"] == current, **{k: f[k] for k in PLAN_TARGET_COLUMNS[10:]},
                     "is_demo": bool(f["is_demo"])})
    return Records(rows, PLAN_TARGET_COLUMNS)
