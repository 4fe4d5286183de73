"""Sign-in: argon2 password hashes, lock-out after repeated failures, idle expiry, OIDC e-mail mapping.

No Streamlit here: the dashboard's ``dashboard/auth.py`` draws the forms and keeps the session; this
module decides who may come in. Passwords are never logged, stored or put in the audit trail; only
their argon2 hashes are kept (``app_user.password_hash``).

Failed attempts: after ``MAX_FAILED_ATTEMPTS`` wrong passwords in a row the account is locked for
``LOCK_MINUTES`` (from ``clock.now()``, so tests can move time); a correct password during the lock
is refused too. The sentence a person sees is the same whether the account exists, the password is
wrong or the account is locked, so the form does not tell an outsider which user names exist.
"""

from __future__ import annotations

import datetime as dt
import logging

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from . import audit, clock, config
from .db import read_session, session_scope
from .errors import QHError, ValidationFailed
from .models import User
from .permissions import SYSTEM, Actor
from .retry import retrying

log = logging.getLogger("qh.auth")

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash("qh-dummy-password-for-timing")


def use_hasher(hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` from now on (the tests use argon2's cheapest parameters;
    the app keeps argon2-cffi's defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = hasher
    _DUMMY_HASH = hasher.hash("qh-dummy-password-for-timing")


class AuthFailed(QHError):
    """Sign-in refused. One sentence for every cause: it never tells whether the account exists."""

    def __init__(self) -> None:
        super().__init__(
            "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa. "
            f"Sau {MAX_FAILED_ATTEMPTS} lần nhập sai liên tiếp, tài khoản bị khóa {LOCK_MINUTES} phút; "
            "nếu quên mật khẩu, hãy liên hệ quản trị viên.",
            "Wrong user name or password, or the account is temporarily locked. "
            f"After {MAX_FAILED_ATTEMPTS} wrong attempts in a row an account is locked for {LOCK_MINUTES} "
            "minutes; if you forgot your password, ask an administrator.",
        )


class NoAccountForEmail(QHError):
    """A single-sign-on identity with no active user row behind it."""

    def __init__(self, email: str | None) -> None:
        shown = email or "(không có e-mail)"
        super().__init__(
            f"Địa chỉ {shown} đã đăng nhập qua hệ thống xác thực nhưng chưa được cấp quyền dùng ứng dụng "
            "này (hoặc tài khoản đã ngừng hoạt động). Hãy đề nghị quản trị viên tạo tài khoản "
            "với e-mail này.",
            f"{email or '(no e-mail)'} signed in with the identity provider but has no active account "
            "in this app. Ask an administrator to create one with this e-mail address.",
        )


# --- passwords -------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; two hashes of the same password differ)."""
    check_password_rules(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; False for a mismatch or a malformed hash."""
    if not password_hash or password is None:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str | None) -> None:
    """Refuse passwords that are too short, too long or blank-edged; say so in one sentence."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Mật khẩu dài quá {MAX_PASSWORD_LENGTH} ký tự.",
            f"A password may not be longer than {MAX_PASSWORD_LENGTH} characters.",
        )
    if password != password.strip():
        raise ValidationFailed(
            "Mật khẩu không được bắt đầu hay kết thúc bằng dấu cách.",
            "A password may not begin or end with a space.",
        )


# --- actors ----------------------------------------------------------------------------------


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role, agency_code=user.agency_code,
                 display_name=user.display_name)


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    now = now or clock.now()
    return user.locked_until is not None and user.locked_until > now


def _load_for_update(session: Session, username: str) -> User | None:
    stmt = select(User).where(func.lower(User.username) == username)
    if session.bind.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


@retrying()
def authenticate(engine: Engine, username: str, password: str) -> Actor:
    """The actor behind a user name and password, or ``AuthFailed`` (one sentence for every cause).

    Counts wrong passwords; the fifth in a row locks the account for ``LOCK_MINUTES``. The lock is
    recorded in the audit trail (``user.lock``). A correct password resets the count.
    """
    name = normalise_username(username)
    if not name or not password or len(password) > MAX_PASSWORD_LENGTH:
        raise AuthFailed()
    now = clock.now()
    with session_scope(engine) as session:
        user = _load_for_update(session, name)
        if user is None or not user.is_active or not user.password_hash:
            verify_password(_DUMMY_HASH, password)
            # The typed name is not logged: people sometimes type their password into that field.
            log.info("sign-in refused: no active account with that user name")
            outcome: Actor | None = None
        elif is_locked(user, now):
            verify_password(_DUMMY_HASH, password)
            log.info("sign-in refused: account %r is locked until %s", user.username, user.locked_until)
            outcome = None
        elif verify_password(user.password_hash, password):
            user.failed_attempts = 0
            user.locked_until = None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            log.info("sign-in: %r (%s)", user.username, user.role)
            outcome = actor_of(user)
        else:
            if user.locked_until is not None:  # an earlier lock has run out: start counting afresh
                user.failed_attempts = 0
                user.locked_until = None
            user.failed_attempts = (user.failed_attempts or 0) + 1
            log.info("sign-in refused: wrong password for %r (%d in a row)", user.username,
                     user.failed_attempts)
            if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
                user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
                log.warning("account %r locked until %s after %d failed sign-ins", user.username,
                            user.locked_until, user.failed_attempts)
                audit.record(session, SYSTEM, "user.lock", "user", user.id,
                             {"username": user.username, "locked_until": None},
                             {"username": user.username, "locked_until": user.locked_until,
                              "failed_attempts": user.failed_attempts})
            outcome = None
    if outcome is None:
        raise AuthFailed()
    return outcome


# --- sessions --------------------------------------------------------------------------------


def idle_expired(last_seen: dt.datetime | None, now: dt.datetime | None = None,
                 idle_minutes: int | None = None) -> bool:
    """True when more than ``idle_minutes`` (default ``config.idle_minutes()``) passed since ``last_seen``.

    ``idle_minutes <= 0`` switches idle expiry off. A session never seen counts as expired.
    """
    minutes = config.idle_minutes() if idle_minutes is None else idle_minutes
    if minutes <= 0:
        return False
    if last_seen is None:
        return True
    now = now or clock.now()
    return now - last_seen > dt.timedelta(minutes=minutes)


def refresh_actor(engine: Engine, actor: Actor) -> Actor | None:
    """The actor as the database has it now (role or agency changed, account deactivated -> None).

    Called on every run, so an administrator's change takes effect at the user's next click.
    """
    if actor.user_id is None:
        return actor
    with read_session(engine) as session:
        user = session.get(User, actor.user_id)
        if user is None or not user.is_active:
            return None
        return actor_of(user)


def actor_for_email(engine: Engine, email: str | None) -> Actor:
    """Single sign-on: the active user whose e-mail matches (case-insensitive), else ``NoAccountForEmail``."""
    wanted = (email or "").strip().lower()
    if not wanted:
        raise NoAccountForEmail(email)
    with read_session(engine) as session:
        user = session.scalar(select(User).where(func.lower(User.email) == wanted))
        if user is None or not user.is_active:
            log.info("single sign-on refused: no active account for %r", wanted)
            raise NoAccountForEmail(email)
        log.info("single sign-on: %r as %r (%s)", wanted, user.username, user.role)
        return actor_of(user)
