"""A small province of our own for the issue, meeting and report tests (independent of the demo seed).

Province 20 with three districts, six agencies (four committee members, one district committee
among them), three users (DPI editor, an agency editor of the Department of Finance, a viewer),
two indicators with district values and one revision.
"""

from __future__ import annotations

import datetime as dt

from seeding import units as unit_versions

from qh_data.db import session_scope
from qh_data.models import AdminUnitVersion, Agency, Indicator, IndicatorValue, Task, TaskUpdate, User
from qh_data.permissions import Actor

PROVINCE = "20"
DISTRICTS = ("178", "180", "181")
MEMBERS = ("LS-SKHDT", "LS-STC", "LS-SXD", "LS-UBND-180")
NON_MEMBERS = ("LS-STNMT", "LS-SYT")

T0 = dt.datetime(2026, 3, 2, 9, 0)


def seed_small(engine) -> dict[str, Actor]:
    with session_scope(engine) as s:
        s.add(AdminUnitVersion(code=PROVINCE, name="Lạng Sơn", level="province"))
        s.flush()
        U = unit_versions(s)
        for code, name in zip(
            DISTRICTS, ("Thành phố Lạng Sơn", "Huyện Tràng Định", "Huyện Bình Gia"), strict=True
        ):
            s.add(AdminUnitVersion(code=code, name=name, level="district", parent=U[PROVINCE]))
        s.flush()
        U = unit_versions(s)
        agencies = [
            ("LS-SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn", "Sở KH&ĐT", "so", "SKHDT", True, None),
            ("LS-STC", "Sở Tài chính tỉnh Lạng Sơn", "Sở Tài chính", "so", "STC", True, None),
            ("LS-SXD", "Sở Xây dựng tỉnh Lạng Sơn", "Sở Xây dựng", "so", "SXD", True, None),
            ("LS-UBND-180", "UBND huyện Tràng Định", "UBND H. Tràng Định", "ubnd_huyen", None, True, "180"),
            ("LS-STNMT", "Sở Tài nguyên và Môi trường tỉnh Lạng Sơn", "Sở TN&MT", "so", "STNMT", False, None),
            ("LS-SYT", "Sở Y tế tỉnh Lạng Sơn", "Sở Y tế", "so", "SYT", False, None),
        ]
        for code, name, short, kind, role, member, unit in agencies:
            s.add(
                Agency(
                    code=code,
                    name=name,
                    short_name=short,
                    kind=kind,
                    role=role,
                    province_unit=U[PROVINCE],
                    unit=U[unit or PROVINCE],
                    is_committee_member=member,
                )
            )
        s.flush()
        users = {
            "dpi": User(
                username="dpi",
                display_name="Nguyễn Thị Kế Hoạch",
                role="dpi_editor",
                agency_code="LS-SKHDT",
                created_at=T0,
            ),
            "stc": User(
                username="stc",
                display_name="Trần Văn Tài Chính",
                role="agency_editor",
                agency_code="LS-STC",
                created_at=T0,
            ),
            "viewer": User(username="viewer", display_name="Lê Xem", role="viewer", created_at=T0),
        }
        s.add_all(users.values())
        s.flush()
        actors = {
            k: Actor(
                user_id=u.id,
                username=u.username,
                role=u.role,
                agency_code=u.agency_code,
                display_name=u.display_name,
            )
            for k, u in users.items()
        }
        s.add(
            Indicator(
                code="grdp_growth",
                name_vi="Tốc độ tăng trưởng GRDP",
                name_en="GRDP growth",
                unit="%",
                group="economy",
                owner_role="SKHDT",
                direction="higher",
                aggregation="not_additive",
                is_rate=True,
                decimals=1,
                sort_order=1,
            )
        )
        s.add(
            Indicator(
                code="poverty_rate",
                name_vi="Tỷ lệ hộ nghèo",
                name_en="Poverty rate",
                unit="%",
                group="society",
                owner_role="STC",
                direction="lower",
                aggregation="mean_pop",
                is_rate=True,
                decimals=1,
                sort_order=2,
            )
        )
        s.flush()
    return actors


def add_value(
    engine, indicator: str, unit: str, period: str, kind: str, value: float, at: dt.datetime
) -> None:
    """A new revision of a figure; the previous one is superseded at ``at``."""
    from sqlalchemy import func, select

    with session_scope(engine) as s:
        U = unit_versions(s)
        prev = s.scalars(
            select(IndicatorValue).where(
                IndicatorValue.indicator_code == indicator,
                IndicatorValue.unit_id == U[unit].id,
                IndicatorValue.period == period,
                IndicatorValue.kind == kind,
                IndicatorValue.superseded_at.is_(None),
            )
        ).all()
        rev = (
            s.scalar(
                select(func.max(IndicatorValue.revision)).where(
                    IndicatorValue.indicator_code == indicator,
                    IndicatorValue.unit_id == U[unit].id,
                    IndicatorValue.period == period,
                    IndicatorValue.kind == kind,
                )
            )
            or 0
        ) + 1
        for p in prev:
            p.superseded_at = at
        year = int(period[:4])
        s.add(
            IndicatorValue(
                indicator_code=indicator,
                unit=U[unit],
                period=period,
                period_type="year" if len(period) == 4 else "half",
                year=year,
                kind=kind,
                value=value,
                revision=rev,
                submitted_at=at,
            )
        )


def add_task(
    engine,
    code: str,
    lead: str,
    *,
    due: dt.date,
    assigned: dt.date,
    status: str = "not_started",
    percent: int = 0,
    at: dt.datetime | None = None,
    units=(),
) -> int:
    with session_scope(engine) as s:
        U = unit_versions(s)
        when = at or dt.datetime.combine(assigned, dt.time(8))
        task = Task(
            code=code,
            title=f"Nhiệm vụ {code}",
            province_unit=U[PROVINCE],
            lead_agency_code=lead,
            assigned_on=assigned,
            due_on=due,
            status=status,
            percent_done=percent,
            done_on=when.date() if status == "done" else None,
            version=1,
            created_at=when,
            updated_at=when,
        )
        task.admin_units = [U[u] for u in units]
        s.add(task)
        s.flush()
        s.add(
            TaskUpdate(
                task=task,
                at=when,
                status=status,
                percent_done=percent,
                due_on=due,
                done_on=task.done_on,
                version=1,
            )
        )
        return task.id


def seed_pages(engine) -> dict:
    """The small province with a past meeting (held, two conclusions, tasks), an upcoming meeting
    with no agenda, three issues (one decided at the past meeting) and a few indicator figures.
    Leaves the clock frozen at 10/4/2026 09:00 (the caller releases it)."""
    from qh_data import clock
    from qh_data.services import conclusions as conclusion_svc
    from qh_data.services import issues as isvc
    from qh_data.services import meetings as msvc

    clock.freeze(dt.datetime(2026, 1, 5, 9, 0))
    a = seed_small(engine)
    for unit, v in (("178", 9.5), ("180", 6.1), ("181", 7.2)):
        add_value(engine, "grdp_growth", unit, "2025", "estimate", v, dt.datetime(2026, 3, 1))
    for per, kind, v in (
        ("2020", "actual", 3.0),
        ("2024", "actual", 6.5),
        ("2025", "estimate", 7.0),
        ("2030", "target", 8.5),
    ):
        add_value(engine, "grdp_growth", PROVINCE, per, kind, v, dt.datetime(2026, 3, 1))
    for per, kind, v in (("2020", "actual", 20.0), ("2025", "actual", 22.0), ("2030", "target", 8.0)):
        add_value(engine, "poverty_rate", PROVINCE, per, kind, v, dt.datetime(2026, 3, 1))
    add_task(engine, "T-1", "LS-STC", due=dt.date(2026, 3, 31), assigned=dt.date(2026, 1, 10))
    add_task(
        engine,
        "T-2",
        "LS-SXD",
        due=dt.date(2026, 4, 12),
        assigned=dt.date(2026, 1, 10),
        status="in_progress",
        percent=40,
    )
    add_task(
        engine,
        "T-3",
        "LS-SXD",
        due=dt.date(2026, 3, 1),
        assigned=dt.date(2026, 1, 10),
        status="done",
        percent=100,
        at=dt.datetime(2026, 2, 20),
    )
    old = isvc.raise_issue(
        engine,
        a["dpi"],
        province=PROVINCE,
        title="Chậm bàn giao mặt bằng khu công nghiệp",
        raised_by="LS-SXD",
        severity="critical",
        admin_units=["181"],
    )
    clock.freeze(dt.datetime(2026, 3, 20, 9, 0))
    funding = isvc.raise_issue(
        engine,
        a["stc"],
        province=PROVINCE,
        title="Thiếu kinh phí thuê tư vấn lập quy hoạch",
        raised_by="LS-STC",
        severity="high",
        admin_units=["180"],
    )
    isvc.record_proposed_solution(
        engine, a["stc"], funding.id, "Đề nghị bổ sung kinh phí từ nguồn dự phòng.", 1
    )
    minor = isvc.raise_issue(
        engine,
        a["stc"],
        province=PROVINCE,
        title="Số liệu thống kê cấp huyện chưa thống nhất",
        raised_by="LS-STC",
        severity="low",
    )
    past = msvc.create_meeting(
        engine,
        a["dpi"],
        province=PROVINCE,
        held_on=dt.date(2026, 3, 20),
        title="Cuộc họp Ban Chỉ đạo quý I năm 2026",
        chair="đồng chí Chủ tịch UBND tỉnh",
        venue="Hội trường UBND tỉnh",
        starts_at="08:00",
        invitees=list(MEMBERS),
    )
    conclusion_svc.save_conclusions(
        engine,
        a["dpi"],
        past.id,
        [
            conclusion_svc.ConclusionDraft(
                "Các thành viên Ban Chỉ đạo rà soát, cung cấp số liệu gửi Sở Kế hoạch và Đầu tư.",
                lead_agency_code="LS-SKHDT",
                all_members=True,
                due_on=dt.date(2026, 4, 30),
            ),
            conclusion_svc.ConclusionDraft(
                "Sở Tài chính bố trí kinh phí lập quy hoạch năm 2026.",
                lead_agency_code="LS-STC",
                supporting_agency_codes=("LS-SKHDT",),
                due_on=dt.date(2026, 4, 5),
            ),
        ],
    )
    past = msvc.mark_held(engine, a["dpi"], past.id, past.version, notice_number="45/TB-UBND")
    isvc.record_decision(
        engine, a["dpi"], old.id, "Giao Sở Xây dựng hoàn thành trước 30/4.", past.id, 1, status="in_progress"
    )
    clock.freeze(dt.datetime(2026, 4, 10, 9, 0))
    upcoming = msvc.create_meeting(
        engine,
        a["dpi"],
        province=PROVINCE,
        held_on=dt.date(2026, 4, 24),
        title="Cuộc họp Ban Chỉ đạo tháng 4 năm 2026",
        chair="đồng chí Chủ tịch UBND tỉnh",
        venue="Phòng họp số 1",
        starts_at="14:00",
        invitees=[*MEMBERS, "LS-STNMT"],
    )
    return {
        "actors": a,
        "past": past.id,
        "upcoming": upcoming.id,
        "issues": {"old": old.id, "funding": funding.id, "minor": minor.id},
    }
