"""The door of the real app (AppTest on dashboard/app.py over a seeded SQLite copy).

- QH_AUTH=password: nothing but the sign-in form until someone signs in; a wrong password is refused;
  the seeded store plus accounts made here with known passwords (the seed's are random);
- what each role sees: no edit controls for a viewer, only its own agency's for an agency editor,
  the administration pages only for the roles that may use them;
- the audit page lists a change just made in the interface;
- idle expiry (frozen clock), sign-out, QH_AUTH=none (read-only kiosk) and QH_AUTH=oidc (st.user).
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from qh_data import auth as qauth
from qh_data import clock, config
from qh_data.db import make_engine, read_session, session_scope
from qh_data.models import Agency, Task
from qh_data.permissions import SYSTEM
from qh_data.services import users as user_service

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "dashboard" / "app.py")
PASSWORDS = {"qa.admin": "Quan-Tri-Thu-1", "qa.dpi": "So-KHDT-Thu-2", "qa.editor": "Bien-Tap-Thu-3",
             "qa.viewer": "Nguoi-Xem-Thu-4"}


def vi(key: str, **kw) -> str:
    return i18n.translate(key, "vi", **kw)


@pytest.fixture
def store(sqlite_demo_url, monkeypatch):
    """The seeded demo with one account per role made here (known passwords); QH_AUTH=password."""
    monkeypatch.setenv("QH_DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("QH_AUTH", "password")
    monkeypatch.setenv("QH_IDLE_MINUTES", "30")
    engine = make_engine(sqlite_demo_url)
    with read_session(engine) as s:
        tasks = s.execute(select(Task.id, Task.code, Task.lead_agency_code, Task.version, Task.percent_done)
                          .where(Task.status.in_(("not_started", "in_progress")),
                                 Task.province_code == config.default_province())  # the register's province
                          .order_by(Task.id)).all()
    own = tasks[0]
    other = next(t for t in tasks if t.lead_agency_code != own.lead_agency_code)
    dpi_agency = next((t.lead_agency_code for t in tasks if "KHDT" in t.lead_agency_code), None)
    for username, role, agency in (("qa.admin", "admin", None), ("qa.dpi", "dpi_editor", dpi_agency),
                                   ("qa.editor", "agency_editor", own.lead_agency_code),
                                   ("qa.viewer", "viewer", None)):
        user_service.create_user(engine, SYSTEM, username=username, display_name=f"Thử {role}", role=role,
                                 agency_code=agency, password=PASSWORDS[username],
                                 email=f"{username}@example.gov.vn")
    yield {"engine": engine, "own": own, "other": other}
    engine.dispose()


@pytest.fixture
def frozen_clock():
    start = dt.datetime(2026, 6, 15, 9, 0)
    clock.freeze(start)
    yield lambda **delta: clock.freeze(start + dt.timedelta(**delta))
    clock.freeze(None)


def app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    return at


def sign_in(at: AppTest, username: str, password: str | None = None) -> AppTest:
    at.text_input(key="signin_username").input(username)
    at.text_input(key="signin_password").input(password or PASSWORDS[username])
    button(at, vi("auth.submit")).click()
    return at.run()


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"../pages/{page}")
    return at.run()


def shows_sign_in_only(at: AppTest) -> bool:
    return (any(t.value == vi("auth.title") for t in at.title)
            and {w.key for w in at.text_input} == {"signin_username", "signin_password"}
            and not at.dataframe and not at.sidebar.selectbox and not at.tabs)


def select_task(at: AppTest, store_task) -> AppTest:
    """Pick a task in the register by its row, as a click on the table would."""
    rows = list(at.dataframe[0].value["code"])
    at.session_state["task_table"] = {"selection": {"rows": [rows.index(store_task.code)], "columns": [],
                                                    "cells": []}}
    return at.run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


# --- QH_AUTH=password ---------------------------------------------------------------------------


def test_password_mode_shows_the_sign_in_form_and_no_page_content(store):
    at = app()
    assert not at.exception
    assert shows_sign_in_only(at)
    assert "actor" not in at.session_state
    assert labels(at) == {vi("auth.submit")}


def test_a_wrong_password_is_refused_with_one_sentence(store):
    at = sign_in(app(), "qa.admin", "sai-mat-khau-9")
    assert [html.unescape(e.value) for e in at.error] == [qauth.AuthFailed().message("vi")]
    assert shows_sign_in_only(at)
    at = sign_in(at, "khong.ai.ca", "sai-mat-khau-9")
    assert [html.unescape(e.value) for e in at.error] == [qauth.AuthFailed().message("vi")]


def test_the_admin_signs_in_and_reaches_the_administration_pages(store):
    at = sign_in(app(), "qa.admin")
    assert_clean(at)
    assert at.session_state["actor"].username == "qa.admin"
    assert not shows_sign_in_only(at)
    assert vi("auth.sign_out") in labels(at)
    at = open_page(at, "users.py")
    assert_clean(at)
    assert any(t.value == vi("users.title") for t in at.title)
    shown = set(at.dataframe[0].value["username"])
    assert {"qa.admin", "qa.viewer", "qa.editor"} <= shown
    at = open_page(at, "audit.py")
    assert_clean(at)
    assert any(t.value == vi("audit.title") for t in at.title)


def test_a_viewer_sees_no_edit_controls(store):
    at = sign_in(app(), "qa.viewer")
    assert_clean(at)
    at = select_task(open_page(at, "tasks.py"), store["own"])
    assert_clean(at)
    assert vi("tasks.save") not in labels(at)
    assert not at.slider and not at.text_area
    # The administration pages are not in the viewer's navigation ...
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("../pages/users.py")
    # ... and a page file run directly still refuses (hiding is not the protection).
    for page, title in (("users.py", "users.title"), ("audit.py", "audit.title")):
        direct = AppTest.from_file(str(ROOT / "pages" / page), default_timeout=90)
        direct.session_state["actor"] = at.session_state["actor"]
        direct.run()
        assert [e.value for e in direct.error] == [vi("auth.no_access")]
        assert vi(title) not in [t.value for t in direct.title]
        assert not direct.dataframe and not direct.tabs


def test_an_agency_editor_sees_edit_controls_only_for_its_own_agency(store):
    at = sign_in(app(), "qa.editor")
    at = select_task(open_page(at, "tasks.py"), store["own"])
    assert_clean(at)
    assert vi("tasks.save") in labels(at)
    at = select_task(at, store["other"])
    assert_clean(at)
    assert vi("tasks.save") not in labels(at)


def test_the_audit_page_lists_a_change_just_made(store):
    at = sign_in(app(), "qa.dpi")
    at = select_task(open_page(at, "tasks.py"), store["other"])
    percent = 35 if store["other"].percent_done != 35 else 60
    at.slider[0].set_value(percent)
    at.text_area[0].input("Đã hoàn thành dự thảo báo cáo")
    button(at, vi("tasks.save")).click()
    at = at.run()
    assert_clean(at)
    at = open_page(at, "audit.py")
    assert_clean(at)
    table = at.dataframe[0].value
    first = table.iloc[0]
    assert first["user"] == "qa.dpi"
    assert first["action"] == vi("audit.action_name.task.update")
    assert first["entity_id"] == str(store["other"].id)
    assert f"percent_done: {store['other'].percent_done} → {percent}" in first["changes"]
    downloads = {b.label for b in at.get("download_button")}
    assert {vi("common.download_csv"), vi("common.download_xlsx")} <= downloads


def test_a_user_created_on_the_users_page_shows_on_the_audit_page(store):
    at = open_page(sign_in(app(), "qa.admin"), "users.py")
    at.text_input(key="new_username").input("moi.tao")
    at.text_input(key="new_display_name").input("Người Mới Tạo")
    at.text_input(key="new_password").input("Mat-Khau-Moi-5")
    at.text_input(key="new_password_again").input("Mat-Khau-Moi-5")
    button(at, vi("users.create")).click()
    at = at.run()
    assert_clean(at)
    assert [html.unescape(s.value) for s in at.success] == [vi("users.created", username="moi.tao")]
    assert at.text_input(key="new_password").value == ""
    assert qauth.authenticate(store["engine"], "moi.tao", "Mat-Khau-Moi-5").role == "viewer"
    at = open_page(at, "audit.py")
    table = at.dataframe[0].value
    assert (table["action"] == vi("audit.action_name.user.create")).any()
    assert table["changes"].str.contains("username: moi.tao").any()


def test_the_editor_s_agency_name_is_shown_as_text_not_markdown_on_the_intake_page(store):
    """An agency name arrives through import or administration: a markdown link in it stays literal."""
    hostile = "Sở Thử [bấm vào đây](https://example.invalid/x) **đậm**"
    with session_scope(store["engine"]) as s:
        s.get(Agency, store["own"].lead_agency_code).name = hostile
    at = open_page(sign_in(app(), "qa.editor"), "intake.py")
    assert_clean(at)
    own_lines = [c.value.replace("\u2060", "") for c in at.caption if "Thử [" in html.unescape(c.value)]
    assert own_lines, [c.value for c in at.caption]
    for line in own_lines:
        assert hostile in html.unescape(line)  # the very text, once the escapes are read
        assert "](https://" not in line and "**" not in line  # nothing markdown could turn into a link


def test_sign_out_returns_to_the_sign_in_form(store):
    at = sign_in(app(), "qa.editor")
    button(at, vi("auth.sign_out")).click()
    at = at.run()
    assert shows_sign_in_only(at)
    assert [i.value for i in at.info] == [vi("auth.notice_signed_out")]


def test_an_idle_session_expires(store, frozen_clock):
    at = sign_in(app(), "qa.viewer")
    assert not shows_sign_in_only(at)
    frozen_clock(minutes=29)
    at.run()
    assert not shows_sign_in_only(at)
    frozen_clock(minutes=29 + 31)
    at.run()
    assert shows_sign_in_only(at)
    assert [i.value for i in at.info] == [vi("auth.notice_expired", minutes=30)]


def test_a_deactivated_account_is_signed_out_at_its_next_click(store):
    at = sign_in(app(), "qa.editor")
    admin = qauth.authenticate(store["engine"], "qa.admin", PASSWORDS["qa.admin"])
    user_service.deactivate_user(store["engine"], admin, at.session_state["actor"].user_id)
    at.run()
    assert shows_sign_in_only(at)
    assert [i.value for i in at.info] == [vi("auth.notice_gone")]


# --- QH_AUTH=none and QH_AUTH=oidc --------------------------------------------------------------


def test_kiosk_mode_is_a_read_only_viewer(store, monkeypatch):
    monkeypatch.setenv("QH_AUTH", "none")
    at = app()
    assert_clean(at)
    assert not shows_sign_in_only(at)
    assert vi("auth.sign_out") not in labels(at)
    assert vi("common.kiosk") in [c.value for c in at.sidebar.caption]
    at = select_task(open_page(at, "tasks.py"), store["own"])
    assert vi("tasks.save") not in labels(at)


def test_single_sign_on_maps_the_email_to_a_user(store, monkeypatch):
    monkeypatch.setenv("QH_AUTH", "oidc")
    at = AppTest.from_file(APP, default_timeout=90)
    at.user = {"is_logged_in": False}
    at.run()
    assert vi("auth.sso_button") in labels(at)
    assert not at.dataframe and not at.sidebar.selectbox

    at = AppTest.from_file(APP, default_timeout=90)
    at.user = {"is_logged_in": True, "email": "QA.DPI@example.gov.vn", "name": "Thử"}
    at.run()
    assert_clean(at)
    assert at.session_state["actor"].username == "qa.dpi"

    at = AppTest.from_file(APP, default_timeout=90)
    at.user = {"is_logged_in": True, "email": "qa.dpi@example.gov.vn", "email_verified": False}
    at.run()
    assert "actor" not in at.session_state and not at.sidebar.selectbox

    at = AppTest.from_file(APP, default_timeout=90)
    at.user = {"is_logged_in": True, "email": "la.mat@example.com"}
    at.run()
    assert [html.unescape(e.value).replace("\u2060", "") for e in at.error] == [qauth.NoAccountForEmail("la.mat@example.com").message("vi")]
    assert "actor" not in at.session_state
    assert not at.sidebar.selectbox


def test_navigation_offers_each_role_its_pages():
    from dashboard import auth
    from qh_data.permissions import KIOSK, Actor

    everyone = set(auth.ALL_PAGES) - {"intake", "audit", "users"}
    expected = {"viewer": everyone, "agency_editor": everyone | {"intake"},
                "dpi_editor": everyone | {"intake", "audit"}, "admin": set(auth.ALL_PAGES)}
    assert auth.visible_pages(KIOSK) == everyone
    for role, pages in expected.items():
        assert auth.visible_pages(Actor(1, "x", role, "T-A")) == pages, role
