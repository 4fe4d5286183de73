"""The provincial plans the facts file gives (data/reference/admin_reform_2025.md, "Các quy hoạch"), into the store.

``load_reference(session, actor)`` (the demo calls it; admin, ``plans.load``) in the caller's transaction:
- the three approved plans: Lạng Sơn QĐ 236/QĐ-TTg (19/3/2024), Thái Nguyên QĐ 222/QĐ-TTg (14/3/2023), Bắc Kạn
  QĐ 1288/QĐ-TTg (03/11/2023), each on the province version in force on its decision's day (a province the
  store lacks is skipped and reported), in force from that day; the province's targets without a plan (on that
  version or its districts) are attached to it, as migration 0007 does for a store that had them;
- Thái Nguyên's adjustment (Điều chỉnh Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030, tầm nhìn 2050), passed by the
  People's Council on 04/02/2026 and awaiting the Prime Minister (status ``passed_awaiting_approval``: not in
  force, ``rules.plan_validity``), on the province version of that day; QĐ 222/QĐ-TTg becomes ``being_adjusted``
  (still in force);
- the adjustment's target the catalogue can hold: GRDP per capita 220 million VND in 2030 (``grdp_per_capita``,
  triệu đồng/người, the province's own figure, not demo, with its source). The growth target (≥ 10.5 %/year over
  2026–2030) has no indicator of that period in the catalogue (``grdp_growth`` is one year's rate,
  ``grdp_growth_avg_2021_2030`` the 2021–2030 average): it is kept in the plan's note, not as a figure.
Loading again changes nothing; one audit entry (``plans.load``) when something changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from .. import audit
from ..models import AdminUnitVersion, Indicator, IndicatorValue, PlanVersion
from ..permissions import Actor, require
from ..rules.unit_validity import in_force_sql

FACTS = "data/reference/admin_reform_2025.md (Các quy hoạch)"
ADJUSTMENT_SOURCE = ("vietnamplus.vn/thai-nguyen-thong-qua-dieu-chinh-quy-hoach-tinh-thoi-ky-2021-2030-"
                     "post1092347.vnp")


@dataclass(frozen=True)
class Approved:
    province: str
    decision: str
    day: dt.date
    title: str


APPROVED = (
    Approved("20", "QĐ 236/QĐ-TTg", dt.date(2024, 3, 19), "Quy hoạch tỉnh Lạng Sơn thời kỳ 2021–2030"),
    Approved("19", "QĐ 222/QĐ-TTg", dt.date(2023, 3, 14), "Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030"),
    Approved("06", "QĐ 1288/QĐ-TTg", dt.date(2023, 11, 3), "Quy hoạch tỉnh Bắc Kạn thời kỳ 2021–2030"),
)
ADJUSTED_PROVINCE, ADJUSTS = "19", "QĐ 222/QĐ-TTg"
COUNCIL_PASSED_ON = dt.date(2026, 2, 4)
ADJUSTED_TITLE = "Điều chỉnh Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030, tầm nhìn 2050"
ADJUSTED_NOTE = ("HĐND tỉnh thông qua ngày 04/02/2026, chờ Thủ tướng Chính phủ phê duyệt (theo Nghị quyết "
                 "66.2/2025/NQ-CP). Mục tiêu tăng trưởng GRDP bình quân ≥ 10,5 %/năm giai đoạn 2026–2030 không "
                 "ghi thành số liệu: danh mục chưa có chỉ tiêu cho giai đoạn này.")
# (indicator, the unit it must be kept in, period, value): what the facts give that the catalogue can hold
ADJUSTED_TARGETS = (("grdp_per_capita", "triệu đồng/người", "2030", 220.0),)
ADJUSTED_SUBMITTED_AT = dt.datetime(2026, 2, 4)  # the day the figure was made public


@dataclass
class LoadReport:
    plans_added: int = 0
    targets_attached: int = 0  # targets without a plan given their province's approved plan
    targets_added: int = 0
    statuses_changed: int = 0
    skipped: list[str] = field(default_factory=list)  # what the store could not hold, and why

    @property
    def changed(self) -> bool:
        return bool(self.plans_added or self.targets_attached or self.targets_added or self.statuses_changed)


def load_reference(session: Session, actor: Actor) -> LoadReport:
    """Write the reference plans (see the module); admin only; refuses before reading anything."""
    require(actor, "plans.load")
    report = LoadReport()
    by_decision = {p.decision_number: p for p in session.scalars(
        select(PlanVersion).where(PlanVersion.decision_number.is_not(None)))}
    for ap in APPROVED:
        province = _province_on(session, ap.province, ap.day)
        if province is None:
            report.skipped.append(f"{ap.decision}: tỉnh mã {ap.province} không có trong kho ngày {ap.day:%d/%m/%Y}")
            continue
        plan = by_decision.get(ap.decision)
        if plan is None:
            plan = by_decision[ap.decision] = PlanVersion(
                province_unit_id=province.id, decision_number=ap.decision, decision_date=ap.day, title=ap.title,
                status="in_force", source=FACTS, valid_from=ap.day)
            session.add(plan)
            session.flush()
            report.plans_added += 1
        report.targets_attached += _attach(session, plan.id, province.id)
    original = by_decision.get(ADJUSTS)
    if original is not None:
        _adjustment(session, original, report)
    else:
        report.skipped.append(f"điều chỉnh {ADJUSTS}: quy hoạch gốc không có trong kho")
    session.flush()
    if report.changed:
        audit.record(session, actor, "plans.load", "plan_version", "reference", None,
                     {"plans_added": report.plans_added, "targets_attached": report.targets_attached,
                      "targets_added": report.targets_added, "statuses_changed": report.statuses_changed,
                      "skipped": report.skipped, "source": FACTS})
    return report


def _province_on(session: Session, code: str, day: dt.date) -> AdminUnitVersion | None:
    u = AdminUnitVersion
    return session.scalars(select(u).where(u.level == "province", u.code == code,
                                           in_force_sql(u.valid_from, u.valid_to, day))).first()


def _attach(session: Session, plan_id: int, province_id: int) -> int:
    units = select(AdminUnitVersion.id).where(or_(AdminUnitVersion.id == province_id,
                                                  AdminUnitVersion.parent_id == province_id))
    rows = session.scalars(select(IndicatorValue).where(
        IndicatorValue.kind == "target", IndicatorValue.plan_version_id.is_(None),
        IndicatorValue.unit_id.in_(units))).all()
    for row in rows:
        row.plan_version_id = plan_id
    return len(rows)


def _adjustment(session: Session, original: PlanVersion, report: LoadReport) -> None:
    province = _province_on(session, ADJUSTED_PROVINCE, COUNCIL_PASSED_ON)
    if province is None:
        report.skipped.append(f"điều chỉnh {ADJUSTS}: tỉnh mã {ADJUSTED_PROVINCE} không có trong kho ngày "
                              f"{COUNCIL_PASSED_ON:%d/%m/%Y}")
        return
    plan = session.scalars(select(PlanVersion).where(PlanVersion.adjusts_id == original.id,
                                                     PlanVersion.council_passed_on == COUNCIL_PASSED_ON)).first()
    if plan is None:
        plan = PlanVersion(province_unit_id=province.id, council_passed_on=COUNCIL_PASSED_ON, title=ADJUSTED_TITLE,
                           status="passed_awaiting_approval", adjusts_id=original.id, source=ADJUSTMENT_SOURCE,
                           note=ADJUSTED_NOTE)
        session.add(plan)
        session.flush()
        report.plans_added += 1
    if original.status == "in_force":
        original.status = "being_adjusted"
        report.statuses_changed += 1
    for code, unit, period, value in ADJUSTED_TARGETS:
        indicator = session.get(Indicator, code)
        if indicator is None or indicator.unit != unit:
            report.skipped.append(f"{code}: chỉ tiêu không có trong danh mục với đơn vị {unit}")
            continue
        key = (IndicatorValue.indicator_code == code, IndicatorValue.unit_id == province.id,
               IndicatorValue.period == period, IndicatorValue.kind == "target")
        if session.scalar(select(func.count()).where(*key, IndicatorValue.plan_version_id == plan.id)):
            continue
        revision = (session.scalar(select(func.max(IndicatorValue.revision)).where(*key)) or 0) + 1
        session.add(IndicatorValue(
            indicator_code=code, unit_id=province.id, period=period, period_type="year", year=int(period),
            kind="target", value=value, revision=revision, source=ADJUSTMENT_SOURCE,
            submitted_at=ADJUSTED_SUBMITTED_AT, is_demo=False, plan_version_id=plan.id,
            note="Điều chỉnh Quy hoạch tỉnh, HĐND tỉnh thông qua ngày 04/02/2026, chờ Thủ tướng phê duyệt"))
        report.targets_added += 1
