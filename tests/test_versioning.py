"""Optimistic locking through one mechanism (``qh_data.versioning``), on SQLite and PostgreSQL:

- every table with a ``version`` column is versioned by the ORM (``version_id_col``), so an update of a
  row someone else changed since it was read is refused (``StaleEdit``) and nothing is written;
- ``check_expected`` refuses a save made on an older version, naming who changed the row and when, for a
  task, an issue and an account alike;
- a save bumps the version once, and the history line and audit entry carry the new one.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from qh_data import clock, versioning
from qh_data.db import read_session, session_scope
from qh_data.errors import StaleEdit
from qh_data.models import VERSIONED, AuditEntry, Base, Issue, Task, TaskUpdate, User
from qh_data.services import issues as issue_service
from qh_data.services import tasks as task_service
from qh_data.services import users as user_service
from tests.intake_helpers import actor, checksum

AT = dt.datetime(2026, 11, 20, 10, 30)


@pytest.fixture
def frozen():
    clock.freeze(AT)
    yield
    clock.freeze(None)


def _first(engine, model, *where):
    with read_session(engine) as s:
        obj = s.scalars(select(model).where(*where).order_by(model.id)).first()
        s.expunge(obj)
    return obj


def test_every_table_with_a_version_column_is_versioned_by_the_orm():
    with_version = {m.class_ for m in Base.registry.mappers if "version" in m.columns}
    assert with_version - {TaskUpdate} == set(VERSIONED)  # TaskUpdate.version records the task's version
    for model in VERSIONED:
        assert inspect(model).version_id_col is model.__table__.c.version
    assert inspect(TaskUpdate).version_id_col is None


def test_a_row_changed_between_read_and_write_is_refused_by_the_orm_and_nothing_is_written(demo_engine):
    task = _first(demo_engine, Task, Task.status == "in_progress")
    before = checksum(demo_engine)
    with pytest.raises(StaleEdit) as err, session_scope(demo_engine) as s:
        mine = s.get(Task, task.id)
        # another writer moves the row on after this transaction read it (a statement the ORM does not see)
        s.execute(update(Task).where(Task.id == task.id).values(version=Task.version + 1)
                  .execution_options(synchronize_session=False))
        mine.title = "Tiêu đề mới"
        s.flush()
    assert "người khác" in err.value.message("vi") and "Nothing was written" in err.value.message("en")
    assert checksum(demo_engine) == before


def test_two_plain_sessions_the_second_update_is_caught_by_the_version_column(demo_engine):
    issue = _first(demo_engine, Issue, Issue.status == "open")
    with Session(demo_engine) as first, Session(demo_engine) as second:
        a, b = first.get(Issue, issue.id), second.get(Issue, issue.id)
        a.severity = "critical"
        versioning.bump(a)  # what every service does with a save
        first.commit()
        b.severity = "low"
        with pytest.raises(StaleDataError):
            second.commit()
    stored = _first(demo_engine, Issue, Issue.id == issue.id)
    assert (stored.severity, stored.version) == ("critical", issue.version + 1)


def test_a_stale_save_names_who_changed_the_task_the_issue_and_the_account(demo_engine, frozen):
    dpi, admin = actor(demo_engine, "dpi"), actor(demo_engine, "admin")
    task = _first(demo_engine, Task, Task.status == "in_progress")
    issue = _first(demo_engine, Issue, Issue.status == "open")
    user = _first(demo_engine, User, User.username == "viewer")

    task_service.update_progress(demo_engine, dpi, task.id, task_service.ProgressChange("in_progress", 50),
                                 task.version)
    issue_service.update_issue(demo_engine, dpi, issue.id, issue.version, severity="critical")
    user_service.update_details(demo_engine, admin, user.id, display_name="Người xem", email=None,
                                expected_version=user.version)

    refusals = []
    with pytest.raises(StaleEdit) as err:
        task_service.update_progress(demo_engine, admin, task.id, task_service.ProgressChange("done", 100),
                                     task.version)
    refusals.append((err.value, "Nhiệm vụ này", dpi.display_name, task.version + 1))
    with pytest.raises(StaleEdit) as err:
        issue_service.update_issue(demo_engine, admin, issue.id, issue.version, severity="low")
    refusals.append((err.value, "Khó khăn, vướng mắc này", dpi.display_name, issue.version + 1))
    with pytest.raises(StaleEdit) as err:
        user_service.change_role(demo_engine, admin, user.id, "dpi_editor", "LS-SKHDT",
                                 expected_version=user.version)
    refusals.append((err.value, "Tài khoản viewer", admin.display_name, user.version + 1))

    for exc, subject, who, version in refusals:
        assert exc.changed_by == who and exc.changed_at == AT and exc.current_version == version
        assert exc.message("vi") == (f"{subject} vừa được {who} thay đổi lúc 20/11/2026 10:30; hãy tải lại để "
                                     "xem nội dung mới rồi cập nhật lại.")
        assert f"was changed by {who} at 20/11/2026 10:30" in exc.message("en")
    assert _first(demo_engine, User, User.id == user.id).role == "viewer"


def test_a_save_without_a_version_is_refused(demo_engine):
    task = _first(demo_engine, Task, Task.status == "in_progress")
    with session_scope(demo_engine) as s, pytest.raises(StaleEdit):
        versioning.check_expected(s, s.get(Task, task.id), None)


def test_each_save_bumps_the_version_once_and_its_history_records_the_new_one(demo_engine):
    editor = actor(demo_engine, "dpi")
    task = _first(demo_engine, Task, Task.status == "in_progress")
    issue = _first(demo_engine, Issue, Issue.status == "open")
    user = _first(demo_engine, User, User.username == "viewer")
    saved = task_service.update_progress(demo_engine, editor, task.id,
                                         task_service.ProgressChange("in_progress", 35, "ghi chú"), task.version)
    decided = issue_service.mark_for_next_meeting(demo_engine, editor, issue.id, issue.version,
                                                  not issue.for_next_meeting)
    renamed = user_service.update_details(demo_engine, actor(demo_engine, "admin"), user.id,
                                          display_name="Người xem 2", email=None, expected_version=user.version)
    assert (saved.version, decided.version, renamed.version) == (task.version + 1, issue.version + 1,
                                                                 user.version + 1)
    with read_session(demo_engine) as s:
        line = s.scalars(select(TaskUpdate.version).where(TaskUpdate.task_id == task.id)
                         .order_by(TaskUpdate.id.desc())).first()
        after = dict(s.execute(select(AuditEntry.entity, AuditEntry.after)
                               .order_by(AuditEntry.id.desc()).limit(3)).all())
        stored = s.get(Task, task.id).version
    assert line == stored == task.version + 1
    assert f'"version": {task.version + 1}' in after["task"]
    assert f'"version": {issue.version + 1}' in after["issue"]
    assert f'"version": {user.version + 1}' in after["user"]


def test_who_changed_a_row_without_its_own_columns_comes_from_the_audit_trail(demo_engine, frozen):
    admin = actor(demo_engine, "admin")
    user = _first(demo_engine, User, User.username == "viewer")
    user_service.update_details(demo_engine, admin, user.id, display_name="Người xem", email=None)
    with read_session(demo_engine) as s:
        who, when = versioning.last_change(s, s.get(User, user.id))
        n = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "user",
                                                             AuditEntry.entity_id == str(user.id)))
    assert (who, when) == (admin.display_name, AT) and n >= 1
