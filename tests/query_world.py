"""The small province (code 99) the query tests read, seeded through the ORM: tasks with their history,
indicator figures with revisions, issues and meetings; and the task counts the pure rules of
``qh_data.status`` expect of it, computed independently of the SQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from seeding import units

from qh_data import status as rules
from qh_data.db import session_scope
from qh_data.models import (
    AdminUnitVersion,
    Agency,
    AgendaItem,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    User,
)

D = dt.date
T = dt.datetime
TODAY = D(2026, 5, 15)
P = "99"
KHDT, STC, UB1 = "Q-SKHDT", "Q-STC", "Q-UB901"


@dataclass
class TaskSpec:
    code: str
    lead: str
    due: dt.date | None
    status: str
    done: dt.date | None = None
    assigned: dt.date = D(2026, 1, 5)
    supporting: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    title: str = ""
    source: str | None = None
    meeting: bool = False
    extra: dict = field(default_factory=dict)


TASKS = [
    TaskSpec("NV-01", KHDT, D(2026, 5, 1), "done", D(2026, 4, 28), source="Thông báo 45/TB-UBND",
             meeting=True),
    TaskSpec("NV-02", KHDT, D(2026, 5, 1), "done", D(2026, 5, 6), source="Kế hoạch 12/KH-UBND", meeting=True),
    TaskSpec("NV-03", KHDT, D(2026, 5, 10), "in_progress"),
    TaskSpec("NV-04", KHDT, D(2026, 5, 15), "not_started"),
    TaskSpec("NV-05", STC, D(2026, 5, 22), "in_progress"),
    TaskSpec("NV-06", STC, D(2026, 5, 23), "not_started"),
    TaskSpec("NV-07", STC, None, "in_progress"),
    TaskSpec("NV-08", STC, D(2026, 4, 1), "cancelled"),
    TaskSpec("NV-09", UB1, D(2026, 3, 15), "not_started"),
    TaskSpec("NV-10", STC, D(2026, 6, 30), "in_progress", supporting=(KHDT,), units=("902",),
             title="Rà soát TIẾN ĐỘ quy hoạch"),
    TaskSpec("NV-11", KHDT, D(2026, 5, 14), "done", D(2026, 5, 14), supporting=(STC, UB1), units=("901",)),
    TaskSpec("NV-12", STC, D(2026, 7, 1), "not_started", assigned=D(2026, 6, 1)),  # after TODAY
]


def seed(engine) -> dict:
    ids: dict = {}
    with session_scope(engine) as s:
        U = units(s)
        s.add_all([AdminUnitVersion(code=P, name="Tỉnh Thử", level="province"),
                   AdminUnitVersion(code="98", name="Tỉnh Bên", level="province")])
        s.flush()
        U = units(s)
        s.add_all([
            AdminUnitVersion(code="901", name="Huyện Một", level="district", parent=U[P], population_2019=100_000),
            AdminUnitVersion(code="902", name="Huyện Hai", level="district", parent=U[P], population_2019=300_000),
            AdminUnitVersion(code="903", name="Huyện Ba", level="district", parent=U[P], population_2019=50_000,
                      valid_to=D(2024, 6, 30)),
            AdminUnitVersion(code="904", name="Thị xã Bốn", level="district", parent=U[P], population_2019=None,
                      valid_from=D(2024, 7, 1)),
            AdminUnitVersion(code="981", name="Huyện Khác", level="district", parent=U["98"],
                      population_2019=1000),
        ])
        s.flush()
        U = units(s)
        s.add_all([
            Agency(code=KHDT, name="Sở Kế hoạch và Đầu tư", short_name="Sở KH&ĐT", kind="so", province_unit=U[P],
                   unit=U[P], is_committee_member=True),
            Agency(code=STC, name="Sở Tài chính", short_name="Sở TC", kind="so", province_unit=U[P],
                   unit=U[P]),
            Agency(code=UB1, name="UBND Huyện Một", short_name="UBND H. Một", kind="ubnd_huyen",
                   province_unit=U[P], unit=U["901"], is_committee_member=True),
            Agency(code="R-OTHER", name="Sở Khác", kind="so", province_unit=U["98"], unit=U["98"]),
        ])
        s.flush()
        user = User(username="u1", display_name="Nguyễn Văn Một", role="dpi_editor", created_at=T(2026, 1, 1))
        s.add(user)
        s.flush()
        ids["user"] = user.id
        m1 = Meeting(province_unit=U[P], held_on=D(2026, 4, 20), title="Phiên họp thứ nhất", status="held")
        m2 = Meeting(province_unit=U[P], held_on=D(2026, 5, 29), title="Phiên họp thứ hai", status="planned",
                     starts_at="08:00")
        m3 = Meeting(province_unit=U[P], held_on=D(2026, 6, 30), title="Phiên họp thứ ba", status="planned")
        m_other = Meeting(province_unit=U["98"], held_on=D(2026, 5, 20), title="Họp tỉnh khác", status="planned")
        s.add_all([m1, m2, m3, m_other])
        s.flush()
        m2.invitees = [s.get(Agency, KHDT), s.get(Agency, STC)]
        m2.agenda_items = [AgendaItem(position=1, kind="free", title="Khai mạc", minutes=10),
                           AgendaItem(position=2, kind="task", title="Tiến độ", presenter_code=KHDT,
                                      minutes=20)]
        ids["m1"], ids["m2"] = m1.id, m2.id
        for spec in TASKS:
            task = Task(code=spec.code, title=spec.title or f"Nhiệm vụ {spec.code}", province_unit=U[P],
                        source_document=spec.source, lead_agency_code=spec.lead, assigned_on=spec.assigned,
                        due_on=spec.due, status=spec.status, done_on=spec.done,
                        percent_done=100 if spec.status == "done" else 20,
                        meeting_id=m1.id if spec.meeting else None,
                        created_at=T(2026, 1, 5), updated_at=T(2026, 1, 5))
            task.supporting_agencies = [s.get(Agency, c) for c in spec.supporting]
            task.admin_units = [U[c] for c in spec.units]
            s.add(task)
            s.flush()
            ids[spec.code] = task.id
        # another province's task never shows
        s.add(Task(code="X-1", title="Khác", province_unit=U["98"], lead_agency_code="R-OTHER",
                   assigned_on=D(2026, 1, 1), due_on=D(2026, 1, 2), status="not_started",
                   created_at=T(2026, 1, 1), updated_at=T(2026, 1, 1)))
        s.add_all([
            TaskUpdate(task_id=ids["NV-03"], at=T(2026, 4, 1, 9), user_id=user.id, status="not_started",
                       percent_done=0, due_on=D(2026, 5, 10), version=1),
            TaskUpdate(task_id=ids["NV-03"], at=T(2026, 5, 2, 10), user_id=user.id, status="in_progress",
                       percent_done=30, due_on=D(2026, 5, 10), note="Đang làm", version=2),
            TaskUpdate(task_id=ids["NV-10"], at=T(2026, 4, 25, 15), user_id=None, status="in_progress",
                       percent_done=10, due_on=D(2026, 6, 30), version=1),
        ])
    return ids


def expected_counts(*, specs=None) -> dict[str, Counter]:
    """Per lead agency, counted with the pure Python rules."""
    out: dict[str, Counter] = {}
    for spec in specs if specs is not None else TASKS:
        if spec.assigned > TODAY:
            continue
        c = out.setdefault(spec.lead, Counter())
        timing = rules.task_timing(spec.due, spec.status, spec.done, TODAY)
        c[timing.code] += 1
        if spec.status != "cancelled":  # "cancelled" is a timing code too: counted once above
            c[spec.status] += 1
        if spec.status != "cancelled":
            c["assigned"] += 1
        if timing.code in ("done_late", "overdue"):
            c["late_days_sum"] += timing.days_late
            c["late_n"] += 1
    return out


def seed_indicators(engine, user_id: int | None = None) -> None:
    def ind(code, aggregation, direction="higher", is_rate=False, order=0):
        return Indicator(code=code, name_vi=f"Chỉ tiêu {code}", name_en=f"Indicator {code}", unit="đv",
                         group="economy", owner_role="SKHDT" if code != "school" else "SGDDT",
                         direction=direction, aggregation=aggregation, is_rate=is_rate, sort_order=order)

    at = T(2026, 1, 10, 9)

    def val(indicator, unit, period, kind, value, *, submitted=at, superseded=None, revision=1, demo=False):
        ptype = "year" if len(period) == 4 else "half" if "H" in period else "quarter"
        return IndicatorValue(indicator_code=indicator, unit=U[unit], period=period,
                              period_type=ptype, year=int(period[:4]), kind=kind, value=value,
                              revision=revision, source="test",
                              submitted_at=submitted, superseded_at=superseded, is_demo=demo,
                              submitted_by_id=user_id, file_name=f"{indicator}.xlsx")

    with session_scope(engine) as s:
        U = units(s)
        s.add_all([ind("pop", "sum", order=1), ind("poor", "mean_pop", "lower", True, 2),
                   ind("school", "mean", order=3), ind("grdp_g", "not_additive", "higher", True, 4)])
        s.flush()
        s.add_all([
            # pop (sum): 2020 by 901, 902, 903 (904 did not exist yet)
            val("pop", "901", "2020", "actual", 5), val("pop", "902", "2020", "actual", 15),
            val("pop", "903", "2020", "actual", 3),
            # 2024: 903 (until 30/6) and 904 (from 1/7) both valid during the year
            val("pop", "903", "2024", "actual", 4), val("pop", "904", "2024", "actual", 6),
            # 2025: 901 revised (8 → 10 on 1/3/2026), 902, 904; 903's stray figure is outside its validity
            val("pop", "901", "2025", "actual", 8, superseded=T(2026, 3, 1)),
            val("pop", "901", "2025", "actual", 10, submitted=T(2026, 3, 1), revision=2, demo=True),
            val("pop", "902", "2025", "actual", 20), val("pop", "904", "2025", "actual", 7),
            val("pop", "903", "2025", "actual", 1000),
            val("pop", P, "2030", "target", 60),
            # another province's district never counts
            val("pop", "981", "2025", "actual", 1000),
            # poor (mean_pop, lower, rate)
            val("poor", "901", "2020", "actual", 20), val("poor", "902", "2020", "actual", 6),
            val("poor", "901", "2025", "actual", 10), val("poor", "902", "2025", "actual", 2),
            val("poor", "904", "2025", "actual", 6),  # no population: left out of the weighting
            val("poor", P, "2030", "target", 3),
            # school (mean), no target
            val("school", "901", "2025", "actual", 80), val("school", "902", "2025", "actual", 90),
            val("school", "904", "2025", "actual", 100), val("school", "901", "2020", "actual", 70),
            # grdp_g (not additive): the province's own series; district figures are not rolled up
            val("grdp_g", P, "2020", "actual", 3.0), val("grdp_g", P, "2025", "actual", 7.5),
            val("grdp_g", P, "2026-H1", "estimate", 7.8), val("grdp_g", P, "2030", "target", 8.0),
            val("grdp_g", "901", "2025", "actual", 5.0), val("grdp_g", "902", "2025", "actual", 9.0),
        ])


def seed_issues(engine, ids) -> None:
    def issue(code, by, raised, status, severity, **kw):
        units = kw.pop("units", ())
        item = Issue(code=code, title=f"Vướng mắc {code}", province_unit=U[P], raised_by_code=by,
                     raised_on=raised, status=status, severity=severity, created_at=T(2026, 1, 1),
                     updated_at=T(2026, 1, 1), **kw)
        item.admin_units = [U[u] for u in units]
        return item

    with session_scope(engine) as s:
        U = units(s)
        s.add_all([
            issue("VM-1", KHDT, D(2026, 5, 1), "open", "high"),                        # 14 days
            issue("VM-2", UB1, D(2026, 2, 1), "awaiting_decision", "critical",
                  decided_at_meeting_id=ids["m1"]),                                    # 103 days
            issue("VM-3", STC, D(2026, 3, 15), "in_progress", "medium", units=("902",),
                  for_next_meeting=True),                                              # 61 days
            issue("VM-4", STC, D(2026, 1, 10), "resolved", "medium", resolved_on=D(2026, 3, 1)),  # 50 days
            issue("VM-5", KHDT, D(2026, 5, 20), "open", "low"),                        # after TODAY
            issue("VM-6", STC, D(2026, 4, 15), "open", "low", related_task_id=ids["NV-03"]),  # 30 days
        ])


def codes_of(df) -> list[str]:
    """The ``code`` column of a query's frame, in its order."""
    return list(df["code"])
