"""The task register shows the open work of ceased agencies (issue 15, point 2): a flag for everyone with
the counts of ``queries.succession.ceased_counts``, and the worklist with the reassignment form for the DPI
role only. AppTest on a SQLite demo with the 2025 agency succession loaded."""

from __future__ import annotations

import pytest
from apptest_helpers import APP, assert_clean, texts, vietnamese_strings_in
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY, LAST_SEEN_KEY
from qh_data import clock
from qh_data.agencies import store
from qh_data.db import read_session, session_scope
from qh_data.models import User
from qh_data.permissions import SYSTEM, Actor
from qh_data.queries import succession as qs


def _loaded(engine):
    with session_scope(engine) as s:
        store.load_reference(s, SYSTEM)


@pytest.fixture
def app_db(read_store, monkeypatch):
    engine = read_store("sqlite", "agency_succession", build=_loaded)[0]
    monkeypatch.setenv("QH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("QH_AUTH", "password")
    return engine


def _demo_user(engine, username: str) -> Actor:
    with read_session(engine) as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        return Actor(user.id, user.username, user.role, user.agency_code, user.display_name)


def _open(actor: Actor | None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.session_state[ACTOR_KEY] = actor
    at.session_state[LAST_SEEN_KEY] = clock.now()
    at.switch_page("../pages/tasks.py")
    return at.run()


def test_everyone_sees_the_flag_only_the_dpi_role_the_worklist(app_db):
    counts = qs.ceased_counts(app_db, "20", as_of=clock.today())
    assert counts["tasks"] > 0 and counts["issues"] > 0
    viewer = _open(_demo_user(app_db, "editor.sxd"))
    assert_clean(viewer)
    flag = [w.value for w in viewer.warning if "giải thể / sáp nhập" in str(w.value)]
    assert flag == [f"Còn {counts['tasks']} nhiệm vụ và {counts['issues']} khó khăn, vướng mắc của cơ quan đã "
                    "giải thể / sáp nhập chưa được giao lại."]
    assert not [w for w in viewer.toggle if "giải thể" in str(w.label)]

    dpi = _open(_demo_user(app_db, "dpi"))
    assert_clean(dpi)
    (switch,) = [w for w in dpi.toggle if w.label == "Việc của cơ quan đã giải thể / sáp nhập"]
    assert "lead_short_name" in dpi.dataframe[0].value.columns  # the register first, as before, until the switch is on
    switch.set_value(True).run()
    assert_clean(dpi)
    (table,) = [d.value for d in dpi.dataframe]  # the worklist instead of the register
    assert "agency_name" in table.columns
    assert len(table) == counts["total"]
    assert "Sở Giao thông vận tải tỉnh Lạng Sơn" in set(table["agency_name"])
    assert "Chọn một hoặc nhiều dòng để giao lại." in texts(dpi)
    first = list(table["agency_name"]).index("Sở Giao thông vận tải tỉnh Lạng Sơn")
    dpi.session_state["ceased_table"] = {"selection": {"rows": [first], "columns": [], "cells": []}}
    dpi.run()
    assert_clean(dpi)
    (to,) = [m for m in dpi.multiselect if m.label == "Giao cho"]
    assert to.value == ["LS-SXD"]  # the successor the succession names, suggested
    assert any(b.label == "Giao lại 1 việc đã chọn" for b in dpi.button)


def test_the_flag_in_english(app_db):
    at = _open(_demo_user(app_db, "dpi"), {"lang": "en"})
    assert_clean(at)
    assert any("of agencies that were abolished or merged are not yet reassigned" in str(w.value) for w in at.warning)
    assert vietnamese_strings_in(at) == []


def _page(actor: Actor, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    at.session_state[LAST_SEEN_KEY] = clock.now()
    at.switch_page(f"../pages/{page}")
    return at.run()


def test_progress_counts_former_agencies_for_their_successors_unless_switched(app_db):
    at = _page(_demo_user(app_db, "editor.sxd"), "progress.py")
    assert_clean(at)
    folded = {r["agency_name"]: r for r in qs.task_counts_by_holder(app_db, "20", as_of=clock.today())}
    table = at.dataframe[0].value
    shown = dict(zip(table["agency"], table["assigned"], strict=True))
    stc = "Sở Tài chính tỉnh Lạng Sơn (trước đây: Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn)"
    assert shown[stc] == folded["Sở Tài chính tỉnh Lạng Sơn"]["assigned"]
    assert "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn" not in shown and "Sở Giao thông vận tải tỉnh Lạng Sơn" not in shown
    assert sum(shown.values()) == sum(r["assigned"] for r in folded.values())

    (switch,) = [w for w in at.toggle if w.label == "Hiện các cơ quan như trước khi sắp xếp"]
    switch.set_value(True).run()
    assert_clean(at)
    as_were = {r["agency_name"]: r["assigned"] for r in qs.task_counts_by_holder(
        app_db, "20", as_of=clock.today(), as_they_were=True)}
    table = at.dataframe[0].value
    assert dict(zip(table["agency"], table["assigned"], strict=True)) == as_were
    assert "Sở Kế hoạch và Đầu tư tỉnh Lạng Sơn" in as_were


def test_the_overview_flags_the_work_waiting_for_reassignment(app_db):
    at = _page(_demo_user(app_db, "editor.sxd"), "overview.py")
    assert_clean(at)
    counts = qs.ceased_counts(app_db, "20", as_of=clock.today())
    assert [w.value for w in at.warning if "chờ giao lại" in str(w.value)] == [
        f"{counts['tasks']} nhiệm vụ và {counts['issues']} khó khăn, vướng mắc của cơ quan đã giải thể / sáp nhập "
        "đang chờ giao lại (trang Sổ theo dõi nhiệm vụ)."]


def test_the_register_shows_a_former_agencys_task_under_its_successor_and_filters_by_family(app_db):
    at = _page(_demo_user(app_db, "editor.sxd"), "tasks.py")
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "lead_short_name" in d.value.columns)
    leads = set(table["lead_short_name"])
    assert "Sở Tài chính (trước đây: Sở KH&ĐT)" in leads and "Sở KH&ĐT" not in leads
    at.sidebar.selectbox(key="f_agency").set_value("LS-SKHDT").run()  # the former agency in the filter
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "lead_short_name" in d.value.columns)
    want = qs.tasks_of_agency(app_db, "20", "LS-SKHDT", as_of=clock.today())
    assert sorted(table["code"]) == sorted(want.column("code"))
    assert {"Sở Tài chính", "Sở Tài chính (trước đây: Sở KH&ĐT)"} <= set(table["lead_short_name"])


def test_the_issues_page_shows_and_filters_a_former_agencys_issues_under_its_successor(app_db):
    at = _page(_demo_user(app_db, "editor.sxd"), "issues.py")
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "raised_by" in d.value.columns)
    assert "Sở Xây dựng (trước đây: Sở GTVT)" in set(table["raised_by"]) and "Sở GTVT" not in set(table["raised_by"])
    at.sidebar.selectbox(key="f_agency").set_value("LS-SGTVT").run()
    assert_clean(at)
    shown = set(next(d.value for d in at.dataframe if "raised_by" in d.value.columns)["raised_by"])
    assert {"Sở Xây dựng", "Sở Xây dựng (trước đây: Sở GTVT)"} <= shown  # the successor's own issues too
