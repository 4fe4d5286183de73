"""No lost update: two editors saving the same task or issue; 100 interleaved conflicting saves.

The contract (qh_data.services.tasks / issues): a save carries the version the editor was looking at;
if somebody saved in between, the save is refused with ``StaleEdit`` naming who changed the record
and when, nothing of the refused save is written, and the editor can save again on the new version.
Every accepted save leaves exactly one history line (``TaskUpdate`` for tasks) and one audit entry,
with consecutive versions: a silent overwrite would show as two accepted saves of the same version.

The concurrent runs use threads that each read the record, wait for each other at a barrier, then
save at once: in every round exactly one save may win. They run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from reliability_helpers import actor, open_task
from sqlalchemy import func, select

from dashboard.i18n import translate
from qh_data import clock
from qh_data.auth import actor_of
from qh_data.db import read_session, session_scope
from qh_data.errors import StaleEdit
from qh_data.models import AuditEntry, Issue, Task, TaskUpdate, User
from qh_data.services import issues as issue_service
from qh_data.services import tasks as task_service

EDITORS = 4
ROUNDS = 25  # EDITORS * ROUNDS = 100 conflicting saves


def _t(hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(clock.today(), dt.time(hour, minute))


@pytest.fixture
def frozen():
    yield clock.freeze
    clock.freeze(None)


def _editors(engine, n: int = EDITORS, role: str = "dpi_editor"):
    """``n`` editors with distinct names who may all change any task and issue."""
    made = []
    with session_scope(engine) as s:
        agency = s.scalar(select(User.agency_code).where(User.username == "dpi"))
        for i in range(n):
            user = User(username=f"race.{i}", display_name=f"Biên tập viên số {i}", role=role,
                        agency_code=agency, created_at=clock.now())
            s.add(user)
            s.flush()
            made.append(actor_of(user))
    return made


# --- two editors, one task --------------------------------------------------------------------------


def test_two_editors_one_task_the_second_is_told_who_and_when(demo_engine, frozen):
    a, b = actor(demo_engine, "editor.sxd"), actor(demo_engine, "dpi")
    task = open_task(demo_engine, "LS-SXD")
    with read_session(demo_engine) as s:
        updates0 = s.scalar(select(func.count(TaskUpdate.id)).where(TaskUpdate.task_id == task.id))
    frozen(_t(9, 20))
    task_service.update_progress(demo_engine, a, task.id,
                                 task_service.ProgressChange("in_progress", 60, "A: đã trình thẩm định"),
                                 task.version)
    frozen(_t(9, 25))
    typed = task_service.ProgressChange("done", 100, "B: đã hoàn thành, gửi kèm báo cáo")
    with pytest.raises(StaleEdit) as err:
        task_service.update_progress(demo_engine, b, task.id, typed, task.version)
    assert err.value.changed_by == a.display_name == "Cán bộ Sở Xây dựng"
    assert err.value.changed_at == _t(9, 20) and err.value.current_version == task.version + 1
    assert f"{a.display_name} thay đổi lúc {_t(9, 20):%d/%m/%Y %H:%M}" in err.value.message_vi
    assert a.display_name in err.value.message("en")
    with read_session(demo_engine) as s:
        now = s.get(Task, task.id)
        state = (now.status, now.percent_done, now.version)
        notes = s.scalars(select(TaskUpdate.note).where(TaskUpdate.task_id == task.id)
                          .order_by(TaskUpdate.id)).all()
    assert state == ("in_progress", 60, task.version + 1)
    assert len(notes) == updates0 + 1 and "B: đã hoàn thành, gửi kèm báo cáo" not in notes
    # B reloads and saves what they typed on the new version: nothing of it was lost
    task_service.update_progress(demo_engine, b, task.id, typed, err.value.current_version)
    with read_session(demo_engine) as s:
        notes = s.scalars(select(TaskUpdate.note).where(TaskUpdate.task_id == task.id)
                          .order_by(TaskUpdate.id)).all()
        versions = s.scalars(select(TaskUpdate.version).where(TaskUpdate.task_id == task.id)
                             .order_by(TaskUpdate.id)).all()
    assert notes[-2:] == ["A: đã trình thẩm định", "B: đã hoàn thành, gửi kèm báo cáo"]
    assert versions[-2:] == [task.version + 1, task.version + 2]


def test_two_editors_one_issue_the_second_is_told_who_and_when(demo_engine, frozen):
    a, b = _editors(demo_engine, 2)
    with read_session(demo_engine) as s:
        issue = s.scalars(select(Issue).where(Issue.status == "open").order_by(Issue.id)).first()
        s.expunge(issue)
    frozen(_t(14, 5))
    issue_service.record_proposed_solution(demo_engine, a, issue.id, "A: đề xuất bổ sung vốn", issue.version,
                                           submit_for_decision=False)
    frozen(_t(14, 7))
    with pytest.raises(StaleEdit) as err:
        issue_service.record_decision(demo_engine, b, issue.id, "B: giao Sở Tài chính cân đối", None,
                                      issue.version)
    assert err.value.changed_by == a.display_name and err.value.changed_at == _t(14, 5)
    assert f"{a.display_name} thay đổi lúc {_t(14, 5):%d/%m/%Y %H:%M}" in err.value.message_vi
    with read_session(demo_engine) as s:
        now = s.get(Issue, issue.id)
        assert now.decision is None and now.proposed_solution == "A: đề xuất bổ sung vốn"
        now_version = now.version
    assert now_version == issue.version + 1
    issue_service.record_decision(demo_engine, b, issue.id, "B: giao Sở Tài chính cân đối", None,
                                  err.value.current_version)
    with read_session(demo_engine) as s:
        now = s.get(Issue, issue.id)
        texts = (now.decision, now.proposed_solution)
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "issue",
                                                            AuditEntry.entity_id == str(issue.id))
                            .order_by(AuditEntry.id)).all()
    assert texts == ("B: giao Sở Tài chính cân đối", "A: đề xuất bổ sung vốn")
    assert actions[-2:] == ["issue.propose", "issue.decide"]


# --- 100 interleaved conflicting saves ----------------------------------------------------------------


def _race(engine, editors, rounds, read_version, save):
    """Each round: every editor reads the version, all wait, all save at once. Returns the outcomes."""
    start, end = threading.Barrier(len(editors)), threading.Barrier(len(editors))
    outcomes: list[tuple[int, int, str, object]] = []  # (round, editor index, "ok"/"stale"/"error", detail)
    lock = threading.Lock()

    def run(i: int):
        for r in range(rounds):
            version = read_version()
            start.wait(60)
            try:
                result = save(editors[i], version, f"r{r:02d}-e{i}")
                entry = (r, i, "ok", result)
            except StaleEdit as exc:
                entry = (r, i, "stale", exc)
            except Exception as exc:  # noqa: BLE001 - counted as an error below
                entry = (r, i, "error", repr(exc))
            with lock:
                outcomes.append(entry)
            end.wait(60)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(editors))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(300)
    assert not any(th.is_alive() for th in threads)
    return outcomes


def _check_rounds(outcomes, editors):
    assert len(outcomes) == EDITORS * ROUNDS
    assert [o for o in outcomes if o[2] == "error"] == []
    winners = Counter(r for r, _i, kind, _d in outcomes if kind == "ok")
    assert all(winners[r] == 1 for r in range(ROUNDS)), f"rounds with several winners: {winners}"
    names = {r: editors[i].display_name for r, i, kind, _d in outcomes if kind == "ok"}
    for r, _i, kind, exc in outcomes:  # every refused editor was told who won the round
        if kind == "stale":
            assert exc.changed_by == names[r]
    return sorted((r, i) for r, i, kind, _d in outcomes if kind == "ok")


def test_100_interleaved_task_saves_keep_every_accepted_change(demo_engine):
    editors = _editors(demo_engine)
    task = open_task(demo_engine)
    with read_session(demo_engine) as s:
        updates0 = s.scalar(select(func.count(TaskUpdate.id)).where(TaskUpdate.task_id == task.id))
        audit0 = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "task",
                                                                  AuditEntry.entity_id == str(task.id)))

    def read_version():
        with read_session(demo_engine) as s:
            return s.get(Task, task.id).version

    def save(editor, version, note):
        percent = int(note[1:3]) * 4  # each round its own figure
        return task_service.update_progress(demo_engine, editor, task.id,
                                            task_service.ProgressChange("in_progress", percent, note), version)

    outcomes = _race(demo_engine, editors, ROUNDS, read_version, save)
    accepted = _check_rounds(outcomes, editors)
    with read_session(demo_engine) as s:
        history = s.execute(select(TaskUpdate.version, TaskUpdate.note, TaskUpdate.percent_done)
                            .where(TaskUpdate.task_id == task.id).order_by(TaskUpdate.id)).all()[updates0:]
        entries = s.scalars(select(AuditEntry.after).where(AuditEntry.entity == "task",
                                                           AuditEntry.entity_id == str(task.id))
                            .order_by(AuditEntry.id)).all()[audit0:]
        final = s.get(Task, task.id)
        final = (final.version, final.percent_done)
    assert len(history) == len(accepted) == ROUNDS  # one history line per accepted save
    assert len(entries) == len(accepted)  # one audit entry per accepted save
    assert [v for v, _n, _p in history] == list(range(task.version + 1, task.version + 1 + ROUNDS))
    assert [n for _v, n, _p in history] == [f"r{r:02d}-e{i}" for r, i in accepted]
    assert [json.loads(e)["version"] for e in entries] == [v for v, _n, _p in history]
    assert final == (task.version + ROUNDS, history[-1][2])


def test_100_interleaved_issue_saves_keep_every_accepted_change(demo_engine):
    editors = _editors(demo_engine)
    with read_session(demo_engine) as s:
        issue = s.scalars(select(Issue).where(Issue.status == "open").order_by(Issue.id)).first()
        s.expunge(issue)
        audit0 = s.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == "issue",
                                                                  AuditEntry.entity_id == str(issue.id)))

    def read_version():
        with read_session(demo_engine) as s:
            return s.get(Issue, issue.id).version

    def save(editor, version, text):
        return issue_service.record_proposed_solution(demo_engine, editor, issue.id, f"Đề xuất {text}", version,
                                                      submit_for_decision=False)

    outcomes = _race(demo_engine, editors, ROUNDS, read_version, save)
    accepted = _check_rounds(outcomes, editors)
    with read_session(demo_engine) as s:
        entries = s.scalars(select(AuditEntry.after).where(AuditEntry.entity == "issue",
                                                           AuditEntry.entity_id == str(issue.id))
                            .order_by(AuditEntry.id)).all()[audit0:]
        final = s.get(Issue, issue.id)
        final = (final.version, final.proposed_solution)
    after = [json.loads(e) for e in entries]
    assert len(after) == len(accepted) == ROUNDS
    assert [a["version"] for a in after] == list(range(issue.version + 1, issue.version + 1 + ROUNDS))
    assert [a["proposed_solution"] for a in after] == [f"Đề xuất r{r:02d}-e{i}" for r, i in accepted]
    assert final == (issue.version + ROUNDS, after[-1]["proposed_solution"])


# --- the pages keep what the refused editor typed -------------------------------------------------------


@pytest.fixture
def page_store(sqlite_demo_url, monkeypatch):
    from qh_data.db import make_engine

    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    engine = make_engine(sqlite_demo_url)
    yield engine
    engine.dispose()


def _signed_in(page: str, who, params: dict):
    from apptest_helpers import APP
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["actor"] = who
    at.session_state["_auth_last_seen"] = clock.now()
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"../pages/{page}")
    return at.run()


def _save_meanwhile_through_a_page(fn, *args, **kwargs):
    """Another editor saves, as their page does: the service, then ``data.invalidate()``."""
    from dashboard import data

    result = fn(*args, **kwargs)
    data.invalidate()
    return result


def test_tasks_page_keeps_the_draft_when_another_editor_saved_first(page_store):
    a, b = actor(page_store, "editor.sxd"), actor(page_store, "dpi")
    task = open_task(page_store, "LS-SXD")
    at = _signed_in("tasks.py", a, {"q": task.code})
    codes = list(at.dataframe[0].value["code"])
    at.session_state["task_table"] = {"selection": {"rows": [codes.index(task.code)], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    _save_meanwhile_through_a_page(task_service.update_progress, page_store, b, task.id,
                                   task_service.ProgressChange("done", 100, "B: xong"), task.version)
    draft = "A: đang chờ ý kiến thẩm định của Bộ"
    at.text_area[0].input(draft)
    at.slider[0].set_value(45)
    next(x for x in at.button if x.label == translate("tasks.save", "vi")).click()
    at.run()
    assert not at.exception
    warning = " ".join(str(w.value) for w in at.warning)
    assert b.display_name in warning and translate("tasks.draft_kept", "vi") in warning
    assert at.text_area[0].value == draft and at.slider[0].value == 45
    with read_session(page_store) as s:
        now = s.get(Task, task.id)
        state = (now.status, now.percent_done, now.version)
    assert state == ("done", 100, task.version + 1)


def test_issues_page_keeps_the_draft_when_another_editor_saved_first(page_store):
    a, b = _editors(page_store, 2)
    with read_session(page_store) as s:
        issue = s.scalars(select(Issue).where(Issue.status == "open").order_by(Issue.id)).first()
        s.expunge(issue)
    at = _signed_in("issues.py", a, {"iss": str(issue.id)})
    assert not at.exception
    _save_meanwhile_through_a_page(issue_service.update_issue, page_store, b, issue.id, issue.version,
                                   severity="critical")
    draft = "Đồng ý về nguyên tắc; giao Sở Tài chính cân đối nguồn."
    at.text_area(key=f"decide_text_{issue.id}").input(draft)
    next(x for x in at.button if x.label == translate("issues.decide_submit", "vi")).click()
    at.run()
    assert not at.exception
    warning = " ".join(str(w.value) for w in at.warning)
    assert b.display_name in warning and translate("issues.draft_kept", "vi") in warning
    assert at.text_area(key=f"decide_text_{issue.id}").value == draft
    with read_session(page_store) as s:
        now = s.get(Issue, issue.id)
        state = (now.decision, now.severity)
    assert state == (None, "critical")
