"""The deterministic demo: real reference data plus generated figures, tasks, issues and meetings, in one
transaction; what is generated carries ``is_demo=True`` and the source "Dữ liệu minh họa (demo)". Tasks from
the two real documents keep their real dates; the others are placed relative to ``today``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
from collections import defaultdict

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from . import audit, clock, demo_communes, refdata
from .auth import hash_password
from .catalogue import CATALOGUE, TARGETS_2030, Spec
from .db import session_scope
from .demo_texts import ALL_MEMBERS_TEXT, CONCLUSION_POOL, IMPLEMENTATION_TASKS, ISSUE_POOL
from .errors import QHError
from .models import (
    AdminUnitVersion,
    Agency,
    AgendaItem,
    Conclusion,
    Indicator,
    IndicatorValue,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    User,
)
from .permissions import SYSTEM
from .rules.open_status import CLOSED_ISSUE_STATUSES

SEED = 20200730
DEMO_SOURCE = "Dữ liệu minh họa (demo)"
YEARS = range(2015, 2026)
# the demo's periods after 30/6/2025: on the communes in force then (demo_communes), not on the districts
COMMUNE_PERIODS = frozenset({"2025-H2", "2026-H1", "2026-H2", "2026", "2030"})
ACCOUNTS = (
    ("viewer", "Thành viên Ban Chỉ đạo (xem)", "viewer", None),
    ("editor.sxd", "Cán bộ Sở Xây dựng", "agency_editor", "LS-SXD"),
    ("dpi", "Cán bộ Sở Kế hoạch và Đầu tư", "dpi_editor", "LS-SKHDT"),
    ("admin", "Quản trị hệ thống", "admin", "LS-SKHDT"),
)


def seed(engine: Engine, *, today: dt.date | None = None, quiet: bool = False, reform: bool = True) -> dict:
    """Load reference data and the demo into an empty database. Returns counts and the demo accounts.
    ``reform=False``: the store as it stood before the 2025 reform was loaded (no figure after 30/6/2025)."""
    today = today or clock.today()
    rng = random.Random(SEED)
    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(Agency)):
            raise QHError(
                "Cơ sở dữ liệu đã có dữ liệu; không nạp dữ liệu minh họa đè lên. Hãy dùng một cơ sở dữ liệu trống.",
                "The database already holds data; the demo is not loaded over it. Use an empty database.",
            )
        for i, spec in enumerate(CATALOGUE):
            s.add(Indicator(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en, unit=spec.unit,
                            unit_en=spec.unit_en, group=spec.group, owner_role=spec.owner_role,
                            direction=spec.direction, aggregation=spec.aggregation, is_rate=spec.is_rate,
                            decimals=spec.decimals, min_value=spec.min_value, max_value=spec.max_value,
                            sort_order=i, is_demo=True))
        s.flush()
        ref = refdata.load(s)
        n_values, later = _values(s, rng)
        accounts = _users(s)
        builder = _Register(s, rng, today)
        builder.lang_son_2020()
        builder.thai_nguyen_2020()
        builder.periodic("20", [330, 240, 150, 60], upcoming_in=14)
        builder.periodic("19", [200, 80], upcoming_in=20)
        builder.implementation("20", 44)
        builder.implementation("19", 20)
        builder.issues()
        s.flush()
        # the register is on the units before 1/7/2025; then the reform, and the later figures on the communes
        reform = (demo_communes.write(s, {spec.code: spec for spec in CATALOGUE}, later, _clamp, DEMO_SOURCE)
                  if reform else {"commune_values": 0, "communes": 0})
        counts = {"indicators": len(CATALOGUE), "values": n_values + reform["commune_values"], **ref,
                  "communes": reform["communes"], "tasks": builder.n_tasks, "issues": builder.n_issues,
                  "meetings": builder.n_meetings}
        audit.record(s, SYSTEM, "demo.seed", "database", None, None, counts)
    report = {"counts": counts, "accounts": accounts}
    if not quiet:
        print(format_report(report))
    return report


def format_report(report: dict) -> str:
    lines = ["Đã nạp dữ liệu minh họa / Demo data loaded:"]
    lines += [f"  {k}: {v}" for k, v in report["counts"].items()]
    lines.append("Tài khoản minh họa (mật khẩu chỉ hiện một lần, không lưu ở đâu khác) / "
                 "Demo accounts (passwords shown once, stored nowhere else):")
    lines += [f"  {u:<12} {role:<14} {pw}" for u, role, pw in report["accounts"]]
    return "\n".join(lines)


# --- figures ---------------------------------------------------------------------------------

def _users(s: Session) -> list[tuple[str, str, str]]:
    out = []
    for username, name, role, agency in ACCOUNTS:
        password = secrets.token_urlsafe(9)
        s.add(User(username=username, display_name=name, role=role, agency_code=agency,
                   password_hash=hash_password(password), created_at=clock.now()))
        out.append((username, role, password))
    s.flush()
    return out


def _clamp(spec: Spec, v: float) -> float:
    lo = spec.min_value if spec.min_value is not None else -math.inf
    hi = spec.max_value if spec.max_value is not None else math.inf
    return round(min(hi, max(lo, v)), max(spec.decimals, 2))


def _series(spec: Spec, base: float, rng: random.Random, pace: float) -> dict[int, float]:
    out = {}
    for y in YEARS:
        k = y - 2015
        if spec.is_rate:
            v = base + rng.gauss(0, 1.2) + (-2.5 if y in (2020, 2021) else 0.0) + pace * 0.4
        elif spec.additive_trend:
            v = base + spec.growth * pace * k + rng.gauss(0, abs(spec.growth) * 0.6 + 0.2)
        else:
            v = base * (1 + spec.growth * pace) ** k * (1 + rng.gauss(0, 0.025))
        out[y] = _clamp(spec, v)
    return out


def _values(s: Session, rng: random.Random) -> tuple[int, dict]:
    """Inserts the districts' figures of the periods they overlap; returns those after 30/6/2025
    ((indicator, period, kind) -> {district: (value, submitted_at)}) for ``demo_communes``."""
    u = AdminUnitVersion  # one version per code (the reform comes after the demo); districts in the file's order
    districts = s.execute(select(u.code, u.parent_code, u.type, u.population_2019).where(u.level == "district")
                          .order_by(u.id)).all()
    unit_ids = dict(s.execute(select(u.code, u.id)).all())
    rows: list[dict] = []
    at = dt.datetime
    real = set(s.execute(select(IndicatorValue.indicator_code, IndicatorValue.unit_id,
                                IndicatorValue.period, IndicatorValue.kind)).all())

    later: dict[tuple[str, str, str], dict[str, tuple[float, dt.datetime]]] = defaultdict(dict)

    def add(ind, unit, period, kind, value, submitted, revision=1, superseded=None, note=None):
        if (ind, unit_ids[unit], period, kind) in real:  # a real figure is never overwritten by a demo one
            return
        if period in COMMUNE_PERIODS:
            later[ind, period, kind][unit] = (value, submitted)
            return
        ptype = "year" if "-" not in period else ("half" if "-H" in period else "quarter")
        rows.append(dict(indicator_code=ind, unit_id=unit_ids[unit], period=period, period_type=ptype,
                         year=int(period[:4]), kind=kind, value=value, revision=revision, source=DEMO_SOURCE,
                         submitted_at=submitted, superseded_at=superseded, is_demo=True, note=note))

    for spec in CATALOGUE:
        per_province: dict[str, list[tuple[str, dict[int, float]]]] = defaultdict(list)
        for code, province, kind, population in districts:
            city = kind == "Thành phố"
            factor = (1.35 if city else rng.uniform(0.7, 1.1))
            if spec.aggregation == "sum":
                base = spec.base * (population or 50000) / 100000 * (1.6 if city else 1.0)
            elif spec.additive_trend and not spec.is_rate:
                shift = (8 if city else rng.uniform(-8, 4)) * (1 if spec.direction == "higher" else -1)
                base = spec.base + shift
            else:
                base = spec.base * factor
            pace = rng.choice([1.5, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, -0.4]) if not spec.is_rate else rng.uniform(-1, 1)
            per_province[province].append((code, _series(spec, base, rng, pace)))
        for province, items in per_province.items():
            avg2020 = sum(ser[2020] for _, ser in items) / len(items)
            prov_target = TARGETS_2030.get(province, {}).get(spec.code)
            for code, ser in items:
                for y, v in ser.items():
                    add(spec.code, code, str(y), "actual", v, at(y + 1, 2, 15))
                last = ser[2025]
                trend = (ser[2025] - ser[2020]) / 5
                est26 = _clamp(spec, last + trend if spec.additive_trend or spec.is_rate
                               else last * (1 + spec.growth))
                half = 0.47 if spec.aggregation == "sum" else 1.0
                h1 = _clamp(spec, est26 * half * (1 + rng.gauss(0, 0.02)))
                h2 = _clamp(spec, est26 - h1 if spec.aggregation == "sum" else est26 * (1 + rng.gauss(0, 0.01)))
                add(spec.code, code, "2025-H2", "actual",
                    _clamp(spec, ser[2025] * demo_communes.H2_SHARE if spec.aggregation == "sum" else ser[2025]),
                    at(2026, 2, 15))
                add(spec.code, code, "2026-H1", "actual", h1, at(2026, 7, 20))
                add(spec.code, code, "2026-H2", "estimate", h2, at(2026, 7, 20))
                add(spec.code, code, "2026", "estimate", est26, at(2026, 7, 20))
                # 2025 estimate made mid-year; some districts revised it in December
                est25 = _clamp(spec, ser[2025] * (1 + rng.gauss(0, 0.03)) if not spec.additive_trend
                               else ser[2025] + rng.gauss(0, 0.8))
                if rng.random() < 0.12:
                    add(spec.code, code, "2025", "estimate", est25, at(2025, 7, 15), 1, at(2025, 12, 10))
                    add(spec.code, code, "2025", "estimate", _clamp(spec, (est25 + ser[2025]) / 2), at(2025, 12, 10), 2,
                        note="Cập nhật dự ước cuối năm (minh họa)")
                else:
                    add(spec.code, code, "2025", "estimate", est25, at(2025, 7, 15))
                v20 = ser[2020]
                if spec.is_rate:  # a rate's target is a level near its typical value (growth 6.5 % -> 7.5 %)
                    t30 = prov_target if prov_target is not None else spec.base + 1.0
                elif prov_target is not None and spec.additive_trend:
                    t30 = v20 + (prov_target - avg2020)
                elif prov_target is not None:
                    t30 = v20 * prov_target / avg2020
                elif spec.additive_trend:
                    t30 = v20 + spec.growth * 1.05 * 10
                else:
                    t30 = v20 * (1 + spec.growth * 1.05) ** 10
                t30 = _clamp(spec, t30)
                t25 = _clamp(spec, (v20 + t30) / 2 if spec.additive_trend or spec.is_rate or v20 <= 0
                             else math.sqrt(v20 * t30))
                add(spec.code, code, "2025", "target", t25, at(2021, 3, 1))
                add(spec.code, code, "2030", "target", t30, at(2025, 7, 1))
    s.execute(insert(IndicatorValue), rows)
    return len(rows), later


# --- tasks, meetings, issues -------------------------------------------------------------------


class _Register:
    def __init__(self, s: Session, rng: random.Random, today: dt.date):
        self.s, self.rng, self.today = s, rng, today
        self.n_tasks = self.n_issues = self.n_meetings = 0
        self.agencies = {a.code: a for a in s.scalars(select(Agency).order_by(Agency.code))}
        self.seq: dict[str, int] = defaultdict(int)
        self.past_meetings: dict[str, list[Meeting]] = defaultdict(list)
        self.tasks: dict[str, list[Task]] = defaultdict(list)
        self.user_ids = {u.username: u.id for u in s.scalars(select(User))}
        # the units before 1/7/2025, one version per code (the reform is loaded after the register)
        self.units = {u.code: u for u in s.scalars(select(AdminUnitVersion))}

    # helpers
    def members(self, province: str) -> list[str]:
        return sorted(a.code for a in self.agencies.values()
                      if a.province_code == province and a.is_committee_member)

    def by_role(self, province: str, role: str) -> list[str]:
        return sorted(a.code for a in self.agencies.values() if a.province_code == province and a.role == role)

    def code(self, province: str, year: int) -> str:
        prefix = refdata.PREFIX[province]
        self.seq[f"{prefix}{year}"] += 1
        return f"{prefix}-{year}-{self.seq[f'{prefix}{year}']:03d}"

    def meeting(self, province, held_on, title, *, kind="regular", chair=None, status="held", notice=None):
        m = Meeting(province_unit=self.units[province], held_on=held_on, starts_at="08:00", title=title, kind=kind,
                    chair=chair or "Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo", status=status,
                    venue="Phòng họp số 1, trụ sở UBND tỉnh", notice_number=notice, is_demo=True)
        self.s.add(m)
        self.s.flush()
        self.n_meetings += 1
        if status == "held":
            self.past_meetings[province].append(m)
        return m

    def task(self, province, lead, title, *, assigned, due, source, stage=None, meeting=None, conclusion=None,
             supporting=(), units=(), outcome=None) -> Task:
        status, percent, done_on = self._outcome(assigned, due, outcome)
        now = dt.datetime.combine(min(self.today, done_on or self.today), dt.time(16, 0))
        t = Task(code=self.code(province, assigned.year), title=title, province_unit=self.units[province],
                 source_document=source, stage=stage, meeting_id=meeting.id if meeting else None,
                 conclusion_id=conclusion.id if conclusion else None, lead_agency_code=lead,
                 assigned_on=assigned, due_on=due, status=status, percent_done=percent, done_on=done_on,
                 version=1, created_at=dt.datetime.combine(assigned, dt.time(9, 0)), updated_at=now,
                 is_demo=True)
        t.supporting_agencies = [self.agencies[c] for c in supporting if c in self.agencies and c != lead]
        t.admin_units = [self.units[c] for c in units]
        self.s.add(t)
        self.s.flush()
        self._history(t)
        self.tasks[province].append(t)
        self.n_tasks += 1
        return t

    def _outcome(self, assigned, due, outcome):
        rng, today = self.rng, self.today
        if outcome == "done":
            end = due or assigned + dt.timedelta(days=60)
            done = min(today, end - dt.timedelta(days=rng.randint(0, 5)) if rng.random() < 0.75
                       else end + dt.timedelta(days=rng.randint(3, 25)))
            return "done", 100, max(done, assigned)
        if due is None:
            return ("in_progress", rng.choice([30, 50, 70]), None)
        if due < today:
            r = rng.random()
            if r < 0.55:
                done = due - dt.timedelta(days=rng.randint(0, 10))
                return "done", 100, max(assigned, min(done, today))
            if r < 0.7:
                return "done", 100, min(today, due + dt.timedelta(days=rng.randint(2, 30)))
            return rng.choice(["in_progress", "in_progress", "not_started"]), rng.choice([0, 20, 40, 60]), None
        r = rng.random()
        if r < 0.15:
            return "done", 100, max(assigned, today - dt.timedelta(days=rng.randint(0, 10)))
        if r < 0.8:
            return "in_progress", rng.choice([10, 25, 40, 60, 80]), None
        return "not_started", 0, None

    def _history(self, t: Task) -> None:
        if t.status == "not_started":
            return
        end = t.done_on or self.today
        span = max(1, (end - t.assigned_on).days)
        steps = self.rng.randint(2, 4)
        editor = self.user_ids.get("dpi")
        for i in range(1, steps + 1):
            last = i == steps
            day = t.assigned_on + dt.timedelta(days=span * i // steps)
            status = t.status if last else "in_progress"
            percent = t.percent_done if last else min(90, max(5, t.percent_done * i // steps))
            self.s.add(TaskUpdate(task_id=t.id, at=dt.datetime.combine(day, dt.time(10 + i, 0)), user_id=editor,
                                  status=status, percent_done=percent, due_on=t.due_on,
                                  done_on=t.done_on if last else None, version=i + 1,
                                  note="Đã hoàn thành, gửi báo cáo" if last and status == "done"
                                  else "Cập nhật tiến độ (minh họa)"))
        t.version = steps + 1

    def conclusion(self, meeting, number, text, lead, due, *, all_members=False, supporting=(), outcome=None,
                   source=None):
        c = Conclusion(meeting_id=meeting.id, number=number, text=text, lead_agency_code=None if all_members else lead,
                       all_members=all_members, due_on=due)
        c.supporting_agencies = [self.agencies[a] for a in supporting if a in self.agencies]
        self.s.add(c)
        self.s.flush()
        leads = self.members(meeting.province_code) if all_members else [lead]
        for code in leads:
            self.task(meeting.province_code, code, text, assigned=meeting.held_on, due=due, meeting=meeting,
                      conclusion=c, supporting=supporting, source=source or meeting.notice_number,
                      stage="SO_LIEU", outcome=outcome,
                      units=[self.agencies[code].admin_unit_code] if self.agencies[code].kind == "ubnd_huyen" else ())
        return c

    # the real 2020 documents
    def lang_son_2020(self) -> None:
        source = "Thông báo kết luận của Chủ tịch UBND tỉnh tại Hội nghị triển khai lập Quy hoạch tỉnh (tháng 8/2020)"
        m = self.meeting("20", dt.date(2020, 7, 30),
                         "Hội nghị triển khai tổ chức lập Quy hoạch tỉnh Lạng Sơn thời kỳ 2021 - 2030, tầm nhìn "
                         "đến năm 2050", kind="conference", chair="Hồ Tiến Thiệu, Chủ tịch UBND tỉnh",
                         notice=".../TB-UBND (tháng 8/2020)")
        self.s.add(AgendaItem(meeting_id=m.id, position=1, kind="free", presenter_code="LS-SKHDT",
                              title="Sở Kế hoạch và Đầu tư báo cáo tình hình triển khai và nhiệm vụ xây dựng Quy "
                                    "hoạch tỉnh"))
        self.conclusion(m, 1, "Thống nhất sử dụng số liệu đánh giá thực trạng đến hết năm 2020 trên cơ sở số liệu "
                              "6 tháng đầu năm 2020 và dự ước 6 tháng cuối năm 2020, cập nhật trong quá trình lập "
                              "quy hoạch", "LS-SKHDT", None, supporting=["LS-CTK"], outcome="done", source=source)
        self.conclusion(m, 2, "Chủ động rà soát, thu thập số liệu, phân tích đánh giá, dự báo các yếu tố phát "
                              "triển của ngành, địa phương; đề xuất nội dung tích hợp vào Quy hoạch tỉnh",
                        None, None, all_members=True, outcome="done", source=source)
        self.conclusion(m, 3, "Ban Chỉ đạo định kỳ tổ chức họp đánh giá tình hình thực hiện, xử lý kịp thời những "
                              "khó khăn, vướng mắc", "LS-BCD", None, source=source)
        self.conclusion(m, 4, "Tổng hợp, tiếp thu ý kiến góp ý tại hội nghị, bổ sung nội dung quốc phòng, an ninh; "
                              "hoàn thiện kế hoạch, trình UBND tỉnh xem xét, phê duyệt trước ngày 07/8/2020",
                        "LS-SKHDT", dt.date(2020, 8, 7), supporting=["LS-CAT", "LS-BCHQS"], outcome="done",
                        source=source)
        self.task("20", "LS-SKHDT", "Khẩn trương tổ chức đấu thầu lựa chọn tổ chức tư vấn lập Quy hoạch tỉnh",
                  assigned=m.held_on, due=None, meeting=m, source=source, stage="TU_VAN", outcome="done")

    def thai_nguyen_2020(self) -> None:
        source = "Hội nghị nghe báo cáo ý tưởng Quy hoạch tỉnh Thái Nguyên (tháng 7/2020; ngày họp giả định)"
        m = self.meeting("19", dt.date(2020, 7, 10),
                         "Hội nghị nghe báo cáo ý tưởng lập Quy hoạch tỉnh Thái Nguyên thời kỳ 2021-2030, tầm nhìn "
                         "đến năm 2050", kind="conference", chair="Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo")
        self.conclusion(m, 1, "Góp ý vào Báo cáo ý tưởng Quy hoạch tỉnh bằng văn bản chính thức, gửi Sở Kế hoạch "
                              "và Đầu tư trước ngày 20/7", None, dt.date(2020, 7, 20), all_members=True,
                        source=source)
        self.conclusion(m, 2, "Tiếp thu đầy đủ, có chọn lọc, phản biện trên cơ sở khoa học các ý kiến góp ý; triển "
                              "khai công tác lập quy hoạch tỉnh theo đúng tiến độ", "TN-SKHDT", None,
                        supporting=["TN-TV"], outcome="done", source=source)

    # the implementation phase, relative to today
    def periodic(self, province: str, days_ago: list[int], upcoming_in: int) -> None:
        rng = self.rng
        for i, ago in enumerate(days_ago, start=1):
            held = self.today - dt.timedelta(days=ago)
            m = self.meeting(province, held, f"Phiên họp định kỳ lần {i} của Ban Chỉ đạo về thực hiện Quy hoạch tỉnh",
                             notice=f"{100 + i * 7}/TB-UBND")
            picks = rng.sample(CONCLUSION_POOL, 3)
            for pos, (role, text) in enumerate(picks, start=1):
                self.s.add(AgendaItem(meeting_id=m.id, position=pos, kind="free", title=text,
                                      presenter_code=(self.by_role(province, role) or [None])[0]))
            for n, (role, text) in enumerate(picks, start=1):
                lead = (self.by_role(province, role) or self.by_role(province, "SKHDT"))[0]
                due = held + dt.timedelta(days=rng.choice([30, 45, 60, 90, 120]))
                self.conclusion(m, n, text, lead, due, supporting=self.by_role(province, "SKHDT"))
            if i == len(days_ago) - 1:
                self.conclusion(m, 4, ALL_MEMBERS_TEXT, None, held + dt.timedelta(days=75), all_members=True)
        upcoming = self.meeting(province, self.today + dt.timedelta(days=upcoming_in),
                                f"Phiên họp định kỳ lần {len(days_ago) + 1} của Ban Chỉ đạo về thực hiện Quy hoạch "
                                "tỉnh", status="planned")
        upcoming.invitees = [self.agencies[c] for c in self.members(province)]
        for pos, title in enumerate(["Báo cáo tình hình thực hiện các kết luận của phiên họp trước",
                                     "Xem xét các khó khăn, vướng mắc chờ Ban Chỉ đạo quyết định",
                                     "Đánh giá các chỉ tiêu có nguy cơ không đạt mục tiêu năm 2025"], start=1):
            self.s.add(AgendaItem(meeting_id=upcoming.id, position=pos, kind="free", title=title,
                                  presenter_code=self.by_role(province, "SKHDT")[0], minutes=20))

    def implementation(self, province: str, n: int) -> None:
        rng, today = self.rng, self.today
        decision = ("QĐ 1371/QĐ-TTg ngày 13/11/2024 ban hành Kế hoạch thực hiện Quy hoạch tỉnh Lạng Sơn"
                    if province == "20" else "QĐ 222/QĐ-TTg ngày 14/3/2023 phê duyệt Quy hoạch tỉnh Thái Nguyên")
        districts = [a for a in self.agencies.values() if a.province_code == province and a.kind == "ubnd_huyen"]
        for i in range(n):
            role, title, stage = IMPLEMENTATION_TASKS[i % len(IMPLEMENTATION_TASKS)]
            assigned = today - dt.timedelta(days=rng.randint(20, 300))
            offset = rng.choice([-120, -60, -30, -14, -5, 2, 4, 6, 10, 13, 30, 60, 120])
            due = max(assigned + dt.timedelta(days=10), today + dt.timedelta(days=offset))
            if role == "UBND_HUYEN":
                agency = districts[i % len(districts)]
                lead, units = agency.code, [agency.admin_unit_code]
            else:
                lead = (self.by_role(province, role) or self.by_role(province, "SKHDT"))[0]
                units = [d.admin_unit_code for d in rng.sample(districts, rng.randint(0, 2))]
            supporting = [c for c in rng.sample(self.members(province), 2) if c != lead]
            self.task(province, lead, title, assigned=assigned, due=due, source=decision, stage=stage,
                      supporting=supporting, units=units)

    def issues(self) -> None:
        rng, today = self.rng, self.today
        plan = [("20", 22), ("19", 9)]
        statuses = (["open"] * 6 + ["in_progress"] * 6 + ["awaiting_decision"] * 5 + ["resolved"] * 5
                    + ["closed"] * 2)
        k = 0
        for province, count in plan:
            districts = [a for a in self.agencies.values() if a.province_code == province and a.kind == "ubnd_huyen"]
            for i in range(count):
                title, severity, role = ISSUE_POOL[k % len(ISSUE_POOL)]
                k += 1
                status = statuses[i % len(statuses)]
                if role == "UBND_HUYEN":
                    agency = districts[i % len(districts)]
                else:
                    agency = self.agencies[(self.by_role(province, role) or self.by_role(province, "SKHDT"))[0]]
                raised = today - dt.timedelta(days=rng.randint(3, 200))
                unit_codes = [agency.admin_unit_code] if agency.kind == "ubnd_huyen" else [
                    d.admin_unit_code for d in rng.sample(districts, rng.randint(0, 2))]
                related = [t for t in self.tasks[province] if t.lead_agency_code == agency.code
                           and t.status not in ("done", "cancelled")]
                past = [m for m in self.past_meetings[province] if m.held_on > raised]
                decided = status in CLOSED_ISSUE_STATUSES and past
                issue = Issue(
                    code=f"{refdata.PREFIX[province]}-VM-{i + 1:03d}", title=title,
                    province_unit=self.units[province],
                    description=f"{title} (minh họa). Ảnh hưởng đến tiến độ các nhiệm vụ của Quy hoạch tỉnh.",
                    raised_by_code=agency.code, raised_on=raised, related_task_id=related[0].id if related else None,
                    severity=severity, status=status,
                    proposed_solution=("Đề nghị Ban Chỉ đạo giao Sở Kế hoạch và Đầu tư chủ trì, phối hợp các "
                                       "ngành liên quan đề xuất phương án xử lý") if status != "open" else None,
                    decision=("Giao cơ quan chủ trì hoàn thành xử lý, báo cáo tại phiên họp sau") if decided else None,
                    decided_at_meeting_id=past[0].id if decided else None,
                    resolved_on=(past[0].held_on + dt.timedelta(days=rng.randint(5, 30)))
                    if decided else None,
                    for_next_meeting=status == "awaiting_decision", version=1,
                    created_at=dt.datetime.combine(raised, dt.time(9, 0)),
                    updated_at=dt.datetime.combine(raised, dt.time(9, 0)), is_demo=True)
                if issue.resolved_on and issue.resolved_on > today:
                    issue.resolved_on = today
                issue.admin_units = [self.units[c] for c in unit_codes if c]
                self.s.add(issue)
                self.n_issues += 1
