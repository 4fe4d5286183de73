"""The issues register's writes: permission, version check, one transaction, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from meeting_fixtures import PROVINCE, seed_small
from sqlalchemy import func, select

from qh_data import clock
from qh_data.db import read_session
from qh_data.errors import PermissionDenied, StaleEdit, ValidationFailed
from qh_data.models import AuditEntry, Issue
from qh_data.services import issues as svc
from qh_data.services import meetings as msvc

NOW = dt.datetime(2026, 4, 10, 9, 30)


@pytest.fixture
def small(engine):
    clock.freeze(NOW)
    actors = seed_small(engine)
    yield engine, actors
    clock.freeze(None)


def _audit(engine, action=None):
    with read_session(engine) as s:
        stmt = select(AuditEntry).where(AuditEntry.entity == "issue").order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        out = list(s.scalars(stmt))
        s.expunge_all()
        return out


def test_agency_editor_raises_an_issue_for_its_own_agency_only(small):
    engine, a = small
    issue = svc.raise_issue(
        engine,
        a["stc"],
        province=PROVINCE,
        title="  Thiếu kinh phí thuê tư vấn ",
        raised_by="LS-STC",
        severity="high",
        admin_units=["180"],
        description="Chưa bố trí được kinh phí.",
    )
    assert issue.status == "open" and issue.version == 1 and issue.code.startswith(f"VM{PROVINCE}-2026-")
    assert issue.title == "Thiếu kinh phí thuê tư vấn"
    stored = svc.get_issue(engine, issue.id)
    assert [u.code for u in stored.admin_units] == ["180"]
    assert stored.raised_on == NOW.date()
    entries = _audit(engine, "issue.create")
    assert len(entries) == 1 and entries[0].username == "stc"
    assert json.loads(entries[0].after)["severity"] == "high"

    with pytest.raises(PermissionDenied):
        svc.raise_issue(engine, a["stc"], province=PROVINCE, title="Của sở khác", raised_by="LS-SXD")
    with pytest.raises(PermissionDenied):
        svc.raise_issue(engine, a["viewer"], province=PROVINCE, title="Người xem", raised_by="LS-STC")
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Issue.id))) == 1


def test_codes_are_unique_and_input_is_checked(small):
    engine, a = small
    first = svc.raise_issue(engine, a["dpi"], province=PROVINCE, title="Một", raised_by="LS-SXD")
    second = svc.raise_issue(engine, a["dpi"], province=PROVINCE, title="Hai", raised_by="LS-SXD")
    assert first.code != second.code
    decomposed = unicodedata.normalize("NFD", "Vướng mắc giải phóng mặt bằng")
    third = svc.raise_issue(engine, a["dpi"], province=PROVINCE, title=decomposed, raised_by="LS-SXD")
    assert third.title == unicodedata.normalize("NFC", decomposed)
    with pytest.raises(ValidationFailed):
        svc.raise_issue(engine, a["dpi"], province=PROVINCE, title="abc\u202eevil", raised_by="LS-SXD")
    with pytest.raises(ValidationFailed):
        svc.raise_issue(engine, a["dpi"], province=PROVINCE, title="x", raised_by="LS-SXD", severity="urgent")
    with pytest.raises(ValidationFailed):
        svc.raise_issue(
            engine, a["dpi"], province=PROVINCE, title="x", raised_by="LS-SXD", admin_units=["999"]
        )
    with pytest.raises(ValidationFailed):
        svc.raise_issue(engine, a["dpi"], province=PROVINCE, title="   ", raised_by="LS-SXD")
    assert len(_audit(engine, "issue.create")) == 3


def test_stale_edit_names_who_changed_the_issue_and_when(small):
    engine, a = small
    issue = svc.raise_issue(
        engine, a["stc"], province=PROVINCE, title="Số liệu chưa thống nhất", raised_by="LS-STC"
    )
    clock.freeze(NOW + dt.timedelta(hours=2))
    svc.update_issue(engine, a["stc"], issue.id, 1, severity="critical")
    with pytest.raises(StaleEdit) as err:
        svc.update_issue(engine, a["dpi"], issue.id, 1, status="in_progress")
    assert err.value.changed_by == "Trần Văn Tài Chính"
    assert err.value.changed_at == NOW + dt.timedelta(hours=2)
    assert err.value.current_version == 2
    assert "Trần Văn Tài Chính" in err.value.message("vi") and "11:30" in err.value.message("vi")
    stored = svc.get_issue(engine, issue.id)
    assert stored.status == "open" and stored.severity == "critical" and stored.version == 2
    assert [e.action for e in _audit(engine)] == ["issue.create", "issue.update"]


def test_agency_editor_cannot_touch_another_agencys_issue(small):
    engine, a = small
    issue = svc.raise_issue(
        engine, a["dpi"], province=PROVINCE, title="Chậm bàn giao mặt bằng", raised_by="LS-SXD"
    )
    with pytest.raises(PermissionDenied):
        svc.update_issue(engine, a["stc"], issue.id, 1, severity="high")
    with pytest.raises(PermissionDenied):
        svc.mark_for_next_meeting(engine, a["stc"], issue.id, 1)
    assert svc.get_issue(engine, issue.id).version == 1


def test_proposal_decision_and_next_meeting(small):
    engine, a = small
    meeting = msvc.create_meeting(
        engine, a["dpi"], province=PROVINCE, held_on=dt.date(2026, 4, 8), title="Cuộc họp Ban Chỉ đạo tháng 4"
    )
    issue = svc.raise_issue(engine, a["stc"], province=PROVINCE, title="Thiếu kinh phí", raised_by="LS-STC")
    issue = svc.mark_for_next_meeting(engine, a["stc"], issue.id, issue.version)
    assert issue.for_next_meeting and issue.version == 2
    issue = svc.record_proposed_solution(
        engine, a["stc"], issue.id, "Bổ sung từ nguồn dự phòng ngân sách.", issue.version
    )
    assert issue.status == "awaiting_decision" and issue.version == 3
    with pytest.raises(PermissionDenied):  # the decision belongs to the DPI (the committee's standing agency)
        svc.record_decision(engine, a["stc"], issue.id, "Đồng ý", meeting.id, issue.version)
    issue = svc.record_decision(
        engine, a["dpi"], issue.id, "Đồng ý bổ sung kinh phí.", meeting.id, issue.version
    )
    assert issue.status == "resolved" and issue.decided_at_meeting_id == meeting.id
    assert issue.resolved_on == dt.date(2026, 4, 8) and not issue.for_next_meeting
    with pytest.raises(ValidationFailed):
        svc.mark_for_next_meeting(engine, a["stc"], issue.id, issue.version)
    actions = [e.action for e in _audit(engine)]
    assert actions == ["issue.create", "issue.for_next_meeting", "issue.propose", "issue.decide"]
    last = _audit(engine, "issue.decide")[0]
    assert json.loads(last.before)["status"] == "awaiting_decision"
    assert json.loads(last.after)["decision"] == "Đồng ý bổ sung kinh phí."
    # reopening clears the settled day
    issue = svc.update_issue(engine, a["dpi"], issue.id, issue.version, status="in_progress")
    assert issue.resolved_on is None


def test_nothing_is_written_when_a_step_fails(small):
    engine, a = small
    issue = svc.raise_issue(engine, a["stc"], province=PROVINCE, title="Một vướng mắc", raised_by="LS-STC")
    with pytest.raises(ValidationFailed):
        svc.update_issue(engine, a["stc"], issue.id, 1, severity="high", admin_units=["not-a-unit"])
    stored = svc.get_issue(engine, issue.id)
    assert stored.severity == "medium" and stored.version == 1
    assert len(_audit(engine)) == 1
