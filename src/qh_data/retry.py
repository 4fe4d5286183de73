"""Running a write again when the database refused it for a reason that says nothing about the data, then
one clear sentence.

Every write service is wrapped in ``@retrying()`` (the services, the Excel door's task commit, the
sign-in's counters). A refusal is retried when it is

- SQLite's "database is locked": SQLite lets one writer in at a time. ``db.session_scope`` takes the
  write lock first (``BEGIN IMMEDIATE``) and the engine waits ``busy_timeout`` (5 s) for it; a writer
  that holds it longer makes ``BEGIN IMMEDIATE`` fail, before anything was read or written;
- PostgreSQL's deadlock (``40P01``), serialization failure (``40001``) or lock not available
  (``55P03``): the server rolled the transaction back. Row locks normally just wait, but two writes that
  lock several rows (a task list from Excel, a batch of figures) in different orders can deadlock, and the
  server then aborts one of them.

Running the whole service function again a moment later is correct: each attempt is a new
``session_scope`` transaction (the refused one was rolled back, so it wrote nothing, not even its audit
entry), and the service re-reads everything and re-checks ``expected_version`` in it. The wrapper is
re-entrant: a service called inside another retried call runs once, and the outermost call decides.

    from qh_data.retry import retry_locked, retrying

    @retrying()
    def update_progress(engine, actor, ...): ...

    task = retry_locked(some_write, engine, actor, ..., attempts=3)

After ``attempts`` refusals the caller gets ``DatabaseBusy`` (a ``DatabaseUnavailable``, so pages
already show it as one sentence): "Cơ sở dữ liệu đang bận ...; nothing was saved, try again".
A lost connection (server stopped, network gone) is not retried but becomes ``DatabaseUnavailable`` with
``db.unavailable``'s sentence, so a save during an outage reads like a page view during one. Every other
error (``StaleEdit``, ``ValidationFailed``, a bug) goes to the caller unchanged; a ``QHError`` is never
retried.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .errors import DatabaseUnavailable

log = logging.getLogger("qh.retry")

T = TypeVar("T")

LOCKED_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
DEFAULT_ATTEMPTS = 3  # on SQLite each attempt already waits up to busy_timeout (5 s) for the lock
DEFAULT_FIRST_DELAY = 0.05  # seconds; doubled after each refusal: 0.05, 0.1, 0.2, 0.4
DEFAULT_MAX_DELAY = 1.0

_inside = contextvars.ContextVar("qh_retry_inside", default=False)


class DatabaseBusy(DatabaseUnavailable):
    """The store refused the write several times because another write held it; nothing was saved."""

    def __init__(self, attempts: int):
        super().__init__(
            f"Cơ sở dữ liệu đang bận vì một thao tác ghi khác; đã thử {attempts} lần nhưng chưa lưu được. "
            "Chưa có thay đổi nào được ghi; hãy bấm lưu lại sau ít giây.",
            f"The database is busy with another write; tried {attempts} times without saving. "
            "Nothing was changed; please save again in a few seconds.",
        )
        self.attempts = attempts


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's lock refusals (SQLITE_BUSY / SQLITE_LOCKED), whatever wraps them."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(m in text for m in LOCKED_MESSAGES)


def is_retryable(exc: BaseException) -> bool:
    """True for a refusal that running the same transaction again can get past: SQLite's lock, or
    PostgreSQL's deadlock / serialization failure / lock not available."""
    if is_locked(exc):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_locked(fn: Callable[..., T], *args, attempts: int = DEFAULT_ATTEMPTS,
                 first_delay: float = DEFAULT_FIRST_DELAY, max_delay: float = DEFAULT_MAX_DELAY,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[int, BaseException], None] | None = None, **kwargs) -> T:
    """Call ``fn(*args, **kwargs)``; run it again after a retryable refusal, up to ``attempts`` calls in all.

    ``fn`` must be a whole transaction (a service function), so a second call starts afresh. Inside
    another ``retry_locked`` call (a retried service calling another), ``fn`` runs once: the outer call
    retries. ``on_retry(attempt, exc)`` is called after each refusal that will be retried (tests use it).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    if _inside.get():
        return fn(*args, **kwargs)
    token = _inside.set(True)
    try:
        return _attempts(fn, args, kwargs, attempts, first_delay, max_delay, sleep, on_retry)
    finally:
        _inside.reset(token)


def _attempts(fn, args, kwargs, attempts, first_delay, max_delay, sleep, on_retry):
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, DBAPIError) as exc:
            if not is_retryable(exc):
                translated = _unavailable_or_same(exc, args)
                if translated is exc:
                    raise
                raise translated from exc
            if attempt == attempts:
                log.warning("write %s refused %d times: %s", _name(fn), attempts, _reason(exc))
                raise DatabaseBusy(attempts) from exc
            log.info("write %s refused (%s), attempt %d of %d; retrying in %.2f s",
                     _name(fn), _reason(exc), attempt, attempts, delay)
            if on_retry is not None:
                on_retry(attempt, exc)
            sleep(delay)
            delay = min(max_delay, delay * 2)
    raise AssertionError("unreachable")


def retrying(attempts: int = DEFAULT_ATTEMPTS, first_delay: float = DEFAULT_FIRST_DELAY,
             max_delay: float = DEFAULT_MAX_DELAY):
    """Decorator form of ``retry_locked`` for service entry points."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(fn)
        def inner(*args, **kwargs) -> T:
            return retry_locked(fn, *args, attempts=attempts, first_delay=first_delay, max_delay=max_delay,
                                **kwargs)

        inner.retried = True  # type: ignore[attr-defined]  # tests check every write service has it
        return inner

    return wrap


def _reason(exc: BaseException) -> str:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return f"SQLSTATE {code}" if code else "database is locked"


def _unavailable_or_same(exc: BaseException, args: tuple) -> BaseException:
    """``db.unavailable``'s sentence for a lost connection (engine taken from the first argument)."""
    from . import db

    if not db.is_connection_error(exc):
        return exc
    engine = next((a for a in args if isinstance(a, Engine)), None)
    if engine is not None:
        return db.unavailable(engine, exc)
    return DatabaseUnavailable(
        "Không kết nối được cơ sở dữ liệu. Hãy kiểm tra máy chủ đang chạy và QH_DATABASE_URL đúng.",
        "Cannot reach the database. Check that the server is running and QH_DATABASE_URL is right.",
    )


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
