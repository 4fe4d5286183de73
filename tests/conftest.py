"""Shared fixtures: every data-layer test runs on SQLite and on PostgreSQL.

PostgreSQL comes from QH_TEST_PG_URL (default: the machine's server, postgres@127.0.0.1:5432/test).
Each test session works in databases of its own (created here; emptied and reused, or dropped, by a
thread in the background once their test is over; the rest dropped at the end), so parallel sessions
never see each other's rows. If PostgreSQL cannot be reached the tests fail; they are never skipped.

Which store a test gets:
- ``engine``: an empty, migrated database of its own (free to write to).
- ``demo_engine``: a copy of the seeded demo of its own (free to write to).
- ``new_engine(backend, seeded=False)``: more databases of its own, on either backend.
- ``read_engine``: THE seeded demo of this session and backend, shared by every test that only reads.
  Its connections are read-only (SQLite ``PRAGMA query_only``, PostgreSQL
  ``default_transaction_read_only``), so a test that writes through it fails at once instead of
  changing what the other tests see.
- ``read_store(backend, name, build=None, seeded=True)``: the same for a store a module builds once
  (``build(engine)`` writes it first, then it is shared read-only); returns ``(engine, built)``.
- ``sqlite_demo_url``: a seeded SQLite copy of its own, for page tests (AppTest).

Passwords are hashed with argon2id at its cheapest parameters in tests (see ``_FAST_HASHER``): the
cost parameters are the only difference, and nothing asserts them."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool, Pool

from qh_data import auth, schema
from qh_data.db import make_engine

# The tests' files (SQLite stores, their copies, the app servers' databases, exports) live in memory
# when the machine has a tmpfs at /dev/shm: SQLite's checkpoints then never wait for the disk, which
# on this shared virtual disk cost more than the tests' own work. TMPDIR, when set, wins.
_MEMORY_FS = Path("/dev/shm")
if not os.environ.get("TMPDIR") and _MEMORY_FS.is_dir() and os.access(_MEMORY_FS, os.W_OK):
    tempfile.tempdir = str(_MEMORY_FS)

PG_ADMIN_URL = os.environ.get("QH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]

# argon2id, salted, verified and refused exactly as in production, at the lowest cost argon2 allows:
# the production parameters (64 MiB, 3 passes, 4 lanes) cost 0.1-0.5 s a hash on this machine, and the
# suite hashes and verifies hundreds of passwords (every demo seed, every sign-in test). Set here,
# before any test module is imported, so hashes made at import time are cheap too.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
auth.use_hasher(_FAST_HASHER)


def _pg_admin():
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)


FINGERPRINT = [text(sql) for sql in (
    ("SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns "
     "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"),
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname",
    ("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
     "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"),
    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1",
    "SELECT version_num FROM alembic_version",
)]


def _fingerprint(conn) -> tuple:
    """The tables, columns, indexes, constraints and sequences of the store and its migration."""
    return tuple(tuple(tuple(r) for r in conn.execute(q)) for q in FINGERPRINT)


class PgDatabases:
    """Creates throw-away PostgreSQL databases, recycles or drops them in a background thread.

    PostgreSQL 15 forces a checkpoint for every DROP DATABASE (0.3-2 s each on this machine), and a
    copy of a template writes the whole template again. So the copies of a template registered with
    ``recyclable`` (the empty migrated store) are emptied after their test (TRUNCATE ... RESTART
    IDENTITY), renamed (a test never sees a name another used) and handed to the next test by ``take``;
    a copy whose tables or migration changed is dropped instead, and so are the other copies.
    The thread does this work while the next tests run; ``drop_all()`` at the end of the session waits for
    it, then drops whatever is left.
    """

    def __init__(self) -> None:
        self.prefix = f"qh_t_{uuid.uuid4().hex[:8]}"
        self.admin = _pg_admin()
        self._n = 0
        self._lock = threading.Lock()
        self._live: set[str] = set()  # every database of this session that still exists
        self._recyclable: dict[str, tuple] = {}  # template -> its fingerprint
        self._ready: dict[str, queue.SimpleQueue[str]] = {}  # template -> emptied copies
        self._pending: dict[str, int] = {}  # template -> copies queued for emptying
        # (priority, order, (kind, name, template)): spares and recycling before drops, which a test
        # never waits for; the stop signal last
        self._work: queue.PriorityQueue[tuple[int, int, tuple | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._failures: list[str] = []
        self._worker = threading.Thread(target=self._work_loop, name="qh-pg-recycler", daemon=True)
        self._worker.start()

    def _new_name(self) -> str:
        with self._lock:
            self._n += 1
            return f"{self.prefix}_{self._n}"

    def create(self, template: str | None = None, admin=None) -> str:
        name = self._new_name()
        with (admin or self.admin).connect() as conn:
            tmpl = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{tmpl}'))
        with self._lock:
            self._live.add(name)
        return name

    def url(self, name: str) -> str:
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def _put(self, priority: int, job: tuple | None) -> None:
        self._work.put((priority, next(self._order), job))

    def recyclable(self, template: str, fingerprint: tuple, spares: int = 1) -> None:
        """Recycle the copies of ``template``; ``spares`` more copies made at once keep one ready for the
        next test while the last one is being emptied."""
        self._recyclable[template] = fingerprint
        self._ready[template] = queue.SimpleQueue()
        with self._lock:
            self._pending[template] = spares
        for _ in range(spares):
            self._put(0, ("spare", "", template))

    def take(self, template: str) -> str:
        """A copy of ``template`` of the caller's own: an emptied one (waiting for one being emptied:
        quicker than a copy, which a drop must follow), else a new one."""
        ready = self._ready.get(template)
        deadline = time.monotonic() + 3  # a drop in progress can hold the thread that long
        while ready is not None and time.monotonic() < deadline:
            try:
                return ready.get(timeout=0.02)
            except queue.Empty:
                with self._lock:
                    if not self._pending.get(template) or not self._worker.is_alive():
                        break
        return self.create(template=template)

    def give_back(self, name: str, template: str | None) -> None:
        """The test is over: recycle ``name`` if it is a copy of a recyclable template, else drop it."""
        if template in self._recyclable:
            with self._lock:
                self._pending[template] = self._pending.get(template, 0) + 1
            self._put(0, ("recycle", name, template))
        else:
            self._put(1, ("drop", name, template))

    def set_read_only(self, name: str) -> None:
        """Every later connection to ``name`` starts read-only transactions."""
        with self.admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))

    # --- the background thread ---
    def _work_loop(self) -> None:
        admin = _pg_admin()
        try:
            while (job := self._work.get()[2]) is not None:
                kind, name, template = job
                try:
                    if kind == "spare":
                        self._ready[template].put(self.create(template=template, admin=admin))
                    elif kind != "recycle" or not self._recycle(admin, name, template):
                        self._drop(admin, name)
                except Exception as exc:  # noqa: BLE001 - the thread lives on; drop_all reports it
                    self._failures.append(f"{kind} {name}: {exc}")
                finally:
                    if kind in ("recycle", "spare"):
                        with self._lock:
                            self._pending[template] -= 1
        finally:
            admin.dispose()

    def _drop(self, admin, name: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        with self._lock:
            self._live.discard(name)

    def _recycle(self, admin, name: str, template: str) -> bool:
        with admin.connect() as conn:  # connections the test left open would hold locks
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        store = create_engine(self.url(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with store.connect() as conn:
                conn.execute(text("SET lock_timeout = '10s'"))
                if _fingerprint(conn) != self._recyclable[template]:
                    return False
                tables = conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'")).scalars().all()
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        finally:
            store.dispose()
        fresh = self._new_name()
        for attempt in range(50):  # the closed connection may linger a moment in pg_stat_activity
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO "{fresh}"'))
                break
            except OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.05)
        with self._lock:
            self._live.discard(name)
            self._live.add(fresh)
        self._ready[template].put(fresh)
        return True

    def drop_all(self) -> None:
        """The session is over: stop the thread after the job in hand, then drop every database of the
        session in a process of its own that the session does not wait for (each DROP DATABASE waits
        for a checkpoint, 0.3-2 s here: seconds at the end of every worker otherwise)."""
        self._put(-1, None)  # before any job still queued: those databases are dropped with the rest
        self._worker.join()
        with self._lock:
            left = sorted(self._live)
        self.admin.dispose()
        if left:
            subprocess.Popen([sys.executable, "-c", _DROPPER, PG_ADMIN_URL, *left], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if self._failures:
            raise RuntimeError("test databases not recycled or dropped:\n" + "\n".join(self._failures))


# Drops the databases named after the admin URL, one after the other (concurrent drops wait on each
# other's checkpoints). Run detached by PgDatabases.drop_all.
_DROPPER = """
import sys
from sqlalchemy import create_engine, text
admin = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    for name in sys.argv[2:]:
        try:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        except Exception as exc:
            print(f"drop {name}: {exc}", file=sys.stderr)
admin.dispose()
"""


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
        fingerprint = None
        if seeded:
            from qh_data import demo

            demo.seed(engine, quiet=True)
        elif backend == "postgresql":
            with engine.connect() as conn:
                fingerprint = _fingerprint(conn)
        engine.dispose()  # a template is copied only when nobody is connected to it
        if fingerprint is not None:
            pg_databases.recyclable(engine.url.database, fingerprint)
        made.setdefault(backend, {})[key] = str(path) if backend == "sqlite" else url.rsplit("/", 1)[1]
        return made[backend][key]

    return get


def _copy(backend: str, template: str, tmp_path: Path, pg_databases) -> str:
    if backend == "sqlite":
        target = tmp_path / f"db_{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    return pg_databases.url(pg_databases.take(template))


@contextlib.contextmanager
def _own_copy(backend: str, template: str, tmp_path: Path, pg_databases):
    eng = make_engine(_copy(backend, template, tmp_path, pg_databases))
    try:
        yield eng
    finally:
        eng.dispose()
        if backend == "postgresql":
            pg_databases.give_back(eng.url.database, template)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def engine(backend, _templates, tmp_path, pg_databases):
    """An empty, migrated database of its own for this test."""
    with _own_copy(backend, _templates(backend, False), tmp_path, pg_databases) as eng:
        yield eng


@pytest.fixture
def demo_engine(backend, _templates, tmp_path, pg_databases):
    """A seeded demo database of its own for this test (free to write to)."""
    with _own_copy(backend, _templates(backend, True), tmp_path, pg_databases) as eng:
        yield eng


@pytest.fixture
def new_engine(_templates, tmp_path, pg_databases):
    """``new_engine(backend, seeded=False)``: one more database of this test's own on ``backend``
    (empty and migrated, or a copy of the seeded demo), given back after the test."""
    with contextlib.ExitStack() as stack:
        def make(backend: str, seeded: bool = False):
            return stack.enter_context(_own_copy(backend, _templates(backend, seeded), tmp_path, pg_databases))

        yield make


@pytest.fixture
def sqlite_demo_url(_templates, tmp_path, pg_databases) -> str:
    """A seeded SQLite demo database, for page tests (AppTest) that only need one backend."""
    return _copy("sqlite", _templates("sqlite", True), tmp_path, pg_databases)


# --- stores shared by the tests that only read -------------------------------------------------------

_READ_ONLY_SQLITE: set[str] = set()  # resolved paths of the SQLite files every connection opens read-only


@event.listens_for(Pool, "connect")
def _read_only_sqlite(dbapi_conn, _record) -> None:
    """Any engine's connection to a shared SQLite store (the test's, or one the code under test makes
    from its URL) refuses writes: ``attempt to write a readonly database``."""
    if not _READ_ONLY_SQLITE or not isinstance(dbapi_conn, sqlite3.Connection):
        return
    main = next((row[2] for row in dbapi_conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if main and str(Path(main).resolve()) in _READ_ONLY_SQLITE:
        dbapi_conn.execute("PRAGMA query_only = ON")


@pytest.fixture(scope="session")
def read_store(_templates, tmp_path_factory, pg_databases):
    """``read_store(backend, name, build=None, seeded=True)`` -> ``(engine, built)``: a store made once per
    session and backend, then shared read-only. It starts as a copy of the seeded demo (``seeded=False``:
    of the empty migrated store); ``build(engine)``, if given, writes to it first and what it returns
    is handed back as ``built``."""
    root = tmp_path_factory.mktemp("read_stores")
    made: dict[tuple[str, str], tuple] = {}

    def get(backend: str, name: str, build=None, seeded: bool = True):
        if (backend, name) in made:
            return made[(backend, name)]
        template = _templates(backend, seeded)
        if backend == "sqlite":
            path = root / f"{uuid.uuid4().hex[:8]}.sqlite3"
            shutil.copyfile(template, path)
            url = f"sqlite:///{path}"
        else:
            url = pg_databases.url(pg_databases.create(template=template))  # dropped at the end
        built = None
        if build is not None:
            writer = make_engine(url)
            try:
                built = build(writer)
            finally:
                writer.dispose()
        if backend == "sqlite":
            _READ_ONLY_SQLITE.add(str(path.resolve()))
        else:
            pg_databases.set_read_only(url.rsplit("/", 1)[1])
        made[(backend, name)] = (make_engine(url), built)
        return made[(backend, name)]

    yield get
    for eng, _ in made.values():
        eng.dispose()


@pytest.fixture
def read_engine(backend, read_store):
    """The seeded demo shared by every read-only test of this session and backend (writes fail)."""
    return read_store(backend, "demo")[0]
