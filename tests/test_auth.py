"""Sign-in: argon2 hashes (no plain text in the store or the log), lock-out, idle expiry, SSO mapping,
user administration rules and the audit trail's reads. Every database test runs on SQLite and
PostgreSQL; time is moved with qh_data.clock.freeze, never waited for.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import String, Text, func, inspect, select, text
from test_permissions import PASSWORD, make_world

from qh_data import audit, auth, clock
from qh_data.db import read_session
from qh_data.errors import PermissionDenied, QHError, StaleEdit, ValidationFailed
from qh_data.models import AuditEntry, User
from qh_data.permissions import SYSTEM, Actor
from qh_data.services import tasks as task_service
from qh_data.services import users as user_service

T0 = dt.datetime(2026, 3, 2, 8, 0, 0)


@pytest.fixture
def frozen():
    """The clock pinned at T0; ``frozen(minutes=...)`` moves it. Released after the test."""
    clock.freeze(T0)

    def move(**delta):
        clock.freeze(T0 + dt.timedelta(**delta))

    yield move
    clock.freeze(None)


def _user(engine, username: str) -> User:
    with read_session(engine) as s:
        user = s.scalar(select(User).where(User.username == username))
        s.expunge(user)
        return user


# --- hashing ------------------------------------------------------------------------------------


def test_hash_is_salted_argon2id_and_verifies():
    first, second = auth.hash_password("mật khẩu dài 12"), auth.hash_password("mật khẩu dài 12")
    assert first.startswith("$argon2id$") and second.startswith("$argon2id$")
    assert first != second  # salted
    assert "mật khẩu" not in first
    assert auth.verify_password(first, "mật khẩu dài 12")
    assert not auth.verify_password(first, "mật khẩu dài 13")
    assert not auth.verify_password("not-a-hash", "mật khẩu dài 12")
    assert not auth.verify_password(None, "mật khẩu dài 12")


@pytest.mark.parametrize("bad", ["", "short7!", " leading-space", "trailing-space ", "x" * 257])
def test_password_rules(bad):
    with pytest.raises(ValidationFailed) as err:
        auth.hash_password(bad)
    assert err.value.message("vi") != err.value.message("en")


def test_no_plain_password_in_any_text_column_or_in_the_log(engine, caplog):
    caplog.set_level(logging.DEBUG)
    world = make_world(engine)
    admin = world.actors["admin"]
    secrets = {
        "created": "Tao-Moi-Bi-Mat-41",
        "reset": "Dat-Lai-Bi-Mat-42",
        "own": "Cua-Toi-Bi-Mat-43",
        "wrong": "Sai-Roi-Bi-Mat-44",
    }
    created = user_service.create_user(engine, admin, username="nguyen.van.a", display_name="Nguyễn Văn A",
                                       role="agency_editor", agency_code="T-A", email="a@example.gov.vn",
                                       password=secrets["created"])
    user_service.reset_password(engine, admin, created.id, secrets["reset"])
    editor = auth.authenticate(engine, "nguyen.van.a", secrets["reset"])
    user_service.change_own_password(engine, editor, secrets["reset"], secrets["own"])
    for _ in range(auth.MAX_FAILED_ATTEMPTS):  # ends in a lock-out, which is audited
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "nguyen.van.a", secrets["wrong"])
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(engine, "khong.ton.tai", secrets["wrong"])
    with pytest.raises(auth.AuthFailed):  # a password typed into the user name field
        auth.authenticate(engine, secrets["wrong"], secrets["wrong"])

    found = []
    insp = inspect(engine)
    with engine.connect() as conn:
        for table in insp.get_table_names():
            columns = [c["name"] for c in insp.get_columns(table) if isinstance(c["type"], (String, Text))]
            for column in columns:
                values = conn.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars()
                for value in values:
                    for name, secret in secrets.items():
                        if value and secret in value:
                            found.append((table, column, name))
    assert found == []
    assert all(s not in caplog.text for s in secrets.values())

    # The hash itself stays in app_user.password_hash: never in the audit trail or the log.
    stored = _user(engine, "nguyen.van.a").password_hash
    assert stored.startswith("$argon2id$") and auth.verify_password(stored, secrets["own"])
    with read_session(engine) as s:
        trail = " ".join(f"{e.before} {e.after}" for e in s.scalars(select(AuditEntry)))
    assert "$argon2" not in trail and "password_hash" not in trail
    assert "$argon2" not in caplog.text


# --- authenticate, lock-out -----------------------------------------------------------------------


def test_sign_in_returns_the_actor(engine):
    world = make_world(engine)
    actor = auth.authenticate(engine, "  Editor.A ", PASSWORD)
    assert actor == world.actors["agency_editor"]


def test_one_sentence_for_every_refusal(engine, frozen):
    make_world(engine)
    user_service.create_user(engine, SYSTEM, username="da.nghi", display_name="Đã Nghỉ", role="viewer",
                             password=PASSWORD)
    user_service.deactivate_user(engine, SYSTEM, _user(engine, "da.nghi").id)
    messages = set()
    for username, password in (("khong.co", PASSWORD), ("editor.a", "sai-mat-khau-1"), ("da.nghi", PASSWORD),
                               ("", PASSWORD), ("editor.a", "")):
        with pytest.raises(auth.AuthFailed) as err:
            auth.authenticate(engine, username, password)
        messages.add((err.value.message("vi"), err.value.message("en")))
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "dpi.t", "sai-mat-khau-1")
    with pytest.raises(auth.AuthFailed) as err:  # locked, right password
        auth.authenticate(engine, "dpi.t", PASSWORD)
    messages.add((err.value.message("vi"), err.value.message("en")))
    assert len(messages) == 1
    vi, en = messages.pop()
    assert "không đúng" in vi and "Wrong user name or password" in en


def test_lock_out_after_five_failures_for_fifteen_minutes_then_unlock(engine, frozen):
    make_world(engine)
    for attempt in range(1, auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", f"sai-mat-khau-{attempt}")
        assert _user(engine, "editor.a").locked_until is None
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(engine, "editor.a", "sai-mat-khau-5")
    assert _user(engine, "editor.a").locked_until == T0 + dt.timedelta(minutes=15)

    frozen(minutes=14, seconds=59)
    with pytest.raises(auth.AuthFailed):  # the right password is refused while locked
        auth.authenticate(engine, "editor.a", PASSWORD)
    frozen(minutes=15, seconds=1)
    assert auth.authenticate(engine, "editor.a", PASSWORD).username == "editor.a"
    user = _user(engine, "editor.a")
    assert (user.failed_attempts, user.locked_until) == (0, None)

    with read_session(engine) as s:
        locks = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.lock")).all()
        assert len(locks) == 1 and locks[0].entity_id == str(user.id)
        assert json.loads(locks[0].after)["locked_until"] == "2026-03-02T08:15:00"


def test_after_a_lock_runs_out_counting_starts_afresh(engine, frozen):
    make_world(engine)
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    frozen(minutes=16)
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    user = _user(engine, "editor.a")
    assert (user.failed_attempts, user.locked_until) == (1, None)


def test_a_correct_password_resets_the_count(engine, frozen):
    make_world(engine)
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    auth.authenticate(engine, "editor.a", PASSWORD)
    for _ in range(auth.MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    assert _user(engine, "editor.a").locked_until is None
    assert auth.authenticate(engine, "editor.a", PASSWORD).role == "agency_editor"


def test_admin_reset_and_unlock_lift_a_lock(engine, frozen):
    world = make_world(engine)
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    user_service.unlock_user(engine, world.actors["admin"], world.actors["agency_editor"].user_id)
    assert auth.authenticate(engine, "editor.a", PASSWORD).username == "editor.a"
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(auth.AuthFailed):
            auth.authenticate(engine, "editor.a", "sai-mat-khau-1")
    user_service.reset_password(engine, world.actors["admin"], world.actors["agency_editor"].user_id,
                                "mat-khau-moi-dat-1")
    with pytest.raises(auth.AuthFailed):
        auth.authenticate(engine, "editor.a", PASSWORD)
    assert auth.authenticate(engine, "editor.a", "mat-khau-moi-dat-1").username == "editor.a"


# --- idle expiry, refreshing the actor, single sign-on --------------------------------------------


def test_idle_expiry_with_the_frozen_clock(frozen, monkeypatch):
    monkeypatch.setenv("QH_IDLE_MINUTES", "30")
    seen = clock.now()
    frozen(minutes=30)
    assert not auth.idle_expired(seen)
    frozen(minutes=30, seconds=1)
    assert auth.idle_expired(seen)
    assert not auth.idle_expired(seen, idle_minutes=45)
    monkeypatch.setenv("QH_IDLE_MINUTES", "5")
    frozen(minutes=6)
    assert auth.idle_expired(seen)
    monkeypatch.setenv("QH_IDLE_MINUTES", "0")  # 0 switches idle expiry off
    frozen(days=3)
    assert not auth.idle_expired(seen)
    monkeypatch.setenv("QH_IDLE_MINUTES", "30")
    assert auth.idle_expired(None)


def test_refresh_actor_follows_role_changes_and_deactivation(engine):
    world = make_world(engine)
    admin, editor = world.actors["admin"], world.actors["agency_editor"]
    assert auth.refresh_actor(engine, editor) == editor
    user_service.change_role(engine, admin, editor.user_id, "viewer", "T-A")
    assert auth.refresh_actor(engine, editor).role == "viewer"
    user_service.deactivate_user(engine, admin, editor.user_id)
    assert auth.refresh_actor(engine, editor) is None


def test_single_sign_on_maps_the_email_to_a_user(engine):
    world = make_world(engine)
    assert auth.actor_for_email(engine, "DPI.T@Example.gov.vn ") == world.actors["dpi_editor"]
    for email in ("nobody@example.gov.vn", "", None):
        with pytest.raises(auth.NoAccountForEmail):
            auth.actor_for_email(engine, email)
    user_service.deactivate_user(engine, world.actors["admin"], world.actors["dpi_editor"].user_id)
    with pytest.raises(auth.NoAccountForEmail) as err:
        auth.actor_for_email(engine, "dpi.t@example.gov.vn")
    assert "dpi.t@example.gov.vn" in err.value.message("vi")


# --- user administration rules ---------------------------------------------------------------------


def test_nobody_raises_their_own_role_even_with_user_management_rights(engine, monkeypatch):
    world = make_world(engine)
    dpi = world.actors["dpi_editor"]
    with pytest.raises(PermissionDenied):  # the role table: only administrators manage users
        user_service.change_role(engine, dpi, dpi.user_id, "admin")
    # Even if the table were widened to let DPI editors manage users, raising oneself stays refused.
    from qh_data import permissions

    monkeypatch.setitem(permissions.ACTIONS, "user.manage", ("dpi_editor", False))
    with pytest.raises(PermissionDenied) as err:
        user_service.change_role(engine, dpi, dpi.user_id, "admin")
    assert "tự nâng quyền" in err.value.message("vi")
    assert _user(engine, "dpi.t").role == "dpi_editor"
    # Lowering oneself, or changing someone else, is allowed.
    user_service.change_role(engine, dpi, world.actors["viewer"].user_id, "dpi_editor", "T-KHDT")
    user_service.change_role(engine, dpi, dpi.user_id, "viewer", "T-KHDT")


def test_the_last_administrator_stays(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    with pytest.raises(ValidationFailed):
        user_service.change_role(engine, admin, admin.user_id, "dpi_editor", "T-KHDT")
    with pytest.raises(ValidationFailed):  # nor can one deactivate oneself
        user_service.deactivate_user(engine, admin, admin.user_id)
    second = user_service.create_user(engine, admin, username="admin.hai", display_name="Quản trị 2",
                                      role="admin", password="mat-khau-quan-tri-2")
    user_service.change_role(engine, admin, admin.user_id, "dpi_editor", "T-KHDT")
    me = Actor(second.id, second.username, second.role)
    with pytest.raises(ValidationFailed):
        user_service.deactivate_user(engine, me, second.id)


def test_user_input_is_checked(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    kw = dict(display_name="Tên", role="viewer", password="mat-khau-du-dai")
    for bad in ({"username": "Có Dấu"}, {"username": "x"}, {"username": "editor.a"},
                {"username": "moi.1", "role": "chairman"},
                {"username": "moi.2", "role": "agency_editor"},
                {"username": "moi.3", "role": "agency_editor", "agency_code": "KHONG-CO"},
                {"username": "moi.4", "email": "khong-phai-email"},
                {"username": "moi.5", "email": "DPI.T@example.gov.vn"},
                {"username": "moi.6", "password": None},
                {"username": "moi.7", "display_name": "  "}):
        with pytest.raises(QHError):
            user_service.create_user(engine, admin, **(kw | bad))
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.username.like("moi.%"))) == 0
    sso = user_service.create_user(engine, admin, username="sso.only", display_name="Chỉ SSO", role="viewer",
                                   password=None, email="SSO@Example.gov.vn")
    assert sso.email == "sso@example.gov.vn" and sso.password_hash is None
    with pytest.raises(auth.AuthFailed):  # no password: cannot sign in with one
        auth.authenticate(engine, "sso.only", "bat-ky-mat-khau")


def test_stale_user_edit_is_refused(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    user_service.update_details(engine, admin, world.target_id, display_name="Tên 1", email=None,
                                expected_version=1)
    with pytest.raises(StaleEdit):
        user_service.change_role(engine, admin, world.target_id, "dpi_editor", expected_version=1)


def test_user_writes_keep_before_and_after_without_secrets(engine):
    world = make_world(engine)
    admin = world.actors["admin"]
    user_service.change_role(engine, admin, world.target_id, "agency_editor", "T-B")
    user_service.reset_password(engine, admin, world.target_id, "mat-khau-bi-mat-7")
    entries = audit.list_entries(engine, entity="user", entity_id=world.target_id)
    assert list(entries["action"]) == ["user.reset_password", "user.role"]
    role = entries.iloc[1]
    assert json.loads(role["before"])["role"] == "viewer"
    assert json.loads(role["after"])["role"] == "agency_editor"
    assert "role: viewer → agency_editor" in role["changes"]
    assert json.loads(entries.iloc[0]["after"])["password_set"] is True
    assert not entries.apply(lambda r: "argon2" in f"{r['before']}{r['after']}", axis=1).any()


def test_users_are_listed_without_their_hash(engine):
    make_world(engine)
    rows = user_service.list_users(engine)
    assert rows[0]["role"] == "admin"
    assert all("password_hash" not in r for r in rows)
    assert all(r["has_password"] for r in rows)


# --- reading the audit trail ---------------------------------------------------------------------


def test_audit_entries_filter_by_user_agency_entity_and_dates(engine, frozen):
    world = make_world(engine)
    editor, dpi = world.actors["agency_editor"], world.actors["dpi_editor"]
    task_service.update_progress(engine, editor, world.task_own,
                                 task_service.ProgressChange("in_progress", 40), expected_version=1)
    frozen(days=3)
    task_service.update_progress(engine, dpi, world.task_other, task_service.ProgressChange("done", 100),
                                 expected_version=1)
    user_service.update_details(engine, world.actors["admin"], world.target_id, display_name="Tên Khác",
                                email=None)

    everything = audit.list_entries(engine)
    assert list(everything["username"])[:3] == ["admin.t", "dpi.t", "editor.a"]  # newest first
    by_user = audit.list_entries(engine, user="editor.a")
    assert list(by_user["entity_id"]) == [str(world.task_own)]
    assert "percent_done: 10 → 40" in by_user.iloc[0]["changes"]
    assert list(audit.list_entries(engine, agency="T-KHDT")["username"]) == ["dpi.t"]
    assert set(audit.list_entries(engine, entity="task")["username"]) == {"editor.a", "dpi.t"}
    day0 = T0.date()
    def users_of(**filters):
        return list(audit.list_entries(engine, entity="task", **filters)["username"])

    assert users_of(date_from=day0, date_to=day0) == ["editor.a"]
    assert users_of(date_from=day0 + dt.timedelta(days=1)) == ["dpi.t"]
    assert audit.list_entries(engine, date_to=day0 - dt.timedelta(days=1)).empty
    assert len(audit.list_entries(engine, limit=2)) == 2
    options = audit.filter_options(engine)
    assert {"editor.a", "dpi.t", "admin.t"} <= set(options["users"])
    assert {"task", "user"} <= set(options["entities"])
    assert "T-A" in options["agencies"]


def test_describe_change():
    assert audit.describe_change('{"a": 1, "b": "x"}', '{"a": 2, "b": "x", "c": true}') == "a: 1 → 2; c: true"
    assert audit.describe_change(None, '{"password_hash": "h", "role": "admin"}') == "role: admin"
    assert audit.describe_change('{"a": 1}', None) == "a: 1 → –"
    assert audit.describe_change('"x"', '"y"') == "x → y"
