"""When a provincial plan version (``plan_version``) is in force, and which targets count.

A plan is in force from ``valid_from`` to ``valid_to`` (both days included, NULL open at that end: the unit
validity rule) unless its status says it never took effect: an adjustment the People's Council passed that
awaits the Prime Minister's approval (``passed_awaiting_approval``) is not in force, and the approved plan it
adjusts stays in force (status ``being_adjusted``) until the approval. A superseded plan was in force up to its
``valid_to``. "In force now" is read from the status alone (``in_force`` / ``being_adjusted``).

A target figure (``indicator_value.kind = 'target'``) counts on a day when it belongs to no plan
(``plan_version_id`` NULL: targets entered without one) or to a plan in force that day; the other figures
always count. A first plan (one that adjusts none) counts before its ``valid_from`` too: its targets were
drawn up before the decision and nothing replaced them then (the demo's targets are of 2021, QĐ 222/QĐ-TTg of
14/3/2023). ``queries._rollup.in_force`` applies this to every read of figures in force.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Date, DateTime, and_, bindparam, func, or_, select

from .unit_validity import in_force as _unit_in_force
from .unit_validity import in_force_sql as _unit_in_force_sql

PLAN_STATUSES = ("in_force", "superseded", "being_adjusted", "passed_awaiting_approval")
TOOK_EFFECT = ("in_force", "superseded", "being_adjusted")  # a plan approved at some time
IN_FORCE_NOW = ("in_force", "being_adjusted")


def in_force(status: str, valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return status in TOOK_EFFECT and _unit_in_force(valid_from, valid_to, day)


def targets_count(status: str, valid_from: dt.date | None, valid_to: dt.date | None, adjusts_id: int | None,
                  day: dt.date) -> bool:
    """The targets of this plan count on ``day`` (see the module)."""
    return (status in TOOK_EFFECT and (valid_to is None or day <= valid_to)
            and (valid_from is None or valid_from <= day or adjusts_id is None))


def in_force_sql(plan, day) -> ColumnElement[bool]:
    """``plan``: the ``PlanVersion`` entity (or an alias); ``day``: a Date column or bound value."""
    return and_(plan.status.in_(TOOK_EFFECT), _unit_in_force_sql(plan.valid_from, plan.valid_to, day))


def targets_counted_sql(value, plan, as_of: bool, moment=None) -> ColumnElement[bool]:
    """The figure ``value`` (IndicatorValue or an alias) counts: not a target, a target of no plan, or a target
    of a plan in force now (``as_of`` False) or on the day of ``moment`` (``as_of`` True; a DateTime bind,
    default ``bindparam("moment")``)."""
    if as_of:
        day = func.date(moment if moment is not None else bindparam("moment", type_=DateTime), type_=Date)
        plans = select(plan.id).where(
            plan.status.in_(TOOK_EFFECT), or_(plan.valid_to.is_(None), plan.valid_to >= day),
            or_(plan.valid_from.is_(None), plan.valid_from <= day, plan.adjusts_id.is_(None)))
    else:
        plans = select(plan.id).where(plan.status.in_(IN_FORCE_NOW))
    return or_(value.kind != "target", value.plan_version_id.is_(None), value.plan_version_id.in_(plans))
