"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL.

PostgreSQL comes from QH_TEST_PG_URL (default: the machine's server, postgres@127.0.0.1:5432/test).
Each test session works in databases of its own (created here, dropped at the end), so parallel
sessions never see each other's rows. If PostgreSQL cannot be reached the tests fail; they are
never skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from qh_data import schema
from qh_data.db import make_engine

PG_ADMIN_URL = os.environ.get("QH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)


class PgDatabases:
    """Creates throw-away PostgreSQL databases and drops them all at the end of the session."""

    def __init__(self) -> None:
        self.prefix = f"qh_t_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []
        self.admin = _pg_admin()

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        with self.admin.connect() as conn:
            tmpl = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))
        self.created.append(name)
        return name

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases():
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory, pg_databases):
    """One migrated empty database and one seeded demo database per backend, copied per test."""
    root = tmp_path_factory.mktemp("templates")
    made: dict[str, dict[str, str]] = {}

    def get(backend: str, seeded: bool) -> str:
        key = "demo" if seeded else "empty"
        if key in made.get(backend, {}):
            return made[backend][key]
        if backend == "sqlite":
            path = root / f"{key}.sqlite3"
            url = f"sqlite:///{path}"
        else:
            url = pg_databases.url(pg_databases.create())
        engine = make_engine(url)
        schema.upgrade(engine)
        if seeded:
            from qh_data import demo

            demo.seed(engine, quiet=True)
        engine.dispose()
        made.setdefault(backend, {})[key] = str(path) if backend == "sqlite" else url.rsplit("/", 1)[1]
        return made[backend][key]

    return get


def _copy(backend: str, template: str, tmp_path: Path, pg_databases) -> str:
    if backend == "sqlite":
        target = tmp_path / f"db_{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    return pg_databases.url(pg_databases.create(template=template))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine(backend, _templates, tmp_path, pg_databases):
    """An empty, migrated database of its own for this test."""
    eng = make_engine(_copy(backend, _templates(backend, False), tmp_path, pg_databases))
    yield eng
    eng.dispose()


@pytest.fixture
def demo_engine(backend, _templates, tmp_path, pg_databases):
    """A seeded demo database of its own for this test (free to write to)."""
    eng = make_engine(_copy(backend, _templates(backend, True), tmp_path, pg_databases))
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_demo_url(_templates, tmp_path, pg_databases) -> str:
    """A seeded SQLite demo database, for page tests (AppTest) that only need one backend."""
    return _copy("sqlite", _templates("sqlite", True), tmp_path, pg_databases)
