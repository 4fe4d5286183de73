"""Task progress updates: permission hook, stale-edit refusal, history and audit, on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from seeding import units
from sqlalchemy import func, select

from qh_data import clock
from qh_data.db import session_scope
from qh_data.errors import PermissionDenied, StaleEdit, ValidationFailed
from qh_data.models import AdminUnitVersion, Agency, AuditEntry, Task, TaskUpdate, User
from qh_data.permissions import Actor
from qh_data.services.tasks import ProgressChange, update_progress


@pytest.fixture
def register(engine):
    now = dt.datetime(2026, 11, 1, 9, 0)
    with session_scope(engine) as s:
        U = units(s)
        s.add(AdminUnitVersion(code="20", name="Lạng Sơn", level="province"))
        s.flush()
        U = units(s)
        s.add_all([Agency(code="LS-SXD", name="Sở Xây dựng tỉnh Lạng Sơn", kind="so", province_unit=U["20"]),
                   Agency(code="LS-SCT", name="Sở Công Thương tỉnh Lạng Sơn", kind="so", province_unit=U["20"])])
        s.flush()
        U = units(s)
        s.add_all([
            User(id=1, username="an", display_name="Nguyễn Văn An", role="agency_editor", agency_code="LS-SXD",
                 created_at=now),
            User(id=2, username="binh", display_name="Trần Thị Bình", role="dpi_editor", created_at=now),
        ])
        s.add(Task(id=1, code="LS-T-001", title="Rà soát quy hoạch xây dựng vùng huyện", province_unit=U["20"],
                   lead_agency_code="LS-SXD", assigned_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 12, 1),
                   status="not_started", percent_done=0, version=1, created_at=now, updated_at=now))
    return engine


AN = Actor(user_id=1, username="an", role="agency_editor", agency_code="LS-SXD", display_name="Nguyễn Văn An")
BINH = Actor(user_id=2, username="binh", role="dpi_editor", agency_code=None, display_name="Trần Thị Bình")


def _counts(engine):
    with session_scope(engine) as s:
        return (s.scalar(select(func.count(TaskUpdate.id))), s.scalar(select(func.count(AuditEntry.id))))


def test_update_writes_history_and_audit_and_bumps_version(register):
    clock.freeze(dt.datetime(2026, 11, 20, 10, 30))
    try:
        task = update_progress(register, AN, 1, ProgressChange("in_progress", 40, "Đã lập đề cương"), 1)
    finally:
        clock.freeze(None)
    assert task.version == 2 and task.percent_done == 40
    with session_scope(register) as s:
        upd = s.scalars(select(TaskUpdate)).one()
        entry = s.scalars(select(AuditEntry)).one()
    assert (upd.status, upd.percent_done, upd.note, upd.user_id) == ("in_progress", 40, "Đã lập đề cương", 1)
    assert entry.action == "task.update" and entry.entity == "task" and entry.entity_id == "1"
    assert '"percent_done": 0' in entry.before and '"percent_done": 40' in entry.after
    assert entry.username == "an"


def test_stale_edit_is_refused_and_names_who_changed_it(register):
    clock.freeze(dt.datetime(2026, 11, 20, 10, 30))
    try:
        update_progress(register, BINH, 1, ProgressChange("in_progress", 20), expected_version=1)
        before = _counts(register)
        with pytest.raises(StaleEdit) as err:
            update_progress(register, AN, 1, ProgressChange("done", 100, "xong"), expected_version=1)
    finally:
        clock.freeze(None)
    assert "Trần Thị Bình" in err.value.message_vi and "20/11/2026 10:30" in err.value.message_vi
    assert "Trần Thị Bình" in err.value.message_en
    assert err.value.current_version == 2
    assert _counts(register) == before
    with session_scope(register) as s:
        assert s.get(Task, 1).status == "in_progress"


def test_agency_editor_cannot_update_another_agencys_task(register):
    other = Actor(user_id=None, username="cuong", role="agency_editor", agency_code="LS-SCT")
    with pytest.raises(PermissionDenied):
        update_progress(register, other, 1, ProgressChange("done", 100), expected_version=1)
    viewer = Actor(user_id=None, username="xem", role="viewer")
    with pytest.raises(PermissionDenied):
        update_progress(register, viewer, 1, ProgressChange("done", 100), expected_version=1)
    assert _counts(register) == (0, 0)


def test_bad_values_are_refused_before_writing(register):
    with pytest.raises(ValidationFailed):
        update_progress(register, AN, 1, ProgressChange("finished", 50), expected_version=1)
    with pytest.raises(ValidationFailed):
        update_progress(register, AN, 1, ProgressChange("in_progress", 140), expected_version=1)
    assert _counts(register) == (0, 0)


def test_done_sets_done_date_and_full_percent(register):
    clock.freeze(dt.datetime(2026, 11, 25, 8, 0))
    try:
        task = update_progress(register, AN, 1, ProgressChange("done", 80), expected_version=1)
    finally:
        clock.freeze(None)
    assert task.done_on == dt.date(2026, 11, 25) and task.percent_done == 100
