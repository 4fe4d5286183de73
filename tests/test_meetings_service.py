"""Meetings, agenda and conclusions -> tasks, on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from meeting_fixtures import MEMBERS, PROVINCE, add_task, add_value, seed_small
from sqlalchemy import func, select

import qh_data
from qh_data import clock
from qh_data.db import read_session
from qh_data.errors import NotFound, PermissionDenied, StaleEdit, ValidationFailed
from qh_data.models import AuditEntry, Conclusion, Task, TaskUpdate
from qh_data.queries import meeting_briefing as briefing
from qh_data.queries import meetings as meeting_reads
from qh_data.services import agenda as agenda_svc
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import issues as isvc
from qh_data.services import meetings as svc
from qh_data.services import tasks as tsvc

NOW = dt.datetime(2026, 4, 10, 9, 0)
MEETING_DAY = dt.date(2026, 4, 10)


@pytest.fixture
def small(engine):
    clock.freeze(NOW)
    actors = seed_small(engine)
    yield engine, actors
    clock.freeze(None)


def _meeting(engine, actor, **kw):
    args = {
        "province": PROVINCE,
        "held_on": MEETING_DAY,
        "title": "Cuộc họp Ban Chỉ đạo quý I năm 2026",
        "chair": "đồng chí Chủ tịch UBND tỉnh",
        "venue": "Hội trường UBND tỉnh",
        "starts_at": "08:00",
        "invitees": list(MEMBERS),
    }
    args.update(kw)
    return svc.create_meeting(engine, actor, **args)


def _tasks(engine, conclusion_id=None):
    with read_session(engine) as s:
        stmt = select(Task).order_by(Task.code)
        if conclusion_id is not None:
            stmt = stmt.where(Task.conclusion_id == conclusion_id)
        rows = list(s.scalars(stmt))
        s.expunge_all()
        return rows


def _count(engine, model):
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def _actions(engine, entity=None):
    with read_session(engine) as s:
        stmt = select(AuditEntry.action).order_by(AuditEntry.id)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        return list(s.scalars(stmt))


THREE = [
    conclusion_svc.ConclusionDraft(
        "Các thành viên Ban Chỉ đạo rà soát, cung cấp số liệu của ngành, địa phương mình.",
        number=1,
        lead_agency_code="LS-SKHDT",
        all_members=True,
        due_on=dt.date(2026, 4, 30),
    ),
    conclusion_svc.ConclusionDraft(
        "Sở Tài chính bố trí kinh phí lập quy hoạch năm 2026.",
        number=2,
        lead_agency_code="LS-STC",
        supporting_agency_codes=("LS-SKHDT",),
        due_on=dt.date(2026, 5, 15),
    ),
    conclusion_svc.ConclusionDraft(
        "Sở Tài nguyên và Môi trường hoàn thiện phương án phân bổ đất đai.",
        number=3,
        lead_agency_code="LS-STNMT",
        due_on=dt.date(2026, 6, 1),
    ),
]


def test_all_members_conclusion_makes_one_task_per_member_agency(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    result = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    first = result.conclusion_ids[0]
    tasks = _tasks(engine, first)
    assert sorted(t.lead_agency_code for t in tasks) == sorted(MEMBERS)  # lead is a member: no duplicate
    assert len(tasks) == len(MEMBERS) == len({t.lead_agency_code for t in tasks})
    for t in tasks:
        assert t.meeting_id == m.id and t.conclusion_id == first
        assert t.code == f"H{m.id}-KL1-{t.lead_agency_code}"
        assert t.due_on == dt.date(2026, 4, 30) and t.status == "not_started" and t.assigned_on == MEETING_DAY
    district = next(t for t in _tasks(engine, first) if t.lead_agency_code == "LS-UBND-180")
    with read_session(engine) as s:
        assert [u.code for u in s.get(Task, district.id).admin_units] == ["180"]
        supporting = [
            x.code for x in s.get(Task, _tasks(engine, result.conclusion_ids[1])[0].id).supporting_agencies
        ]
    assert supporting == ["LS-SKHDT"]
    assert len(result.tasks_created) == len(MEMBERS) + 2
    assert _count(engine, Task) == len(MEMBERS) + 2
    # a non-member lead with "all members" adds the lead to the members
    more = conclusion_svc.save_conclusions(
        engine,
        a["dpi"],
        m.id,
        [
            conclusion_svc.ConclusionDraft(
                "Báo cáo tình hình thực hiện.", number=4, lead_agency_code="LS-SYT", all_members=True
            )
        ],
    )
    assert sorted(t.lead_agency_code for t in _tasks(engine, more.conclusion_ids[0])) == sorted(
        [*MEMBERS, "LS-SYT"]
    )
    assert _actions(engine, "task").count("task.create") == _count(engine, Task)
    assert _count(engine, TaskUpdate) == _count(engine, Task)  # each new task starts its history


def test_saving_again_creates_nothing_new(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    counts = (
        _count(engine, Task),
        _count(engine, TaskUpdate),
        _count(engine, Conclusion),
        _count(engine, AuditEntry),
    )
    again = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    assert again.tasks_created == [] and again.tasks_updated == [] and again.tasks_cancelled == []
    assert (
        _count(engine, Task),
        _count(engine, TaskUpdate),
        _count(engine, Conclusion),
        _count(engine, AuditEntry),
    ) == counts


def test_editing_a_deadline_moves_the_open_tasks_only(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    result = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    cid = result.conclusion_ids[0]
    stc = next(t for t in _tasks(engine, cid) if t.lead_agency_code == "LS-STC")
    tsvc.update_progress(
        engine, a["stc"], stc.id, tsvc.ProgressChange("done", 100, "Đã gửi số liệu"), stc.version
    )
    with read_session(engine) as s:
        version = s.get(Conclusion, cid).version
    clock.freeze(NOW + dt.timedelta(days=3))
    moved = conclusion_svc.update_conclusion(engine, a["dpi"], cid, version, due_on=dt.date(2026, 5, 20))
    assert sorted(moved.tasks_updated) == sorted(f"H{m.id}-KL1-{c}" for c in MEMBERS if c != "LS-STC")
    for t in _tasks(engine, cid):
        if t.lead_agency_code == "LS-STC":
            assert t.due_on == dt.date(2026, 4, 30) and t.status == "done"
        else:
            assert t.due_on == dt.date(2026, 5, 20) and t.version == 2
            with read_session(engine) as s:
                last = s.scalars(
                    select(TaskUpdate).where(TaskUpdate.task_id == t.id).order_by(TaskUpdate.id.desc())
                ).first()
                assert last.due_on == dt.date(2026, 5, 20) and "20/05/2026" in last.note
    with read_session(engine) as s:
        edits = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "task.edit")))
        assert len(edits) == len(MEMBERS) - 1
        assert all(json.loads(e.after)["due_on"] == "2026-05-20" for e in edits)
        assert s.get(Conclusion, cid).version == version + 1
    # the same edit again is a stale one (the version moved)
    with pytest.raises(StaleEdit) as err:
        conclusion_svc.update_conclusion(engine, a["dpi"], cid, version, due_on=dt.date(2026, 6, 20))
    assert err.value.changed_by == "Nguyễn Thị Kế Hoạch"
    assert err.value.changed_at == NOW + dt.timedelta(days=3)


def test_changing_the_addressee_cancels_the_open_task_of_the_agency_dropped(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    result = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    cid = result.conclusion_ids[2]
    with read_session(engine) as s:
        version = s.get(Conclusion, cid).version
    out = conclusion_svc.update_conclusion(engine, a["dpi"], cid, version, lead_agency_code="LS-SXD")
    assert out.tasks_created == [f"H{m.id}-KL3-LS-SXD"] and out.tasks_cancelled == [f"H{m.id}-KL3-LS-STNMT"]
    states = {t.lead_agency_code: t.status for t in _tasks(engine, cid)}
    assert states == {"LS-STNMT": "cancelled", "LS-SXD": "not_started"}


def test_conclusion_without_addressee_makes_no_task_and_bad_input_writes_nothing(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    res = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, [conclusion_svc.ConclusionDraft("Thống nhất sử dụng số liệu.")])
    assert res.tasks_created == [] and _count(engine, Conclusion) == 1
    before = (_count(engine, Task), _count(engine, Conclusion), _count(engine, AuditEntry))
    with pytest.raises(ValidationFailed):  # the second draft's deadline is before the meeting
        conclusion_svc.save_conclusions(
            engine,
            a["dpi"],
            m.id,
            [
                conclusion_svc.ConclusionDraft("Một", number=5, lead_agency_code="LS-STC"),
                conclusion_svc.ConclusionDraft("Hai", number=6, lead_agency_code="LS-STC", due_on=dt.date(2026, 1, 1)),
            ],
        )
    with pytest.raises(ValidationFailed):
        conclusion_svc.save_conclusions(
            engine, a["dpi"], m.id, [conclusion_svc.ConclusionDraft("X", number=7, lead_agency_code="NOPE")]
        )
    assert (_count(engine, Task), _count(engine, Conclusion), _count(engine, AuditEntry)) == before


def test_no_conclusions_before_the_meeting_day(small):
    engine, a = small
    m = _meeting(engine, a["dpi"], held_on=MEETING_DAY + dt.timedelta(days=1))
    with pytest.raises(ValidationFailed):
        conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    assert _count(engine, Conclusion) == 0 and _count(engine, Task) == 0
    clock.freeze(NOW + dt.timedelta(days=1))
    assert len(conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE).conclusion_ids) == 3


def test_a_different_text_without_the_version_is_refused(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    changed = conclusion_svc.ConclusionDraft("Nội dung khác", number=2, lead_agency_code="LS-STC")
    with pytest.raises(StaleEdit):
        conclusion_svc.save_conclusions(engine, a["dpi"], m.id, [changed])


def test_only_the_dpi_prepares_meetings_and_records_conclusions(small):
    engine, a = small
    with pytest.raises(PermissionDenied):
        _meeting(engine, a["stc"])
    m = _meeting(engine, a["dpi"])
    for who in ("stc", "viewer"):
        with pytest.raises(PermissionDenied):
            conclusion_svc.save_conclusions(engine, a[who], m.id, THREE)
        with pytest.raises(PermissionDenied):
            agenda_svc.add_agenda_items(engine, a[who], m.id, [agenda_svc.AgendaDraft("Mục tự do")], m.version)
    assert _count(engine, Conclusion) == 0 and _count(engine, Task) == 0


def test_meeting_edit_is_versioned_and_audited(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    clock.freeze(NOW + dt.timedelta(minutes=30))
    m2 = svc.update_meeting(engine, a["dpi"], m.id, m.version, venue="Phòng họp số 2", invitees=["LS-SKHDT"])
    assert m2.version == 2
    with pytest.raises(StaleEdit) as err:
        svc.update_meeting(engine, a["dpi"], m.id, 1, venue="Phòng họp số 3")
    assert err.value.changed_by == "Nguyễn Thị Kế Hoạch" and err.value.changed_at == NOW + dt.timedelta(
        minutes=30
    )
    with pytest.raises(ValidationFailed):
        svc.update_meeting(engine, a["dpi"], m.id, 2, starts_at="8h")
    got = meeting_reads.get_meeting(engine, m.id)
    assert got.venue == "Phòng họp số 2" and [x.code for x in got.invitees] == ["LS-SKHDT"]
    assert _actions(engine, "meeting") == ["meeting.create", "meeting.update"]
    future = _meeting(engine, a["dpi"], held_on=dt.date(2026, 6, 1))
    with pytest.raises(ValidationFailed):
        svc.mark_held(engine, a["dpi"], future.id, future.version)
    held = svc.mark_held(engine, a["dpi"], m.id, 2, notice_number="45/TB-UBND")
    assert held.status == "held" and held.notice_number == "45/TB-UBND"


def test_agenda_suggestions_accept_reorder_remove(small):
    engine, a = small
    # an issue awaiting decision, an overdue task, an indicator well behind (limited)
    issue = isvc.raise_issue(
        engine, a["stc"], province=PROVINCE, title="Thiếu kinh phí", raised_by="LS-STC", severity="high"
    )
    isvc.record_proposed_solution(engine, a["stc"], issue.id, "Bổ sung kinh phí", issue.version)
    isvc.raise_issue(engine, a["stc"], province=PROVINCE, title="Chưa cần họp", raised_by="LS-STC")
    task_id = add_task(engine, "T-OLD", "LS-SXD", due=dt.date(2026, 3, 1), assigned=dt.date(2026, 1, 5))
    add_task(engine, "T-OK", "LS-SXD", due=dt.date(2026, 9, 1), assigned=dt.date(2026, 1, 5))
    for per, kind, v in [
        ("2020", "actual", 20.0),
        ("2024", "actual", 18.0),
        ("2025", "actual", 23.0),
        ("2030", "target", 8.0),
    ]:
        add_value(engine, "poverty_rate", PROVINCE, per, kind, v, dt.datetime(2026, 3, 1))
    m = _meeting(engine, a["dpi"], held_on=dt.date(2026, 4, 20))
    sugg = briefing.suggest_agenda(engine, m.id)
    assert [(s.kind, s.ref, s.reason) for s in sugg] == [
        ("issue", str(issue.id), "awaiting_decision"),
        ("task", str(task_id), "overdue"),
        ("indicator", "poverty_rate", "limited"),
    ]
    m = agenda_svc.add_agenda_items(engine, a["dpi"], m.id, [*sugg, agenda_svc.AgendaDraft("Các vấn đề khác")], m.version)
    assert m.version == 2
    m = agenda_svc.add_agenda_items(engine, a["dpi"], m.id, sugg[:1], m.version)  # already there: nothing added
    assert m.version == 2
    assert briefing.suggest_agenda(engine, m.id) == []
    items = meeting_reads.get_meeting(engine, m.id).agenda_items
    assert [i.kind for i in items] == ["issue", "task", "indicator", "free"]
    m = agenda_svc.move_agenda_item(engine, a["dpi"], m.id, items[3].id, -1, m.version)
    m = agenda_svc.remove_agenda_item(engine, a["dpi"], m.id, items[0].id, m.version)
    items = meeting_reads.get_meeting(engine, m.id).agenda_items
    assert [(i.position, i.kind) for i in items] == [(1, "task"), (2, "free"), (3, "indicator")]
    with pytest.raises(StaleEdit):
        agenda_svc.remove_agenda_item(engine, a["dpi"], m.id, items[0].id, 1)
    with pytest.raises(ValidationFailed):
        agenda_svc.reorder_agenda(engine, a["dpi"], m.id, [items[0].id], m.version)
    with pytest.raises(NotFound):
        agenda_svc.remove_agenda_item(engine, a["dpi"], m.id, 99999, m.version)
    assert _actions(engine, "meeting") == [
        "meeting.create",
        "meeting.agenda_add",
        "meeting.agenda_reorder",
        "meeting.agenda_remove",
    ]


def test_remove_conclusion_only_before_any_progress(small):
    engine, a = small
    m = _meeting(engine, a["dpi"])
    res = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, THREE)
    with read_session(engine) as s:
        c2, c3 = (s.get(Conclusion, i) for i in res.conclusion_ids[1:])
        v2, v3 = c2.version, c3.version
    conclusion_svc.remove_conclusion(engine, a["dpi"], res.conclusion_ids[2], v3)
    assert _tasks(engine, res.conclusion_ids[2]) == []
    task = _tasks(engine, res.conclusion_ids[1])[0]
    tsvc.update_progress(engine, a["stc"], task.id, tsvc.ProgressChange("in_progress", 20), task.version)
    with pytest.raises(ValidationFailed):
        conclusion_svc.remove_conclusion(engine, a["dpi"], res.conclusion_ids[1], v2)
    assert "conclusion.delete" in _actions(engine, "conclusion")
    # the number is free again and a new conclusion 3 gets fresh tasks
    again = conclusion_svc.save_conclusions(engine, a["dpi"], m.id, [THREE[2]])
    assert again.tasks_created == [f"H{m.id}-KL3-LS-STNMT"]


# --- the demo: the whole loop the DPI runs before, during and after a meeting -------------------


def test_demo_loop_agenda_pack_three_conclusions_and_the_progress_page(demo_engine):
    """From the seeded demo: the upcoming meeting's agenda from suggestions, its pack, three
    conclusions recorded on the day (one for every member), and the new tasks counted by the
    department progress page's query."""
    import io

    from docx import Document

    from qh_data import queries
    from qh_data.auth import actor_of
    from qh_data.models import Agency, User
    from qh_data.reports import build_meeting_pack, pack_data

    engine = demo_engine
    with read_session(engine) as s:
        dpi = actor_of(s.scalar(select(User).where(User.role == "dpi_editor")))
        members = list(
            s.scalars(
                select(Agency.code).where(Agency.province_code == "20", Agency.is_committee_member.is_(True))
            )
        )
        finance = s.scalar(select(Agency.code).where(Agency.province_code == "20", Agency.role == "STC"))
        nature = s.scalar(select(Agency.code).where(Agency.province_code == "20", Agency.role == "STNMT"))
    upcoming = queries.upcoming_meeting(engine, "20")
    assert upcoming is not None and len(members) > 5

    suggestions = briefing.suggest_agenda(engine, upcoming["id"])
    assert {s.kind for s in suggestions} >= {"issue", "task"}
    m = agenda_svc.add_agenda_items(engine, dpi, upcoming["id"], suggestions, upcoming["version"])
    assert len(meeting_reads.get_meeting(engine, m.id).agenda_items) == len(upcoming["agenda"]) + len(suggestions)
    accepted = {(s.kind, s.ref) for s in suggestions}
    assert not accepted & {(s.kind, s.ref) for s in briefing.suggest_agenda(engine, m.id)}  # never offered twice

    doc = Document(io.BytesIO(build_meeting_pack(engine, m.id, with_images=False)))
    data = pack_data(engine, m.id)
    assert not data.is_past and data.is_demo
    page = queries.task_counts_by_agency(engine, "20", as_of=data.day).to_frame()
    assert sum(r["assigned"] for r in data.progress) == int(page["assigned"].sum())
    total_row = next(r for r in doc.tables[1].rows if r.cells[1].text == "Tổng cộng")
    assert total_row.cells[2].text == f"{int(page['assigned'].sum()):,}".replace(",", ".")

    clock.freeze(dt.datetime.combine(upcoming["held_on"], dt.time(11, 0)))
    try:
        before = queries.task_counts_by_agency(engine, "20").to_frame()
        result = conclusion_svc.save_conclusions(
            engine,
            dpi,
            m.id,
            [
                conclusion_svc.ConclusionDraft(
                    "Các thành viên Ban Chỉ đạo báo cáo kết quả thực hiện các kết luận trước.",
                    all_members=True,
                    due_on=upcoming["held_on"] + dt.timedelta(days=30),
                ),
                conclusion_svc.ConclusionDraft(
                    "Bố trí kinh phí cập nhật cơ sở dữ liệu quy hoạch.",
                    lead_agency_code=finance,
                    due_on=upcoming["held_on"] + dt.timedelta(days=45),
                ),
                conclusion_svc.ConclusionDraft(
                    "Hoàn thiện phương án phân bổ chỉ tiêu sử dụng đất cấp huyện.",
                    lead_agency_code=nature,
                    due_on=upcoming["held_on"] + dt.timedelta(days=60),
                ),
            ],
        )
        assert len(result.tasks_created) == len(members) + 2
        after = queries.task_counts_by_agency(engine, "20").to_frame()
        assert int(after["assigned"].sum()) - int(before["assigned"].sum()) == len(members) + 2
        again = conclusion_svc.save_conclusions(
            engine,
            dpi,
            m.id,
            [
                conclusion_svc.ConclusionDraft(
                    "Các thành viên Ban Chỉ đạo báo cáo kết quả thực hiện các kết luận trước.",
                    number=1,
                    all_members=True,
                    due_on=upcoming["held_on"] + dt.timedelta(days=30),
                )
            ],
        )
        assert again.tasks_created == [] and again.tasks_updated == []
    finally:
        clock.freeze(None)


# --- how the meeting modules depend on each other ----------------------------------------------------

SRC = Path(qh_data.__file__).parent
MEETING_WRITES = ["services/meetings.py", "services/agenda.py", "services/conclusions.py",
                  "services/conclusion_tasks.py"]
MEETING_READS = ["queries/meetings.py", "queries/meeting_briefing.py", "reports/common.py", "reports/meeting_pack_data.py"]


def _imports(path: str) -> list[tuple[str, bool]]:
    """(module imported, whether the import sits inside a function) for every import of the file."""
    tree = ast.parse((SRC / path).read_text(encoding="utf-8"))
    inner = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for node in ast.walk(fn)
    }
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.append(("." * node.level + (node.module or ""), id(node) in inner))
        elif isinstance(node, ast.Import):
            out += [(alias.name, id(node) in inner) for alias in node.names]
    return out


@pytest.mark.parametrize("path", MEETING_WRITES + MEETING_READS)
def test_meeting_modules_import_at_the_top_only(path):
    """No import hidden inside a function (the way an import cycle used to be dodged)."""
    assert [name for name, inside in _imports(path) if inside] == []


@pytest.mark.parametrize("path", MEETING_WRITES)
def test_meeting_writes_do_not_import_reads_or_reports(path):
    """Services hold writes only: they import neither the read modules nor the documents."""
    names = [name for name, _ in _imports(path)]
    assert not [n for n in names if n.split(".")[-1] in {"reports", "queries", "meeting_briefing", "asof"}
                or ".reports" in n or ".queries" in n or n.startswith(("qh_data.reports", "qh_data.queries"))]


def test_the_meeting_modules_load_in_any_order():
    """Each one imported first, in a fresh interpreter, loads with the others (no cycle between them)."""
    first = ["qh_data.queries.meeting_briefing", "qh_data.queries.meetings", "qh_data.reports",
             "qh_data.services.conclusions"]
    script = "; ".join(
        f"import importlib, sys; importlib.import_module({name!r}); "
        "[sys.modules.pop(m) for m in list(sys.modules) if m.startswith('qh_data')]"
        for name in first
    ) + "; import qh_data.reports, qh_data.queries.meeting_briefing, qh_data.services.agenda; print('ok')"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
