"""The read path of ``qh_data.queries``: statements built and compiled once, run on a bare DBAPI cursor.

A page's queries are small: most of them take the database well under a millisecond. Sent through
an ORM session each call paid a fixed 1–3 ms on top (building the statement, its cache key, a
session, a pooled connection with a pre-ping round trip on PostgreSQL, a rollback, Row objects,
then a DataFrame): 3–50 times the database's own work. Here

* a statement is a ``Prepared``: written once with SQLAlchemy (typed columns, dialect-correct SQL)
  with named ``param(...)`` placeholders, and compiled once per dialect and *shape* (the arguments
  that change the SQL text: which filters are on, how many codes in a list), never per call;
* it runs on a DBAPI connection of a reader pool: on SQLite the engine's own pool (no pre-ping
  there), on PostgreSQL a twin engine in autocommit (every SELECT one round trip, no BEGIN and no
  ROLLBACK; each statement sees the data committed when it starts, as under READ COMMITTED) without
  pre-ping: a connection found dead is replaced and the statement sent again once;
* values come back through the same SQLAlchemy result processors as before (SQLite's date strings
  become dates), as plain tuples or dicts.

DBAPI errors leave as SQLAlchemy's exception classes (``OperationalError`` …), so callers handle a
lost database exactly as before. ``tracing()`` records what is sent (the benchmark replays it).
"""

from __future__ import annotations

import collections
import contextlib
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, Self

from sqlalchemy import Engine, bindparam, event
from sqlalchemy.exc import DBAPIError

from .db import make_engine

_NOT_GIVEN = object()


def param(name: str, type_=None):
    """A named placeholder in a prepared statement; its value comes with each call."""
    return bindparam(name, None, type_=type_)


def params_in(name: str, count: int, type_=None) -> list:
    """``count`` placeholders ``name__0 … name__{count-1}`` for an IN list (the count is part of the shape)."""
    return [bindparam(f"{name}__{i}", None, type_=type_) for i in range(count)]


def list_params(name: str, values) -> dict[str, Any]:
    """The values for ``params_in(name, len(values))``."""
    return {f"{name}__{i}": v for i, v in enumerate(values)}


class Compiled:
    """One statement compiled for one dialect: its SQL, how to lay out the parameters, and how to
    read each result column."""

    __slots__ = ("_binders", "_defaults", "_dialect", "_named", "_positional", "_readers", "_to_records",
                 "_to_tuples", "_types", "columns", "sql")

    def __init__(self, stmt, dialect) -> None:
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = str(compiled)
        state = compiled._post_compile_expanded_state  # the parameters once IN lists are rendered
        if state is not None:
            self._defaults = dict(state.parameters)
            processors = {**compiled._bind_processors, **(state.processors or {})}
            order = state.positiontup
        else:
            self._defaults = {compiled.bind_names[bp]: bp.effective_value for bp in compiled.binds.values()}
            processors = dict(compiled._bind_processors)
            order = compiled.positiontup
        self._binders = processors
        self._named = order is None
        self._positional = tuple((name, processors.get(name)) for name in order) if order is not None else ()
        self.columns = tuple(col[0] for col in compiled._result_columns)
        self._types = tuple(col[3] for col in compiled._result_columns)
        self._dialect = dialect
        self._readers = None  # known after the first run: some depend on the type the driver reports
        self._to_records = None
        self._to_tuples = None

    def parameters(self, values: dict[str, Any]):
        if self._named:
            out = dict(self._defaults)
            out.update(values)
            for name, fn in self._binders.items():
                if name in out:
                    out[name] = fn(out[name])
            return out
        defaults = self._defaults
        out = []
        for name, fn in self._positional:
            v = values.get(name, _NOT_GIVEN)
            if v is _NOT_GIVEN:
                v = defaults[name]
            out.append(v if fn is None else fn(v))
        return out

    def learn(self, description) -> None:
        """Pick each column's result processor, as SQLAlchemy does, from the driver's type codes."""
        codes = [d[1] for d in description] if description else [None] * len(self._types)
        readers = [t._cached_result_processor(self._dialect, code) for t, code in zip(self._types, codes)]
        self._readers = tuple((i, fn) for i, fn in enumerate(readers) if fn is not None)

    def read_records(self, rows: list[tuple]) -> list[dict[str, Any]]:
        """Rows as dicts, each value through its column's result processor."""
        if self._to_records is None:
            self._to_records = _row_builder(self.columns, dict(self._readers), as_dicts=True)
        return self._to_records(rows)

    def read(self, rows: list[tuple]) -> list[tuple]:
        """Rows as tuples, each value through its column's result processor."""
        if not self._readers:
            return rows
        if self._to_tuples is None:
            self._to_tuples = _row_builder(self.columns, dict(self._readers), as_dicts=False)
        return self._to_tuples(rows)


def _row_builder(columns: tuple[str, ...], readers: dict[int, Callable], *, as_dicts: bool) -> Callable:
    """A function turning a statement's rows into dicts (or tuples), written for its columns: one
    display per row with the result processors inline -- about twice as fast as ``dict(zip(...))``
    followed by a pass per processed column, and that is most of a small query's Python time.
    Only the column names go into the code, as ``repr`` literals."""
    names = [f"c{i}" for i in range(len(columns))]
    values = [f"_p{i}({names[i]})" if i in readers else names[i] for i in range(len(columns))]
    if as_dicts:
        display = "{" + ", ".join(f"{col!r}: {v}" for col, v in zip(columns, values)) + "}"
    else:
        display = "(" + ", ".join(values) + ("," if len(values) == 1 else "") + ")"
    unpack = ", ".join(names) + ("," if len(names) == 1 else "")
    source = f"def build(rows):\n    return [{display} for ({unpack}) in rows]\n"
    namespace = {f"_p{i}": fn for i, fn in readers.items()}
    exec(compile(source, "<qh_data.reads rows>", "exec"), namespace)  # noqa: S102 -- our own column names only
    return namespace["build"]


class Prepared:
    """A SELECT written once: ``build(dialect_name, *shape)`` returns it with ``param`` placeholders;
    it is compiled once per (dialect, shape) and kept."""

    def __init__(self, build: Callable[..., Any]) -> None:
        self._build = build
        self._compiled: dict[tuple, Compiled] = {}
        self._lock = threading.Lock()

    def compiled(self, dialect, shape: tuple = ()) -> Compiled:
        key = (dialect.name, shape)
        found = self._compiled.get(key)
        if found is None:
            with self._lock:
                found = self._compiled.get(key)
                if found is None:
                    found = Compiled(self._build(dialect.name, *shape), dialect)
                    self._compiled[key] = found
        return found


# --- tracing (the benchmark replays what was sent) ---------------------------------------------------

_trace: list | None = None


@contextlib.contextmanager
def tracing() -> Iterator[list[tuple[str, Any]]]:
    """Record every (SQL, parameters) sent by this module while the block runs."""
    global _trace
    previous, _trace = _trace, []
    try:
        yield _trace
    finally:
        _trace = previous


# --- the reader pool ------------------------------------------------------------------------------------

class _Stash:
    """Idle pooled connections kept checked out between reads (a ``deque``: taking and putting back are
    atomic, no lock): handing one out costs a list operation instead of a pool round (checkout, reset
    on return: ~5 µs, as much as a small SQLite query). Each connection still belongs to the engine's
    pool, and ``dispose()`` closes them all."""

    def __init__(self, engine: Engine, keep: int, *, weak: bool = False) -> None:
        # weak: the engine is the key this stash is kept under (SQLite), which must stay free to go
        self._engine = weakref.ref(engine) if weak else (lambda: engine)
        self.keep = keep
        self.idle: collections.deque = collections.deque()

    @property
    def engine(self) -> Engine:
        return self._engine()

    def take(self):
        try:
            return self.idle.pop()
        except IndexError:
            return self.engine.raw_connection()

    def give_back(self, fairy) -> None:
        if len(self.idle) < self.keep:
            self.idle.append(fairy)
        else:
            fairy.close()

    def dispose(self) -> None:
        while True:
            try:
                fairy = self.idle.pop()
            except IndexError:
                return
            fairy.invalidate()  # closes the DBAPI connection now (its pool may already be gone)


_stashes: weakref.WeakKeyDictionary[Engine, _Stash] = weakref.WeakKeyDictionary()
_stashes_lock = threading.Lock()


def _stash(engine: Engine) -> _Stash:
    found = _stashes.get(engine)
    if found is None:
        with _stashes_lock:
            found = _stashes.get(engine)
            if found is None:
                found = _make_stash(engine)
                _stashes[engine] = found
    return found


def _make_stash(engine: Engine) -> _Stash:
    """On SQLite the engine's own pool (no pre-ping there); on PostgreSQL a twin engine in autocommit
    (``db.make_engine(reads_only=True)``), disposed with its parent."""
    if engine.dialect.name == "sqlite":
        stash = _Stash(engine, keep=5, weak=True)
        event.listen(engine, "engine_disposed", lambda _engine, stash=stash: stash.dispose())
        return stash
    twin = make_engine(engine.url, reads_only=True)
    stash = _Stash(twin, keep=5)
    event.listen(engine, "engine_disposed", lambda _engine, twin=twin: twin.dispose())
    event.listen(twin, "engine_disposed", lambda _engine, stash=stash: stash.dispose())
    return stash


class Reader:
    """One pooled DBAPI connection for the statements of one query function (``with reading(engine) as r``)."""

    __slots__ = ("_dialect", "_fairy", "_stash")

    def __init__(self, engine: Engine) -> None:
        self._stash = _stash(engine)
        self._dialect = engine.dialect
        self._fairy = None

    def dbapi_connection(self):
        """The driver's connection this reader holds (taken from the stash on first use)."""
        if self._fairy is None:
            self._fairy = self._stash.take()
        return self._fairy.dbapi_connection

    def close(self) -> None:
        if self._fairy is not None:
            self._stash.give_back(self._fairy)
            self._fairy = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _run(self, prepared: Prepared, values: dict[str, Any] | None, shape: tuple) -> tuple[Compiled, list]:
        """The compiled statement and its raw rows (values not yet through the result processors)."""
        compiled = prepared.compiled(self._dialect, shape)
        params = compiled.parameters(values or {})
        if _trace is not None:
            _trace.append((compiled.sql, params))
        for attempt in (1, 2):
            conn = self.dbapi_connection()
            try:
                cur = conn.cursor()
                try:
                    cur.execute(compiled.sql, params)
                    rows = cur.fetchall()
                    if compiled._readers is None:
                        compiled.learn(cur.description)
                finally:
                    cur.close()
                return compiled, rows
            except self._dialect.loaded_dbapi.Error as exc:
                broken = _is_broken(conn)
                if broken:
                    self._fairy.invalidate(exc)
                    self._fairy = None
                    if attempt == 1:
                        continue  # a connection that died in the pool: once more on a fresh one
                raise DBAPIError.instance(compiled.sql, params, exc, self._dialect.loaded_dbapi.Error,
                                          connection_invalidated=broken, dialect=self._dialect) from exc
        raise AssertionError("unreachable")

    def rows(self, prepared: Prepared, values: dict[str, Any] | None = None, shape: tuple = ()) -> list[tuple]:
        compiled, rows = self._run(prepared, values, shape)
        return compiled.read(rows)

    def records(self, prepared: Prepared, values: dict[str, Any] | None = None, shape: tuple = ()
                ) -> list[dict[str, Any]]:
        compiled, rows = self._run(prepared, values, shape)
        return compiled.read_records(rows)

    def one(self, prepared: Prepared, values: dict[str, Any] | None = None, shape: tuple = ()
            ) -> dict[str, Any] | None:
        found = self.records(prepared, values, shape)
        return found[0] if found else None

    def scalar(self, prepared: Prepared, values: dict[str, Any] | None = None, shape: tuple = ()):
        rows = self.rows(prepared, values, shape)
        return rows[0][0] if rows else None


def _is_broken(conn) -> bool:
    """True when the DBAPI connection can no longer be used (server gone, connection closed)."""
    if getattr(conn, "broken", False):  # psycopg 3
        return True
    closed = getattr(conn, "closed", False)
    return bool(closed) and not callable(closed)


def reading(engine: Engine) -> Reader:
    """``with reading(engine) as r: r.records(...)``: the connection goes back when the block ends."""
    return Reader(engine)
