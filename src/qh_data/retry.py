"""Retrying a write that SQLite refused with "database is locked", then one clear sentence.

SQLite lets one writer in at a time. The engine already waits ``busy_timeout`` (5 s) for the write
lock, but a transaction can still be refused at once (a read snapshot that went stale before the
first write, in WAL mode) or after the wait when another writer holds the lock longer. Such a refusal
says nothing about the data: running the whole transaction again a moment later is correct, because
a service re-reads everything (and re-checks ``expected_version``) in its new transaction.

    from qh_data.retry import retry_locked, retrying

    task = retry_locked(tasks.update_progress, engine, actor, task_id, change, expected_version=v)

    @retrying()
    def update_progress(engine, actor, ...): ...

After ``attempts`` refusals the caller gets ``DatabaseBusy`` (a ``DatabaseUnavailable``, so pages
already show it as one sentence): "Cơ sở dữ liệu đang bận ...; nothing was saved, try again".
Only the lock refusal is retried. A lost connection (server stopped, network gone) is not retried
but becomes ``DatabaseUnavailable`` with ``db.unavailable``'s sentence, so a save during an outage
reads like a page view during one. Every other error (``StaleEdit``, ``ValidationFailed``, a bug)
goes to the caller unchanged; a ``QHError`` is never retried.

PostgreSQL never says "database is locked" (row locks wait), so wrapping a service costs nothing there.
"""

from __future__ import annotations

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
DEFAULT_ATTEMPTS = 5
DEFAULT_FIRST_DELAY = 0.05  # seconds; doubled after each refusal: 0.05, 0.1, 0.2, 0.4
DEFAULT_MAX_DELAY = 1.0


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


def retry_locked(fn: Callable[..., T], *args, attempts: int = DEFAULT_ATTEMPTS,
                 first_delay: float = DEFAULT_FIRST_DELAY, max_delay: float = DEFAULT_MAX_DELAY,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[int, BaseException], None] | None = None, **kwargs) -> T:
    """Call ``fn(*args, **kwargs)``; run it again after a lock refusal, up to ``attempts`` calls in all.

    ``fn`` must be a whole transaction (a service function), so a second call starts afresh.
    ``on_retry(attempt, exc)`` is called after each refusal that will be retried (tests use it).
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, DBAPIError) as exc:
            if not is_locked(exc):
                translated = _unavailable_or_same(exc, args)
                if translated is exc:
                    raise
                raise translated from exc
            if attempt == attempts:
                log.warning("write %s refused %d times: database is locked", _name(fn), attempts)
                raise DatabaseBusy(attempts) from exc
            log.info("write %s refused (database is locked), attempt %d of %d; retrying in %.2f s",
                     _name(fn), attempt, attempts, delay)
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

        inner.__wrapped_retry__ = True  # type: ignore[attr-defined]
        return inner

    return wrap


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
