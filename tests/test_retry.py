"""Writes that meet a lock are run again (``qh_data.retry``), as one transaction with one audit entry:

- every write service is wrapped (a function that opens ``session_scope`` without the wrapper fails here);
- SQLite: another connection holds the write lock; the service is refused once, runs again when the lock
  is gone and lands once; a lock that stays ends in ``DatabaseBusy``'s sentence with nothing written;
- PostgreSQL: the service deadlocks with another transaction, the server aborts the service's attempt,
  and the second attempt lands once;
- what is retried (SQLite's lock, PostgreSQL's deadlock / serialization failure / lock not available)
  and what is not; a retried service called inside another runs once.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sqlite3
import threading
import time

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from qh_data import retry
from qh_data.db import make_engine, read_session
from qh_data.errors import DatabaseUnavailable
from qh_data.models import AuditEntry, Task, TaskUpdate
from qh_data.services import tasks as task_service
from tests.intake_helpers import actor, checksum

WRITE_MODULES = ("qh_data.services.tasks", "qh_data.services.issues", "qh_data.services.users",
                 "qh_data.services.signers", "qh_data.services.meetings", "qh_data.services.agenda", "qh_data.services.conclusions",
                 "qh_data.services.values", "qh_data.intake.tasks_io", "qh_data.auth")


def test_every_write_service_runs_under_the_retry_wrapper():
    checked = []
    for name in WRITE_MODULES:
        module = importlib.import_module(name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != name or "session_scope(" not in inspect.getsource(fn):
                continue
            checked.append(fname)
            assert getattr(fn, "retried", False), f"{name}.{fname} writes without retry.retrying()"
    assert {"update_progress", "update_issue", "change_role", "import_figures", "commit_tasks",
            "create_meeting", "add_agenda_items", "save_conclusions",
            "authenticate"} <= set(checked)


# --- a lock met by a real write, on both backends ---------------------------------------------------------


def _history(engine, task_id: int) -> tuple[int, int]:
    with read_session(engine) as s:
        return (s.scalar(select(func.count(TaskUpdate.id)).where(TaskUpdate.task_id == task_id)),
                s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "task",
                                                                 AuditEntry.entity_id == str(task_id))))


def _open_task(engine) -> Task:
    with read_session(engine) as s:
        task = s.scalars(select(Task).where(Task.status == "in_progress").order_by(Task.id)).first()
        s.expunge(task)
    return task


def _short_wait_engine(url):
    """The app's engine with SQLite waiting 50 ms (not 5 s) for the write lock before refusing."""
    eng = make_engine(url)

    @event.listens_for(eng, "connect")
    def _short_busy(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    return eng


class _Refusals(logging.Handler):
    """Counts the retry's "refused" lines; ``first`` runs once, at the first refusal."""

    def __init__(self, first=None):
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.first = first

    def emit(self, record):
        self.lines.append(record.getMessage())
        if self.first is not None and len(self.lines) == 1:
            self.first()


@pytest.fixture
def refusals():
    logger = logging.getLogger("qh.retry")
    handler, level = _Refusals(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _sqlite_lock_then_release(engine, refusals, save):
    """Another connection holds SQLite's write lock until the service has been refused once."""
    other = sqlite3.connect(make_url(engine.url).database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")

    def release():
        other.execute("ROLLBACK")
        other.close()

    refusals.first = release
    return save()


def _pg_deadlock(engine, refusals, save, editor_id: int, task_id: int):
    """Another transaction locks the editor's account row, the service (holding the task row) waits for it,
    then the other asks for the task row: a deadlock; the server aborts the first waiter, the service."""
    outcome: dict = {}

    def run():
        try:
            outcome["saved"] = save()
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            outcome["error"] = exc

    with engine.connect() as other, engine.connect() as watch:
        other.exec_driver_sql("SET deadlock_timeout = '60s'")  # the service, not this one, detects it
        other.execute(text("SELECT id FROM app_user WHERE id = :u FOR UPDATE"), {"u": editor_id})
        service = threading.Thread(target=run)
        service.start()
        waiting = text("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                       "WHERE NOT l.granted AND a.datname = current_database()")
        while not watch.execute(waiting).scalar() and service.is_alive():
            watch.rollback()
            time.sleep(0.05)
        other.execute(text("SELECT id FROM task WHERE id = :t FOR UPDATE"), {"t": task_id})
        other.rollback()
        service.join(60)
    assert "error" not in outcome, outcome.get("error")
    return outcome["saved"]


def test_a_write_that_meets_a_lock_runs_again_and_lands_once(demo_engine, refusals):
    backend = demo_engine.dialect.name
    engine = _short_wait_engine(demo_engine.url) if backend == "sqlite" else demo_engine
    editor = actor(engine, "dpi")
    task = _open_task(engine)
    updates0, audit0 = _history(engine, task.id)

    def save():
        return task_service.update_progress(engine, editor, task.id,
                                            task_service.ProgressChange("in_progress", 65, "sau khi chờ"),
                                            task.version)

    if backend == "sqlite":
        saved = _sqlite_lock_then_release(engine, refusals, save)
        assert refusals.lines and "database is locked" in refusals.lines[0]
    else:
        saved = _pg_deadlock(engine, refusals, save, editor.user_id, task.id)
        assert refusals.lines and "SQLSTATE 40P01" in refusals.lines[0]
    assert saved.version == task.version + 1 and saved.percent_done == 65
    assert _history(engine, task.id) == (updates0 + 1, audit0 + 1)  # one transaction, one audit entry
    if engine is not demo_engine:
        engine.dispose()


def test_a_lock_that_stays_is_one_clear_sentence_and_nothing_is_written(sqlite_demo_url, refusals):
    engine = _short_wait_engine(sqlite_demo_url)
    editor = actor(engine, "dpi")
    task = _open_task(engine)
    before = checksum(engine)
    other = sqlite3.connect(make_url(sqlite_demo_url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(retry.DatabaseBusy) as err:
            task_service.update_progress(engine, editor, task.id, task_service.ProgressChange("done", 100),
                                         task.version)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert isinstance(err.value, DatabaseUnavailable)
    assert err.value.message("vi") == (
        f"Cơ sở dữ liệu đang bận vì một thao tác ghi khác; đã thử {retry.DEFAULT_ATTEMPTS} lần nhưng chưa lưu "
        "được. Chưa có thay đổi nào được ghi; hãy bấm lưu lại sau ít giây.")
    assert err.value.message("en").startswith("The database is busy with another write")
    assert len(refusals.lines) == retry.DEFAULT_ATTEMPTS  # refusals retried, then the one reported
    assert checksum(engine) == before
    engine.dispose()


# --- what is retried ---------------------------------------------------------------------------------


class _PgError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(("exc", "retried"), [
    (OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")), True),
    (OperationalError("UPDATE", {}, _PgError("40P01")), True),  # deadlock detected
    (OperationalError("UPDATE", {}, _PgError("40001")), True),  # serialization failure
    (OperationalError("SELECT", {}, _PgError("55P03")), True),  # lock not available
    (IntegrityError("INSERT", {}, _PgError("23505")), False),  # unique violation: a real conflict
    (OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")), False),
    (ValueError("database is locked"), False),
])
def test_which_refusals_are_retried(exc, retried):
    assert retry.is_retryable(exc) is retried


def test_a_retried_service_inside_another_runs_once_and_the_outer_call_retries():
    calls: list[str] = []

    @retry.retrying(attempts=3, first_delay=0)
    def inner():
        calls.append("inner")
        raise OperationalError("UPDATE", {}, _PgError("40P01"))

    @retry.retrying(attempts=2, first_delay=0)
    def outer():
        calls.append("outer")
        return inner()

    with pytest.raises(retry.DatabaseBusy) as err:
        outer()
    assert calls == ["outer", "inner", "outer", "inner"] and err.value.attempts == 2
