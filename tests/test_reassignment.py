"""Reassigning the open work of a ceased agency (issue 15, point 2; ``services.reassignment``): the DPI role
only, one transaction, an audit entry per item, fan-out of an abolished district's task to the commune
People's Committees of its former territory, one task per agency. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from qh_data import clock
from qh_data.agencies import store as agency_store
from qh_data.db import read_session, session_scope
from qh_data.errors import PermissionDenied, ValidationFailed
from qh_data.models import AuditEntry, Conclusion, Issue, Meeting, Task, TaskUpdate
from qh_data.permissions import SYSTEM, Actor
from qh_data.queries import succession as qs
from qh_data.services import conclusions as conclusion_svc
from qh_data.services.reassignment import Reassignment, reassign
from qh_data.units import lineage
from qh_data.units import store as unit_store

TODAY = dt.date(2026, 12, 7)
DPI = Actor(user_id=None, username="stc.dpi", role="dpi_editor", agency_code="LS-STC")
EDITOR = Actor(user_id=None, username="skhdt.editor", role="agency_editor", agency_code="LS-SKHDT")


@pytest.fixture
def world(demo_engine):
    clock.freeze(dt.datetime(2026, 12, 7, 9, 0))
    with session_scope(demo_engine) as s:
        unit_store.load(s, lineage.reference(), SYSTEM, source="reform")
        agency_store.load_reference(s, SYSTEM)
        agency_store.add_commune_committees(s, SYSTEM, "20", TODAY, "LS", source="test")
    yield demo_engine
    clock.freeze(None)


def _open_task(engine, agency: str) -> SimpleNamespace:
    with read_session(engine) as s:
        t = s.scalars(select(Task).where(Task.lead_agency_code == agency,
                                         Task.status.in_(("not_started", "in_progress"))).order_by(Task.id)).first()
        return SimpleNamespace(id=t.id, version=t.version, code=t.code, title=t.title, due_on=t.due_on,
                               conclusion_id=t.conclusion_id)


def _audit(engine) -> list[SimpleNamespace]:
    with read_session(engine) as s:
        return [SimpleNamespace(action=e.action, entity_id=e.entity_id, username=e.username, before=e.before,
                                after=e.after)
                for e in s.scalars(select(AuditEntry).where(AuditEntry.action.like("%.reassign")).order_by(AuditEntry.id))]


def _commune_committees(engine, district_code: str) -> list[str]:
    """The commune People's Committees on the district's former territory, by the crosswalk in memory."""
    reform = lineage.reference()
    district = next(u for u in reform.units if u.level == "district" and u.code == district_code)
    new = {link.new.code for link in reform.links if link.old.parent == district.key}
    return sorted(f"LS-UBND-X{c}" for c in new)


def test_the_successor_takes_a_merged_agencys_task_with_history_and_audit(world):
    task = _open_task(world, "LS-SGTVT")
    before = qs.ceased_counts(world, "20", as_of=TODAY)
    result = reassign(world, DPI, [Reassignment("task", task.id, task.version, ("LS-SXD",))], note="theo NQ 04")
    assert result.tasks == [task.code]
    with read_session(world) as s:
        moved = s.get(Task, task.id)
        assert (moved.lead_agency_code, moved.reassigned_from_code, moved.version) == ("LS-SXD", "LS-SGTVT",
                                                                                      task.version + 1)
        line = s.scalars(select(TaskUpdate).where(TaskUpdate.task_id == task.id).order_by(TaskUpdate.id.desc())).first()
        assert "Sở Giao thông vận tải tỉnh Lạng Sơn" in line.note and "Sở Xây dựng" in line.note
    (entry,) = _audit(world)
    assert (entry.action, entry.entity_id, entry.username) == ("task.reassign", str(task.id), "stc.dpi")
    assert json.loads(entry.before)["lead_agency"] == "LS-SGTVT" and json.loads(entry.after)["lead_agency"] == "LS-SXD"
    after = qs.ceased_counts(world, "20", as_of=TODAY)
    assert after["tasks"] == before["tasks"] - 1  # off the worklist


def test_an_agency_editor_is_refused_and_nothing_changes(world):
    task = _open_task(world, "LS-SKHDT")
    for actor in (EDITOR, Actor(user_id=None, username="v", role="viewer")):
        with pytest.raises(PermissionDenied):
            reassign(world, actor, [Reassignment("task", task.id, task.version, ("LS-STC",))])
    assert _open_task(world, "LS-SKHDT").version == task.version and _audit(world) == []


def test_a_bulk_reassignment_is_one_transaction(world):
    first, second = _open_task(world, "LS-SKHDT"), _open_task(world, "LS-STTTT")
    issue_id, issue_version = _issue(world, "LS-SGTVT")
    stp = _open_task(world, "LS-STP")
    with pytest.raises(ValidationFailed, match="Sở Tư pháp"):  # the last item is refused: a live agency's task
        reassign(world, DPI, [Reassignment("task", first.id, first.version, ("LS-STC",)),
                              Reassignment("issue", issue_id, issue_version, ("LS-SXD",)),
                              Reassignment("task", second.id, second.version, ("LS-SKHCN",)),
                              Reassignment("task", stp.id, stp.version, ("LS-STC",))])
    assert _open_task(world, "LS-SKHDT").id == first.id and _audit(world) == []  # nothing half-done
    result = reassign(world, DPI, [Reassignment("task", first.id, first.version, ("LS-STC",)),
                                   Reassignment("issue", issue_id, issue_version, ("LS-SXD",)),
                                   Reassignment("task", second.id, second.version, ("LS-SKHCN",))])
    assert result.tasks == [first.code, second.code] and len(result.issues) == 1
    with read_session(world) as s:
        assert s.get(Issue, issue_id).raised_by_code == "LS-SXD"
    assert [e.action for e in _audit(world)] == ["task.reassign", "issue.reassign", "task.reassign"]


def _issue(engine, agency: str) -> tuple[int, int]:
    with read_session(engine) as s:
        issue = s.scalars(select(Issue).where(Issue.raised_by_code == agency,
                                              Issue.status.in_(("open", "in_progress", "awaiting_decision")))
                          .order_by(Issue.id)).first()
        return issue.id, issue.version


def test_an_abolished_districts_task_fans_out_to_its_communes_one_task_each(world):
    task = _open_task(world, "LS-UBND-186")  # Hữu Lũng
    communes = _commune_committees(world, "186")
    assert len(communes) >= 3
    chosen = tuple(communes[:3])
    result = reassign(world, DPI, [Reassignment("task", task.id, task.version, chosen)])
    assert result.tasks == [task.code, f"{task.code}-2", f"{task.code}-3"]
    with read_session(world) as s:
        tasks = s.scalars(select(Task).where(Task.code.in_(result.tasks)).order_by(Task.code)).all()
        assert [t.lead_agency_code for t in tasks] == list(chosen)
        assert {t.reassigned_from_code for t in tasks} == {"LS-UBND-186"}
        assert {(t.title, t.due_on, t.conclusion_id) for t in tasks} == {(task.title, task.due_on, task.conclusion_id)}
        assert [[u.code for u in t.admin_units] for t in tasks] == [[c.removeprefix("LS-UBND-X")] for c in chosen]
        assert [t.status for t in tasks[1:]] == ["not_started", "not_started"]
    entries = [json.loads(e.after) for e in _audit(world)]
    assert entries[0]["fan_out"] == [f"{task.code}-2", f"{task.code}-3"]


def test_communes_outside_the_former_territory_or_mixed_targets_are_refused(world):
    task = _open_task(world, "LS-UBND-186")
    outside = next(c for c in _commune_committees(world, "189") if c not in _commune_committees(world, "186"))
    with pytest.raises(ValidationFailed, match="địa bàn cũ"):
        reassign(world, DPI, [Reassignment("task", task.id, task.version, (outside,))])
    with pytest.raises(ValidationFailed, match="nhiều cơ quan"):
        reassign(world, DPI, [Reassignment("task", task.id, task.version,
                                           (_commune_committees(world, "186")[0], "LS-SXD"))])
    merged = _open_task(world, "LS-SKHDT")
    with pytest.raises(ValidationFailed, match="UBND cấp huyện"):
        reassign(world, DPI, [Reassignment("task", merged.id, merged.version, (_commune_committees(world, "186")[0],))])
    with pytest.raises(ValidationFailed, match="không còn hoạt động"):  # to another ceased agency
        reassign(world, DPI, [Reassignment("task", merged.id, merged.version, ("LS-SGTVT",))])
    assert _audit(world) == []
    with read_session(world) as s:
        assert s.scalar(select(func.count()).select_from(Task).where(Task.code.like(f"{task.code}-%"))) == 0


def test_a_conclusion_saved_again_keeps_its_reassigned_task(world):
    with read_session(world) as s:  # a meeting of Lạng Sơn held before the merger
        meeting = s.scalars(select(Meeting).where(Meeting.held_on < dt.date(2025, 3, 1), Meeting.status == "held")
                            .order_by(Meeting.held_on.desc())).first()
        meeting_id = meeting.id
    saved = conclusion_svc.save_conclusions(world, DPI, meeting_id, [conclusion_svc.ConclusionDraft(
        text="Sở KH&ĐT tổng hợp báo cáo", lead_agency_code="LS-SKHDT", due_on=dt.date(2027, 1, 15))])
    (conclusion_id,) = saved.conclusion_ids
    with read_session(world) as s:
        row = s.scalars(select(Task).where(Task.conclusion_id == conclusion_id)).one()
        task = SimpleNamespace(id=row.id, version=row.version)
        version = s.get(Conclusion, conclusion_id).version
        assert row.lead_agency_code == "LS-SKHDT"
    reassign(world, DPI, [Reassignment("task", task.id, task.version, ("LS-STC",))])
    conclusion_svc.update_conclusion(world, DPI, conclusion_id, version, text="Sở KH&ĐT tổng hợp báo cáo (bổ sung)")
    with read_session(world) as s:
        tasks = s.scalars(select(Task).where(Task.conclusion_id == conclusion_id)).all()
        assert [(t.id, t.lead_agency_code, t.status) for t in tasks] == [(task.id, "LS-STC", "not_started")]
        assert tasks[0].description.endswith("(bổ sung)")  # brought up to date, not cancelled or doubled


def test_a_stale_version_or_a_second_agency_for_an_issue_is_refused(world):
    from qh_data.errors import StaleEdit

    task = _open_task(world, "LS-SKHDT")
    with pytest.raises(StaleEdit):
        reassign(world, DPI, [Reassignment("task", task.id, task.version + 7, ("LS-STC",))])
    issue_id, version = _issue(world, "LS-SGTVT")
    with pytest.raises(ValidationFailed, match="nhiều cơ quan"):
        reassign(world, DPI, [Reassignment("issue", issue_id, version, ("LS-SXD", "LS-STC"))])
    district_issue, district_version = _issue(world, "LS-UBND-181")
    with pytest.raises(ValidationFailed, match="chỉ giao cho một cơ quan"):  # an issue is not fanned out
        reassign(world, DPI, [Reassignment("issue", district_issue, district_version,
                                           tuple(_commune_committees(world, "181")[:2]))])
    with pytest.raises(ValidationFailed, match="Chưa chọn cơ quan"):
        reassign(world, DPI, [Reassignment("task", task.id, task.version, ())])
    assert _audit(world) == [] and _open_task(world, "LS-SKHDT").version == task.version
