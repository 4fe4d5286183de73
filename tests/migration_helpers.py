"""What the migration tests share: a store's rows and columns as read through a revision's reflected
tables, the store taken down to a revision, and an upgrade made to fail half way."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import MetaData, event, inspect, select

from qh_data import schema


def snapshot(engine, md: MetaData) -> dict[str, list[tuple]]:
    """Every row of every table of ``md`` (a revision's reflected tables), in its columns, in a fixed order."""
    out = {}
    with engine.connect() as c:
        for name, table in md.tables.items():
            if name == "alembic_version":
                continue
            out[name] = sorted(c.execute(select(*table.c)).all(), key=repr)
    return out


def columns_of(engine) -> dict[str, list[str]]:
    insp = inspect(engine)
    return {t: sorted(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}


def store_at(engine, revision: str) -> tuple[MetaData, dict, dict]:
    """The store downgraded to ``revision``: (its reflected tables, its rows, its columns)."""
    schema.downgrade(engine, revision)
    assert schema.current_revision(engine) == revision
    md = MetaData()
    md.reflect(engine)
    return md, snapshot(engine, md), columns_of(engine)


@contextlib.contextmanager
def failing_when(engine, statement_matches):
    """Every statement the engine sends that ``statement_matches`` raises "disk full"; the block must
    raise it."""
    def fail(conn, cursor, statement, parameters, context, executemany):
        if statement_matches(statement):
            raise RuntimeError("disk full")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)
