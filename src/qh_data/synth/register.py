"""The synthetic store's register: meetings, conclusions, agendas, tasks with their updates, issues."""

from __future__ import annotations

import datetime as dt
import random

from ..demo import CONCLUSION_POOL, IMPLEMENTATION_TASKS, ISSUE_POOL
from ..models import (
    AgendaItem,
    Conclusion,
    Issue,
    Meeting,
    Task,
    TaskUpdate,
    conclusion_supporting_agency,
    issue_admin_unit,
    meeting_invitee,
    task_admin_unit,
    task_supporting_agency,
)
from ..rules.open_status import issue_is_open, task_is_open
from .places import REFORM, Places, prefix
from .scales import Scale


class Register:
    """Meetings (one planned per province, the others held, with conclusions), tasks from conclusions
    and from the implementation plan with their updates, and issues: rows with their ids, built in
    ``build()`` and handed out by ``tables()``."""

    def __init__(self, sc: Scale, today: dt.date, places: Places, rng: random.Random):
        self.sc, self.today, self.places, self.rng = sc, today, places, rng
        self.role_of, self.members = places.role_of, places.members
        self.district_agency = places.district_agency
        self.communes = {p["code"]: p["communes"] for p in places.provinces}

    def _split(self, total: int) -> dict[str, int]:
        """``total`` shared among the provinces by their number of districts (largest remainders)."""
        weights = {p["code"]: len(p["districts"]) + 4 for p in self.places.provinces}
        w = sum(weights.values())
        exact = {c: total * v / w for c, v in weights.items()}
        out = {c: int(x) for c, x in exact.items()}
        for c in sorted(exact, key=lambda c: (out[c] - exact[c], c))[: total - sum(out.values())]:
            out[c] += 1
        return out

    def build(self) -> None:
        rng, today = self.rng, self.today
        self.meetings, self.conclusions, self.agenda, self.invitees = [], [], [], []
        self.conclusion_support = []
        self.tasks, self.updates, self.task_support, self.task_units = [], [], [], []
        self.issues, self.issue_units = [], []
        self.seq: dict[str, int] = {}
        self.held: dict[str, list[dict]] = {}
        self.open_tasks: dict[tuple[str, str], list[int]] = {}
        provinces = [p["code"] for p in self.places.provinces]
        # meetings: one planned per province while the budget allows, the rest held, spread by size
        per_meeting = self._split(self.sc.meetings)
        n_conclusion_tasks = 0
        for prov in provinces:
            n = per_meeting[prov]
            for i in range(n):
                planned = i == n - 1 and n > 1
                held_on = (today + dt.timedelta(days=rng.randint(5, 30)) if planned
                           else today - dt.timedelta(days=30 + (n - 1 - i) * rng.randint(60, 110)))
                m = self._meeting(prov, held_on, i + 1, planned)
                if not planned:
                    for number, (role, text_) in enumerate(rng.sample(CONCLUSION_POOL, 3), start=1):
                        lead = self.role_of[prov].get(role) or self.role_of[prov]["SKHDT"]
                        due = held_on + dt.timedelta(days=rng.choice([30, 45, 60, 90, 120]))
                        cid = len(self.conclusions) + 1
                        self.conclusions.append(dict(id=cid, meeting_id=m["id"], number=number, text=text_,
                                                     lead_agency_code=lead, all_members=False, due_on=due,
                                                     version=1))
                        sup = self.role_of[prov]["SKHDT"]
                        if sup != lead:
                            self.conclusion_support.append(dict(conclusion_id=cid, agency_code=sup))
                        if n_conclusion_tasks < self.sc.tasks // 10:
                            self._task(prov, lead, text_, assigned=held_on, due=due, meeting=m["id"],
                                       conclusion=cid, source=m["notice_number"], stage="SO_LIEU",
                                       supporting=[sup] if sup != lead else [], units=[])
                            n_conclusion_tasks += 1
        # implementation tasks
        per_tasks = self._split(self.sc.tasks - len(self.tasks))
        for prov in provinces:
            for i in range(per_tasks[prov]):
                role, title, stage = IMPLEMENTATION_TASKS[(i + rng.randrange(4)) % len(IMPLEMENTATION_TASKS)]
                assigned = today - dt.timedelta(days=rng.randint(20, 600))
                offset = rng.choice([-200, -120, -60, -30, -14, -5, 2, 4, 6, 10, 13, 30, 60, 120, 240])
                due = max(assigned + dt.timedelta(days=10), today + dt.timedelta(days=offset))
                lead, units = self._lead_and_units(prov, role, i, assigned)
                supporting = sorted({c for c in rng.sample(self.members[prov], 2) if c != lead})
                self._task(prov, lead, title, assigned=assigned, due=due, meeting=None, conclusion=None,
                           source="Kế hoạch thực hiện Quy hoạch tỉnh (tổng hợp)", stage=stage,
                           supporting=supporting, units=units)
        # issues
        statuses = (["open"] * 6 + ["in_progress"] * 6 + ["awaiting_decision"] * 5 + ["resolved"] * 5
                    + ["closed"] * 2)
        per_issues = self._split(self.sc.issues)
        k = 0
        for prov in provinces:
            for i in range(per_issues[prov]):
                title, severity, role = ISSUE_POOL[k % len(ISSUE_POOL)]
                k += 1
                status = statuses[(i + k) % len(statuses)]
                raised = today - dt.timedelta(days=rng.randint(3, 400))
                agency, units = self._lead_and_units(prov, role, i, raised)
                related = self.open_tasks.get((prov, agency), [])
                past = [m for m in self.held.get(prov, []) if m["held_on"] > raised]
                decided = not issue_is_open(status) and bool(past)
                resolved = min(today, past[0]["held_on"] + dt.timedelta(days=rng.randint(5, 30))) if decided else None
                iid = len(self.issues) + 1
                stamp = dt.datetime.combine(raised, dt.time(9, 0))
                self.issues.append(dict(
                    id=iid, code=f"{prefix(prov)}-VM-{i + 1:04d}", title=title,
                    province_unit_id=self.places.unit_id[prov],
                    description=f"{title} (dữ liệu tổng hợp). Ảnh hưởng đến tiến độ các nhiệm vụ của Quy hoạch tỉnh.",
                    raised_by_code=agency, raised_on=raised,
                    related_task_id=related[i % len(related)] if related else None, severity=severity,
                    status=status,
                    proposed_solution=("Đề nghị Ban Chỉ đạo giao Sở Kế hoạch và Đầu tư chủ trì đề xuất phương án xử "
                                       "lý") if status != "open" else None,
                    decision="Giao cơ quan chủ trì hoàn thành xử lý, báo cáo tại phiên họp sau" if decided else None,
                    decided_at_meeting_id=past[0]["id"] if decided else None, resolved_on=resolved,
                    for_next_meeting=status == "awaiting_decision", version=1, created_at=stamp, updated_at=stamp,
                    is_demo=True))
                self.issue_units += [dict(issue_id=iid, unit_id=self.places.unit_id[u]) for u in units]
        self.n_issues, self.n_meetings = len(self.issues), len(self.meetings)
        self.n_updates = len(self.updates)

    def tables(self):
        return [(Meeting.__table__, self.meetings), (meeting_invitee, self.invitees),
                (AgendaItem.__table__, self.agenda), (Conclusion.__table__, self.conclusions),
                (conclusion_supporting_agency, self.conclusion_support), (Task.__table__, self.tasks),
                (task_supporting_agency, self.task_support), (task_admin_unit, self.task_units),
                (TaskUpdate.__table__, self.updates), (Issue.__table__, self.issues),
                (issue_admin_unit, self.issue_units)]

    def _meeting(self, prov: str, held_on: dt.date, number: int, planned: bool) -> dict:
        mid = len(self.meetings) + 1
        m = dict(id=mid, province_unit_id=self.places.unit_id[prov], held_on=held_on, starts_at="08:00",
                 title=f"Phiên họp định kỳ lần {number} của Ban Chỉ đạo về thực hiện Quy hoạch tỉnh",
                 kind="regular", chair="Chủ tịch UBND tỉnh, Trưởng Ban Chỉ đạo",
                 venue="Phòng họp số 1, trụ sở UBND tỉnh", status="planned" if planned else "held",
                 notice_number=None if planned else f"{100 + number * 7}/TB-UBND", notes=None, version=1,
                 is_demo=True)
        self.meetings.append(m)
        titles = (["Báo cáo tình hình thực hiện các kết luận của phiên họp trước",
                   "Xem xét các khó khăn, vướng mắc chờ Ban Chỉ đạo quyết định",
                   "Đánh giá các chỉ tiêu có nguy cơ không đạt mục tiêu"] if planned
                  else [t for _, t in CONCLUSION_POOL[number % 3: number % 3 + 3]])
        for pos, title in enumerate(titles, start=1):
            self.agenda.append(dict(id=len(self.agenda) + 1, meeting_id=mid, position=pos, kind="free", ref=None,
                                    title=title, notes=None, presenter_code=self.role_of[prov]["SKHDT"],
                                    minutes=20 if planned else None))
        if planned:
            self.invitees += [dict(meeting_id=mid, agency_code=a) for a in self.members[prov]]
        else:
            self.held.setdefault(prov, []).append(m)
        return m

    def _task(self, prov, lead, title, *, assigned, due, meeting, conclusion, source, stage, supporting, units):
        rng, today = self.rng, self.today
        status, percent, done_on = self._outcome(assigned, due)
        tid = len(self.tasks) + 1
        key = f"{prov}-{assigned.year}"
        self.seq[key] = self.seq.get(key, 0) + 1
        steps = 0 if status == "not_started" else rng.randint(2, 4)
        end = done_on or today
        span = max(1, (end - assigned).days)
        for i in range(1, steps + 1):
            last = i == steps
            day = assigned + dt.timedelta(days=span * i // steps)
            st = status if last else "in_progress"
            self.updates.append(dict(
                id=len(self.updates) + 1, task_id=tid, at=dt.datetime.combine(day, dt.time(10 + i, 0)), user_id=None,
                status=st, percent_done=percent if last else min(90, max(5, percent * i // steps)), due_on=due,
                done_on=done_on if last else None, version=i + 1,
                note="Đã hoàn thành, gửi báo cáo" if last and st == "done" else "Cập nhật tiến độ (tổng hợp)"))
        updated = dt.datetime.combine(min(today, end), dt.time(16, 0))
        self.tasks.append(dict(
            id=tid, code=f"{prefix(prov)}-{assigned.year}-{self.seq[key]:04d}", title=title, description=None,
            province_unit_id=self.places.unit_id[prov], source_document=source, stage=stage, meeting_id=meeting, conclusion_id=conclusion,
            lead_agency_code=lead, assigned_on=assigned, due_on=due, status=status, percent_done=percent,
            done_on=done_on, version=steps + 1, created_at=dt.datetime.combine(assigned, dt.time(9, 0)),
            updated_at=updated, updated_by_id=None, is_demo=True))
        self.task_support += [dict(task_id=tid, agency_code=a) for a in supporting]
        self.task_units += [dict(task_id=tid, unit_id=self.places.unit_id[u]) for u in units]
        if task_is_open(status):
            self.open_tasks.setdefault((prov, lead), []).append(tid)

    def _lead_and_units(self, prov: str, role: str, i: int, day: dt.date) -> tuple[str, list[str]]:
        """The lead agency of a task or issue of ``role`` dated ``day`` and the units it concerns (codes): the
        districts and their committees before 1/7/2025; the communes from then on (the district committees
        were gone: a district's task goes to the standing department)."""
        rng = self.rng
        before = day < REFORM
        units = (sorted(self.district_agency[prov].items()) if before
                 else [(c["code"], None) for c in self.communes[prov]])
        if role == "UBND_HUYEN" and before:
            unit, lead = units[i % len(units)]
            return lead, [unit]
        if role == "UBND_HUYEN":
            return self.role_of[prov]["SKHDT"], [units[i % len(units)][0]]
        lead = self.role_of[prov].get(role) or self.role_of[prov]["SKHDT"]
        return lead, sorted(u for u, _ in rng.sample(units, min(len(units), rng.randint(0, 2))))

    def _outcome(self, assigned: dt.date, due: dt.date | None):
        rng, today = self.rng, self.today
        if rng.random() < 0.02:
            return "cancelled", 0, None
        if due < today:
            r = rng.random()
            if r < 0.55:
                return "done", 100, max(assigned, min(today, due - dt.timedelta(days=rng.randint(0, 10))))
            if r < 0.7:
                return "done", 100, min(today, due + dt.timedelta(days=rng.randint(2, 30)))
            return rng.choice(["in_progress", "in_progress", "not_started"]), rng.choice([0, 20, 40, 60]), None
        r = rng.random()
        if r < 0.15:
            return "done", 100, max(assigned, today - dt.timedelta(days=rng.randint(0, 10)))
        if r < 0.8:
            return "in_progress", rng.choice([10, 25, 40, 60, 80]), None
        return "not_started", 0, None
