"""Engines and sessions for SQLite (embedded default) and PostgreSQL (shared store)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from . import config, versioning
from .errors import ConfigError, DatabaseUnavailable


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for them."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"QH_DATABASE_URL không hợp lệ ({url!r}): hãy dùng dạng sqlite:///duong/dan.sqlite3 "
            "hoặc postgresql://nguoidung@may:5432/csdl.",
            f"QH_DATABASE_URL is malformed ({url!r}): use sqlite:///path/file.sqlite3 "
            "or postgresql://user@host:5432/dbname.",
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(
            f"QH_DATABASE_URL dùng hệ quản trị '{backend}' chưa được hỗ trợ: chỉ dùng sqlite hoặc postgresql.",
            f"QH_DATABASE_URL names an unsupported database '{backend}': use sqlite or postgresql.",
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (PostgreSQL: a pool with pre-ping and recycle, which every read and write
    goes through)."""
    if not isinstance(url, str) and url is not None:
        url = url.render_as_string(hide_password=False)
    url = normalise_url(url or config.database_url())
    parsed = make_url(url)
    kwargs: dict = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 5}
    else:
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=1800,
                      connect_args={"connect_timeout": 5})
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"Không tạo được kết nối từ QH_DATABASE_URL: {exc}.", f"Cannot use QH_DATABASE_URL: {exc}."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


@functools.lru_cache(maxsize=8)
def engine_for(url: str | None = None) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


def describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise one clear sentence if the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        raise unavailable(engine, exc) from exc


def unavailable(engine: Engine, exc: Exception) -> DatabaseUnavailable:
    where = describe(engine)
    return DatabaseUnavailable(
        f"Không kết nối được cơ sở dữ liệu ({where}). Hãy kiểm tra máy chủ đang chạy và QH_DATABASE_URL đúng.",
        f"Cannot reach the database ({where}). Check that the server is running and QH_DATABASE_URL "
        "is right.",
    )


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, (OperationalError, DBAPIError)) and getattr(exc, "connection_invalidated", False) \
        or isinstance(exc, OperationalError) and "database is locked" not in str(exc)


@functools.lru_cache(maxsize=8)
def _factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A read-and-write session that commits once at the end, or rolls everything back.

    A versioned row changed by another transaction since this one read it (the ORM's version check,
    ``qh_data.versioning``) ends in ``StaleEdit``. Write services run it under ``retry.retrying``."""
    session = _factory(engine)()
    try:
        if engine.dialect.name == "sqlite":
            # Take the write lock now: a version check read later in this transaction then sees the
            # row as it will be written (pysqlite would otherwise begin only at the first UPDATE).
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise versioning.concurrent_edit() from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    session = _factory(engine)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
