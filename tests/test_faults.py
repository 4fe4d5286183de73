"""Faults: the database goes away and comes back, a write dies half way or is read while open.

- Outage: a PostgreSQL server of this test's own (initdb + pg_ctl on a free port, tests/pg_instance.py;
  the shared server is never stopped) is stopped while the app is in use. The app (AppTest running
  dashboard/app.py) shows exactly one sentence, ``db.unavailable``'s, and no exception; when the
  server is back, the same session shows the page again on its next run, without a restart.
- Half-way writes: a transaction that raises half way, and a writer process killed with SIGKILL in the
  middle of its transaction, leave every table exactly as it was (whole-store comparison).

SQLite locks are in ``test_faults_sqlite_lock.py``, broken boundary files in ``test_faults_boundaries.py``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apptest_helpers import open_page, read_back
from pg_instance import PgInstance
from reliability_helpers import actor, content, held_meeting, open_task, row_count
from sqlalchemy import func, select

from qh_data import audit, clock, db, retry, schema
from qh_data.db import make_engine, read_session
from qh_data.errors import DatabaseUnavailable, QHError
from qh_data.models import Task
from qh_data.services import conclusions as conclusion_svc
from qh_data.services import tasks as task_service

ROOT = Path(__file__).resolve().parents[1]
# The indicators page is left out of the outage runs: AppTest cannot rerun its formatted district
# selectbox (its value is a code, the options AppTest keeps are the shown names), which is a limit of
# AppTest, not of the page.
OUTAGE_PAGES = ["overview.py", "progress.py", "tasks.py", "issues.py", "meetings.py", "slideshow.py", "map.py"]


# --- the database goes away and comes back --------------------------------------------------------


@pytest.fixture(scope="module")
def own_pg():
    """A seeded demo store on a PostgreSQL server this module starts, stops and restarts itself."""
    from qh_data import demo

    pg = PgInstance.create()
    try:
        url = pg.createdb("qh_fault")
        eng = make_engine(url)
        schema.upgrade(eng)
        demo.seed(eng, quiet=True)
        eng.dispose()
        yield pg, url
    finally:
        pg.destroy()


@pytest.fixture
def running_pg(own_pg):
    pg, url = own_pg
    if not pg.is_running():
        pg.start()
    yield pg, url
    if not pg.is_running():
        pg.start()


def _outage_sentence(url: str) -> str:
    return db.unavailable(make_engine(url), Exception("down")).message_vi


def _run_until(at, done, *, limit: float = 30.0):
    """Run the app again until ``done(at)`` holds (cached figures expire after a second or so)."""
    deadline = time.monotonic() + limit
    while True:
        at.run()
        if done(at) or time.monotonic() > deadline:
            return at
        time.sleep(0.3)


@pytest.mark.parametrize("page", OUTAGE_PAGES)
def test_app_says_one_sentence_during_an_outage_and_recovers_by_itself(running_pg, monkeypatch, page):
    pg, url = running_pg
    monkeypatch.setenv("QH_DATABASE_URL", url)
    monkeypatch.setenv("QH_AUTH", "none")
    at = open_page(page)
    assert not at.exception and not at.error
    title_before = [t.value for t in at.title]
    assert title_before, "the page shows its title while the database is up"

    pg.stop()
    _run_until(at, lambda a: bool(a.error))
    assert not at.exception, [e.value for e in at.exception]
    assert [read_back(e.value) for e in at.error] == [_outage_sentence(url)]  # one sentence, whichever run hit it
    assert not at.dataframe  # no figures from nowhere

    # still down: still one sentence, never a traceback; once the shell's own check notices, the page
    # is replaced by that sentence and a retry button
    _run_until(at, lambda a: [b.label for b in a.button] == ["Thử lại"])
    assert [read_back(e.value) for e in at.error] == [_outage_sentence(url)] and not at.exception
    assert [b.label for b in at.button] == ["Thử lại"] and not at.title

    pg.start()
    _run_until(at, lambda a: not a.error and bool(a.title))  # the same session, no restart
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == title_before


def test_a_page_the_database_leaves_half_way_shows_only_the_sentence(sqlite_demo_url, monkeypatch):
    """The server goes away between two queries of one run (the overview's overdue table is drawn,
    the last meeting's query fails): nothing drawn before the failure stays beside the sentence."""
    from sqlalchemy.exc import OperationalError

    from qh_data import queries

    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)  # a fresh copy: no cached answer to hide the failure
    monkeypatch.setenv("QH_AUTH", "none")
    at = open_page("overview.py")
    assert at.dataframe and not at.error, "the overview draws its overdue table while the database is up"

    def gone(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(queries, "last_meeting", gone)
    at = open_page("overview.py", {"asof": "2026-11-30"})  # another day: every query of the page is asked again
    assert not at.exception, [e.value for e in at.exception]
    assert [read_back(e.value) for e in at.error] == [_outage_sentence(sqlite_demo_url)]
    assert not at.dataframe and not at.metric


def test_a_save_during_an_outage_is_one_sentence_and_works_once_the_server_is_back(running_pg):
    pg, url = running_pg
    engine = make_engine(url)
    try:
        editor = actor(engine, "dpi")
        task = open_task(engine)
        change = task_service.ProgressChange("in_progress", 55, "Đã rà soát")
        pg.stop()
        with pytest.raises(DatabaseUnavailable) as err:
            retry.retry_locked(task_service.update_progress, engine, editor, task.id, change,
                               expected_version=task.version)
        assert err.value.message_vi == _outage_sentence(url)
        pg.start()
        saved = retry.retry_locked(task_service.update_progress, engine, editor, task.id, change,
                                   expected_version=task.version)
        assert saved.version == task.version + 1 and saved.percent_done == 55
    finally:
        engine.dispose()


# --- a write that dies half way leaves nothing behind ---------------------------------------------


def _all_members_drafts(n: int = 3):
    due = clock.today() + dt.timedelta(days=30)
    return [conclusion_svc.ConclusionDraft(text=f"Kết luận thử nghiệm số {i}: mọi thành viên báo cáo.",
                                            all_members=True, due_on=due) for i in range(n)]


def test_a_transaction_that_raises_half_way_leaves_every_table_unchanged(demo_engine, monkeypatch):
    dpi = actor(demo_engine, "dpi")
    meeting = held_meeting(demo_engine)
    before = content(demo_engine)
    calls = {"n": 0}
    original = audit.record

    def failing_record(session, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 25:  # well inside: a conclusion and a couple of dozen tasks already flushed
            session.flush()
            raise RuntimeError("power cut half way")
        return original(session, *args, **kwargs)

    monkeypatch.setattr(audit, "record", failing_record)
    with pytest.raises(RuntimeError, match="power cut"):
        conclusion_svc.save_conclusions(demo_engine, dpi, meeting.id, _all_members_drafts())
    assert calls["n"] == 25
    monkeypatch.setattr(audit, "record", original)
    assert content(demo_engine) == before
    # and the same write, not interrupted, goes through afterwards
    result = conclusion_svc.save_conclusions(demo_engine, dpi, meeting.id, _all_members_drafts())
    assert len(result.tasks_created) > 25


KILLED_WRITER = r"""
import sys, time
from sqlalchemy import select
from qh_data import audit, clock
from qh_data.auth import actor_of
from qh_data.db import make_engine, read_session
from qh_data.models import User
from qh_data.services import conclusions as conclusion_svc
import datetime as dt

url, meeting_id, stop_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = make_engine(url)
with read_session(engine) as s:
    dpi = actor_of(s.scalar(select(User).where(User.username == "dpi")))
calls = {"n": 0}
original = audit.record

def record(session, *args, **kwargs):
    entry = original(session, *args, **kwargs)
    calls["n"] += 1
    if calls["n"] == stop_at:
        session.flush()  # rows written inside the open transaction
        print("MIDWAY", flush=True)
        time.sleep(600)  # killed here
    return entry

audit.record = record
due = clock.today() + dt.timedelta(days=30)
drafts = [conclusion_svc.ConclusionDraft(text=f"Kết luận {i}", all_members=True, due_on=due) for i in range(3)]
conclusion_svc.save_conclusions(engine, dpi, meeting_id, drafts)
print("FINISHED", flush=True)
"""


def test_a_writer_killed_mid_transaction_leaves_nothing_behind(demo_engine):
    meeting = held_meeting(demo_engine)
    before = content(demo_engine)
    url = demo_engine.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, url, str(meeting.id), "40"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        assert line == "MIDWAY", proc.stderr.read()
        with read_session(demo_engine) as s:  # the half-written rows are invisible to others
            assert s.scalar(select(func.count(Task.id))) == len(before["task"])
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    demo_engine.dispose()
    assert content(demo_engine) == before
    # nothing is left locked: the same write goes through from here
    dpi = actor(demo_engine, "dpi")
    result = conclusion_svc.save_conclusions(demo_engine, dpi, meeting.id, _all_members_drafts())
    assert len(result.tasks_created) > 25


KILLED_IMPORT = r"""
import sys, time
from sqlalchemy import select
from qh_data import intake
from qh_data.auth import actor_of
from qh_data.db import make_engine, read_session
from qh_data.models import User
from qh_data.services import values as value_service

url, path = sys.argv[1], sys.argv[2]
engine = make_engine(url)
with read_session(engine) as s:
    dpi = actor_of(s.scalar(select(User).where(User.username == "dpi")))
with open(path, "rb") as fh:
    plan = intake.dry_run(engine, dpi, fh.read(), "bi-ngat-giua-chung.xlsx")
assert plan.ok and len(plan.to_write) > 30, (plan.errors, len(plan.to_write))
value_service.WRITE_BATCH = 10

def progress(done, total, stage):
    if done >= 20:  # two batches of figures inserted inside the open transaction
        print("MIDWAY", done, total, flush=True)
        time.sleep(600)  # killed here

intake.commit(engine, dpi, plan, progress=progress)
print("FINISHED", flush=True)
"""


def _filled_values_file(engine, path) -> Path:
    """A district's figures template with every figure filled in, as a department would send it back."""
    from qh_data import intake
    from tests.intake_helpers import COL, data_rows, edit

    def fill(wb):
        ws = wb["Số liệu"]
        for i, (r, _cells) in enumerate(data_rows(ws)):
            ws.cell(r, COL["value"]).value = 10 + (i % 50) * 0.5

    tpl = intake.values_template(engine, district="180",
                                 slots=[("2025-H1", "actual"), ("2024-H2", "estimate"), ("2025", "estimate")])
    path.write_bytes(edit(tpl.data, fill))
    return path


def test_an_import_killed_half_way_leaves_nothing_behind(demo_engine, tmp_path):
    from qh_data import intake

    upload = _filled_values_file(demo_engine, tmp_path / "huyen-180.xlsx")
    before = content(demo_engine)
    url = demo_engine.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, url, str(upload)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("MIDWAY"), proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    demo_engine.dispose()
    assert content(demo_engine) == before  # not one figure, revision or audit line of the import
    # the same file, imported again from the start, goes through whole
    dpi = actor(demo_engine, "dpi")
    plan = intake.dry_run(demo_engine, dpi, upload.read_bytes(), "huyen-180.xlsx")
    result = intake.commit(demo_engine, dpi, plan)
    assert result["written"] == len(plan.to_write) > 30


def test_a_failed_write_is_not_half_visible_to_readers_meanwhile(demo_engine, monkeypatch):
    """While a big write is open, readers see the store as it was before it (no torn reads)."""
    dpi = actor(demo_engine, "dpi")
    meeting = held_meeting(demo_engine)
    n_tasks = row_count({"t": content(demo_engine)["task"]})
    seen: list[int] = []
    original = audit.record

    def peeking_record(session, *args, **kwargs):
        entry = original(session, *args, **kwargs)
        if len(seen) < 1 and args[1] == "task.create":
            session.flush()
            with read_session(demo_engine) as other:
                seen.append(other.scalar(select(func.count(Task.id))))
            raise QHError("dừng", "stop")
        return entry

    monkeypatch.setattr(audit, "record", peeking_record)
    with pytest.raises(QHError):
        conclusion_svc.save_conclusions(demo_engine, dpi, meeting.id, _all_members_drafts(1))
    assert seen == [n_tasks]
