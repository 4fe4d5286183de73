"""Alembic migrations are the only way the schema is made, and they agree with the models."""

from sqlalchemy import inspect, text

from qh_data import schema
from qh_data.db import make_engine


def test_models_and_migrations_agree(engine):
    assert schema.current_revision(engine) == schema.head_revision()
    assert schema.differences(engine) == []


def test_downgrade_to_base_and_upgrade_again(engine):
    schema.downgrade(engine, "base")
    assert not inspect(engine).has_table("task")
    schema.upgrade(engine)
    assert schema.differences(engine) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path}/x.sqlite3")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
