"""User administration: create, change role, deactivate, reset password. Administrators only.

Each write: ``require()`` before anything is read, one transaction (run again after a lock refusal,
``retry``), one audit entry with the values before and after; each change is a new ``version`` and an
edit made on an older version is refused (``versioning``). A password or its hash
never reaches the audit trail or the log: entries about a password say only that it was set.

Rules beyond the role table: nobody can raise their own role or deactivate their own account, and
the last active administrator cannot be demoted or deactivated (the store would be left with nobody
able to manage users).
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..auth import check_password_rules, hash_password, normalise_username, verify_password
from ..db import read_session, session_scope
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..models import ROLES, Agency, User
from ..permissions import ROLE_RANK, Actor, require
from ..retry import retrying
from ..text import clean_text
from ..versioning import bump, check_expected

log = logging.getLogger("qh.users")

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,79}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# The columns an audit entry or a listing may show; the password hash is not among them.
PUBLIC_FIELDS = ("username", "display_name", "email", "role", "agency_code", "is_active", "version")


def user_snapshot(user: User) -> dict:
    """What the audit trail keeps of a user: never the password hash."""
    return {name: getattr(user, name) for name in PUBLIC_FIELDS}


def _public(user: User) -> dict:
    return {"id": user.id, **user_snapshot(user), "failed_attempts": user.failed_attempts,
            "locked_until": user.locked_until, "created_at": user.created_at,
            "has_password": bool(user.password_hash)}


# --- validation ------------------------------------------------------------------------------


def _username(value: str | None) -> str:
    name = normalise_username(clean_text(value, field="tên đăng nhập / user name", max_len=80, required=True))
    if not USERNAME_RE.match(name):
        raise ValidationFailed(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và các dấu . _ @ - (2 đến 80 ký tự).",
            "A user name may contain lower-case letters a-z, digits and . _ @ - (2 to 80 characters).",
        )
    return name


def _email(value: str | None) -> str | None:
    email = clean_text(value, field="e-mail", max_len=200)
    if email is None:
        return None
    email = email.lower()
    if not EMAIL_RE.match(email):
        raise ValidationFailed(f"Địa chỉ e-mail '{email}' không hợp lệ.",
                               f"'{email}' is not a valid e-mail address.")
    return email


def _role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(
            f"Vai trò '{role}' không hợp lệ; chọn một trong: {', '.join(ROLES)}.",
            f"Role '{role}' is not valid; choose one of: {', '.join(ROLES)}.",
        )
    return role


def _agency(session: Session, role: str, agency_code: str | None) -> str | None:
    code = (agency_code or "").strip() or None
    if code is not None and session.get(Agency, code) is None:
        raise ValidationFailed(f"Không có cơ quan mã '{code}'.", f"There is no agency with code '{code}'.")
    if role == "agency_editor" and code is None:
        raise ValidationFailed(
            "Biên tập viên của cơ quan phải thuộc một cơ quan: hãy chọn cơ quan.",
            "An agency editor belongs to an agency: choose one.",
        )
    return code


def _load(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, with_for_update=session.bind.dialect.name != "sqlite")
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng số {user_id}.", f"User {user_id} does not exist.")
    return user


def _check_version(session: Session, user: User, expected_version: int | None) -> None:
    """An edit made on a version of the account that is no longer the stored one is refused; an edit that
    names no version (the command line, scripts) is not checked."""
    if expected_version is not None:
        what = (f"Tài khoản {user.username}", f"Account {user.username}")
        check_expected(session, user, expected_version, what)


def _unique(session: Session, *, username: str | None = None, email: str | None = None,
            except_id: int | None = None) -> None:
    if username is not None:
        other = session.scalar(select(User.id).where(func.lower(User.username) == username))
        if other is not None and other != except_id:
            raise ValidationFailed(f"Tên đăng nhập '{username}' đã có người dùng.",
                                   f"User name '{username}' is already taken.")
    if email is not None:
        other = session.scalar(select(User.id).where(func.lower(User.email) == email))
        if other is not None and other != except_id:
            raise ValidationFailed(f"E-mail '{email}' đã gắn với một tài khoản khác.",
                                   f"E-mail '{email}' already belongs to another account.")


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.is_active.is_(True))) or 0


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == "admin" and user.is_active and _active_admins(session) <= 1:
        raise ValidationFailed(
            "Đây là quản trị viên đang hoạt động cuối cùng: hãy cấp quyền quản trị cho người khác trước.",
            "This is the last active administrator: make someone else an administrator first.",
        )


# --- writes ----------------------------------------------------------------------------------


@retrying()
def create_user(engine: Engine, actor: Actor, *, username: str, display_name: str, role: str,
                password: str | None, agency_code: str | None = None, email: str | None = None) -> User:
    """A new account. ``password`` may be None for a single-sign-on-only account (e-mail required)."""
    require(actor, "user.manage")
    name = _username(username)
    shown = clean_text(display_name, field="họ và tên / display name", max_len=200, required=True)
    role = _role(role)
    mail = _email(email)
    if password is None and mail is None:
        raise ValidationFailed(
            "Tài khoản cần mật khẩu, hoặc e-mail nếu chỉ đăng nhập một lần (SSO).",
            "An account needs a password, or an e-mail address for single sign-on only.",
        )
    password_hash = hash_password(password) if password is not None else None
    with session_scope(engine) as session:
        agency = _agency(session, role, agency_code)
        _unique(session, username=name, email=mail)
        user = User(username=name, display_name=shown, email=mail, role=role, agency_code=agency,
                    password_hash=password_hash, is_active=True, failed_attempts=0, locked_until=None,
                    created_at=clock.now(), version=1)
        session.add(user)
        session.flush()
        audit.record(session, actor, "user.create", "user", user.id, None,
                     user_snapshot(user) | {"password_set": password_hash is not None})
    log.info("user %r created by %r as %s", name, actor.username, role)
    return user


@retrying()
def update_details(engine: Engine, actor: Actor, user_id: int, *, display_name: str,
                   email: str | None, expected_version: int | None = None) -> User:
    """Change a user's display name and e-mail (the e-mail is what single sign-on maps)."""
    require(actor, "user.manage")
    shown = clean_text(display_name, field="họ và tên / display name", max_len=200, required=True)
    mail = _email(email)
    with session_scope(engine) as session:
        user = _load(session, user_id)
        _check_version(session, user, expected_version)
        _unique(session, email=mail, except_id=user.id)
        before = user_snapshot(user)
        user.display_name = shown
        user.email = mail
        bump(user)
        audit.record(session, actor, "user.update", "user", user.id, before, user_snapshot(user))
    return user


@retrying()
def change_role(engine: Engine, actor: Actor, user_id: int, role: str, agency_code: str | None = None,
                *, expected_version: int | None = None) -> User:
    """Set a user's role and agency. Nobody raises their own role; the last administrator stays one."""
    require(actor, "user.manage")
    role = _role(role)
    with session_scope(engine) as session:
        user = _load(session, user_id)
        _check_version(session, user, expected_version)
        if user.id == actor.user_id and ROLE_RANK[role] > ROLE_RANK.get(user.role, -1):
            raise PermissionDenied(
                "Không ai được tự nâng quyền của chính mình: hãy nhờ một quản trị viên khác.",
                "Nobody may raise their own role: ask another administrator.",
            )
        agency = _agency(session, role, agency_code)
        if role != "admin":
            _keep_an_admin(session, user)
        before = user_snapshot(user)
        user.role = role
        user.agency_code = agency
        bump(user)
        audit.record(session, actor, "user.role", "user", user.id, before, user_snapshot(user))
    log.info("role of user %s set to %s by %r", user_id, role, actor.username)
    return user


@retrying()
def set_active(engine: Engine, actor: Actor, user_id: int, active: bool, *,
               expected_version: int | None = None) -> User:
    """Deactivate (``active=False``: the account can no longer sign in) or reactivate a user."""
    require(actor, "user.manage")
    with session_scope(engine) as session:
        user = _load(session, user_id)
        _check_version(session, user, expected_version)
        if not active:
            if user.id == actor.user_id:
                raise ValidationFailed("Không thể tự ngừng kích hoạt tài khoản của chính mình.",
                                       "You cannot deactivate your own account.")
            _keep_an_admin(session, user)
        before = user_snapshot(user)
        user.is_active = bool(active)
        if active:
            user.failed_attempts = 0
            user.locked_until = None
        bump(user)
        audit.record(session, actor, "user.activate" if active else "user.deactivate", "user", user.id,
                     before, user_snapshot(user))
    return user


def deactivate_user(engine: Engine, actor: Actor, user_id: int, *,
                    expected_version: int | None = None) -> User:
    return set_active(engine, actor, user_id, False, expected_version=expected_version)


def reactivate_user(engine: Engine, actor: Actor, user_id: int, *,
                    expected_version: int | None = None) -> User:
    return set_active(engine, actor, user_id, True, expected_version=expected_version)


@retrying()
def reset_password(engine: Engine, actor: Actor, user_id: int, new_password: str) -> User:
    """Set a new password (to be handed to the user) and lift any lock-out."""
    require(actor, "user.manage")
    password_hash = hash_password(new_password)
    with session_scope(engine) as session:
        user = _load(session, user_id)
        before = {"username": user.username, "version": user.version,
                  "failed_attempts": user.failed_attempts, "locked_until": user.locked_until}
        user.password_hash = password_hash
        user.failed_attempts = 0
        user.locked_until = None
        bump(user)
        audit.record(session, actor, "user.reset_password", "user", user.id, before,
                     {"username": user.username, "version": user.version, "password_set": True,
                      "failed_attempts": 0, "locked_until": None})
    log.info("password of user %s reset by %r", user_id, actor.username)
    return user


@retrying()
def unlock_user(engine: Engine, actor: Actor, user_id: int) -> User:
    """Lift a lock-out before its time runs out."""
    require(actor, "user.manage")
    with session_scope(engine) as session:
        user = _load(session, user_id)
        before = {"username": user.username, "failed_attempts": user.failed_attempts,
                  "locked_until": user.locked_until}
        user.failed_attempts = 0
        user.locked_until = None
        audit.record(session, actor, "user.unlock", "user", user.id, before,
                     {"username": user.username, "failed_attempts": 0, "locked_until": None})
    return user


@retrying()
def change_own_password(engine: Engine, actor: Actor, current_password: str, new_password: str) -> None:
    """Any signed-in user changes their own password, proving the current one first."""
    require(actor, "account.password")
    if actor.user_id is None:
        raise PermissionDenied("Chế độ xem không có tài khoản để đổi mật khẩu.",
                               "The read-only viewer has no account whose password could change.")
    password_hash = hash_password(new_password)
    with session_scope(engine) as session:
        user = _load(session, actor.user_id)
        if not user.is_active or not verify_password(user.password_hash, current_password):
            raise ValidationFailed("Mật khẩu hiện tại không đúng.", "The current password is wrong.")
        before = {"version": user.version}
        user.password_hash = password_hash
        bump(user)
        audit.record(session, actor, "user.change_password", "user", user.id, before,
                     {"version": user.version, "password_set": True})


# --- reads -----------------------------------------------------------------------------------


def list_users(engine: Engine) -> list[dict]:
    """Every account without its password hash, administrators first, then by user name."""
    with read_session(engine) as session:
        users = session.scalars(select(User).order_by(User.username)).all()
        rows = [_public(u) for u in users]
    rows.sort(key=lambda r: (-ROLE_RANK.get(r["role"], -1), r["username"]))
    return rows


def get_user(engine: Engine, user_id: int) -> dict | None:
    with read_session(engine) as session:
        user = session.get(User, user_id)
        return None if user is None else _public(user)


__all__ = [
    "change_own_password",
    "change_role",
    "check_password_rules",
    "create_user",
    "deactivate_user",
    "get_user",
    "list_users",
    "reactivate_user",
    "reset_password",
    "set_active",
    "unlock_user",
    "update_details",
    "user_snapshot",
]
