"""Faults: SQLite "database is locked" under two writers. ``qh_data.retry`` runs the write again and both
writes land; a lock that never goes away ends in ``DatabaseBusy``'s one sentence, nothing written."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from reliability_helpers import actor, checksum, open_task
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from qh_data import audit, retry
from qh_data.db import make_engine, read_session
from qh_data.errors import DatabaseUnavailable, StaleEdit
from qh_data.models import AuditEntry, Task, TaskUpdate
from qh_data.services import tasks as task_service


def _short_wait_engine(url: str):
    """The app's engine, with SQLite waiting 50 ms (not 5 s) for the write lock before refusing."""
    eng = make_engine(url)

    @event.listens_for(eng, "connect")
    def _short_busy(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    return eng


def _sqlite_path(url: str) -> str:
    return make_url(url).database


def _history(engine) -> tuple[int, int]:
    with read_session(engine) as s:
        return s.scalar(select(func.count(TaskUpdate.id))), s.scalar(select(func.count(AuditEntry.id)))


def test_locked_write_is_retried_and_both_writers_land(sqlite_demo_url, monkeypatch):
    engine = _short_wait_engine(sqlite_demo_url)
    dpi = actor(engine, "dpi")
    with read_session(engine) as s:
        first, second = s.scalars(select(Task).where(Task.status == "in_progress").order_by(Task.id)).all()[:2]
        s.expunge_all()
    updates0, audit0 = _history(engine)

    holding, release = threading.Event(), threading.Event()
    original = audit.record

    def slow_record(session, *args, **kwargs):
        entry = original(session, *args, **kwargs)
        if threading.current_thread().name == "writer-a":
            session.flush()  # writer A now holds SQLite's write lock ...
            holding.set()
            release.wait(30)  # ... until writer B has been refused once
        return entry

    monkeypatch.setattr(audit, "record", slow_record)
    outcome: dict[str, object] = {}

    def writer_a():
        try:
            outcome["a"] = task_service.update_progress(
                engine, dpi, first.id, task_service.ProgressChange("in_progress", 70, "A"), first.version)
        except Exception as exc:  # noqa: BLE001 - reported by the assert below
            outcome["a"] = exc

    thread = threading.Thread(target=writer_a, name="writer-a")
    thread.start()
    assert holding.wait(30)
    refusals: list[str] = []

    def on_retry(attempt, exc):
        refusals.append(str(exc.orig))
        release.set()  # writer A may commit now

    saved_b = retry.retry_locked(task_service.update_progress, engine, dpi, second.id,
                                 task_service.ProgressChange("in_progress", 80, "B"),
                                 expected_version=second.version, attempts=20, first_delay=0.02,
                                 on_retry=on_retry)
    thread.join(30)
    assert refusals and refusals[0] == "database is locked"
    assert not isinstance(outcome["a"], Exception), outcome["a"]
    assert outcome["a"].percent_done == 70 and saved_b.percent_done == 80
    assert _history(engine) == (updates0 + 2, audit0 + 2)
    engine.dispose()


def test_a_lock_that_stays_ends_in_one_clear_sentence_and_writes_nothing(sqlite_demo_url):
    engine = _short_wait_engine(sqlite_demo_url)
    dpi = actor(engine, "dpi")
    task = open_task(engine)
    before = checksum(engine)
    other = sqlite3.connect(_sqlite_path(sqlite_demo_url), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer that never lets go
    tries: list[int] = []
    try:
        with pytest.raises(retry.DatabaseBusy) as err:
            retry.retry_locked(task_service.update_progress, engine, dpi, task.id,
                               task_service.ProgressChange("done", 100, "xong"),
                               expected_version=task.version, attempts=4, first_delay=0.01,
                               on_retry=lambda n, exc: tries.append(n))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert tries == [1, 2, 3]
    assert isinstance(err.value, DatabaseUnavailable)  # pages show it like any outage: one sentence
    assert err.value.message_vi.startswith("Cơ sở dữ liệu đang bận")
    assert "4 lần" in err.value.message_vi and "Chưa có thay đổi nào được ghi" in err.value.message_vi
    assert err.value.message("en").startswith("The database is busy")
    assert checksum(engine) == before
    engine.dispose()


def test_retry_leaves_other_errors_alone():
    calls = []

    def stale():
        calls.append(1)
        raise StaleEdit("cũ", "stale")

    with pytest.raises(StaleEdit):
        retry.retry_locked(stale, attempts=5, first_delay=0)
    assert calls == [1]

    def broken_sql():
        calls.append(2)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such column: x"))

    with pytest.raises((DatabaseUnavailable, OperationalError)):  # not a lock: not retried
        retry.retry_locked(broken_sql, attempts=5, first_delay=0)
    assert calls == [1, 2]
    assert retry.is_locked(OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked")))
    assert not retry.is_locked(ValueError("database is locked"))

    @retry.retrying(attempts=3, first_delay=0)
    def flaky(box=[]):  # noqa: B006 - the list counts the calls
        box.append(1)
        if len(box) < 3:
            raise OperationalError("UPDATE", {}, sqlite3.OperationalError("database is locked"))
        return len(box)

    assert flaky() == 3
