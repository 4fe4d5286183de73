"""Migration 0006_agency_succession (issue 15) adds the agencies' validity range, the succession table and
``task.reassigned_from_code`` to a store seeded by the current code, with nothing lost; its downgrade gives
the 0005 store back as it was. On SQLite and PostgreSQL (the ``demo_engine`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from migration_helpers import columns_of, failing_when, snapshot, store_at
from sqlalchemy import text

from qh_data import schema

BEFORE = "0005_intake_profiles"
AFTER = "0006_agency_succession"








def test_upgrade_keeps_every_row_and_downgrade_gives_the_0005_store_back(demo_engine):
    md, before, columns = store_at(demo_engine, BEFORE)
    assert "agency_succession" not in columns and "valid_from" not in columns["agency"]
    assert sum(len(rows) for rows in before.values()) > 1000  # the demo: a real store, not an empty one

    schema.upgrade(demo_engine)
    assert schema.current_revision(demo_engine) == schema.head_revision()  # 0006 and what came after it
    assert schema.differences(demo_engine) == []
    assert snapshot(demo_engine, md) == before  # every 0005 row, every 0005 column, unchanged
    with demo_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM agency_succession")).scalar_one() == 0
        assert c.execute(text("SELECT count(*) FROM agency WHERE valid_from IS NOT NULL "
                              "OR valid_to IS NOT NULL")).scalar_one() == 0
        assert c.execute(text("SELECT count(*) FROM task WHERE reassigned_from_code IS NOT NULL")).scalar_one() == 0
        c.execute(text("UPDATE agency SET valid_to = :d WHERE code = 'LS-SKHDT'"), {"d": dt.date(2025, 2, 28)})
        c.commit()

    schema.downgrade(demo_engine, BEFORE)
    assert columns_of(demo_engine) == columns
    assert snapshot(demo_engine, md) == before


def test_the_range_check_refuses_an_agency_that_ends_before_it_starts(engine):
    with engine.connect() as c, pytest.raises(Exception, match="(?i)check|ck_agency_range"):
        c.execute(text("INSERT INTO agency (code, name, kind, is_committee_member, is_synthetic, valid_from, "
                       "valid_to) VALUES ('X', 'X', 'so', false, false, :a, :b)"),
                  {"a": dt.date(2025, 3, 1), "b": dt.date(2025, 2, 1)})


def test_an_upgrade_failing_half_way_leaves_the_0005_store_intact(demo_engine, backend):
    md, before, columns = store_at(demo_engine, BEFORE)

    with failing_when(demo_engine, lambda statement: "CREATE TABLE agency_succession" in statement):
        schema.upgrade(demo_engine)
    assert schema.current_revision(demo_engine) == BEFORE
    assert columns_of(demo_engine) == columns
    assert snapshot(demo_engine, md) == before
    if backend == "sqlite":
        with demo_engine.connect() as c:
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    schema.upgrade(demo_engine)
    assert schema.differences(demo_engine) == []
