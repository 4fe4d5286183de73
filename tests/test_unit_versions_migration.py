"""Migrations 0003_unit_versions (expand) and 0004_unit_versions_contract (issue 14) move a store made by 0001
with nothing lost.

The 0001 store is filled through *reflected* 0001 tables (Core inserts), so the test does not depend on the
models that change. On SQLite and PostgreSQL (the ``engine`` fixture), including an upgrade made to fail
half-way, which must leave the 0001 store as it was.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from migration_helpers import columns_of, snapshot
from sqlalchemy import MetaData, event, select, text

from qh_data import schema

BEFORE = "0001"
EXPAND = "0003_unit_versions"
ID_COLUMNS = (
    ("agency", "province_code", "province_unit_id"),
    ("agency", "admin_unit_code", "unit_id"),
    ("indicator_value", "admin_unit_code", "unit_id"),
    ("task", "province_code", "province_unit_id"),
    ("task_admin_unit", "admin_unit_code", "unit_id"),
    ("issue", "province_code", "province_unit_id"),
    ("issue_admin_unit", "admin_unit_code", "unit_id"),
    ("meeting", "province_code", "province_unit_id"),
)  # and document_signer.province_code, a table 0001 does not have (0002_document_signers)
T0 = dt.datetime(2024, 3, 1, 9, 30)


def _store_0001(engine) -> MetaData:
    """A store made by migration 0001 and filled through its reflected tables."""
    schema.downgrade(engine, "base")
    schema.upgrade(engine, BEFORE)
    md = MetaData()
    md.reflect(engine)
    t = md.tables
    units = [
        {"code": "VN", "name": "Việt Nam", "level": "country", "parent_code": None, "valid_from": None},
        {"code": "20", "name": "Lạng Sơn", "level": "province", "type": "Tỉnh", "parent_code": "VN",
             "valid_from": dt.date(2008, 8, 1)},
        {"code": "19", "name": "Thái Nguyên", "level": "province", "type": "Tỉnh", "parent_code": "VN",
             "valid_from": dt.date(2008, 8, 1)},
        {"code": "178", "name": "Thành phố Lạng Sơn", "level": "district", "type": "Thành phố", "parent_code": "20",
             "area_km2": 77.94, "population_2019": 103281, "valid_from": dt.date(2020, 1, 1), "source": "GSO"},
        {"code": "180", "name": "Huyện Tràng Định", "level": "district", "type": "Huyện", "parent_code": "20",
             "valid_from": dt.date(2020, 1, 1)},
        # A start date that is not one of refdata's placeholders stays as it is.
        {"code": "05977", "name": "Phường Vĩnh Trại", "level": "commune", "type": "Phường", "parent_code": "178",
             "valid_from": dt.date(2019, 5, 2), "valid_to": dt.date(2025, 6, 30)},
    ]
    with engine.begin() as c:
        _put(c, t["admin_unit"], [{"is_synthetic": False, **u} for u in units])  # parents first
        _put(c, t["indicator"], [{
            "code": "grdp", "name_vi": "Tổng sản phẩm", "name_en": "GRDP", "unit": "tỷ đồng", "group": "economy",
            "direction": "higher", "aggregation": "sum", "is_rate": False, "decimals": 1, "sort_order": 1, "is_demo": False}])
        _put(c, t["agency"], [
            {"code": "SKHDT-20", "name": "Sở Kế hoạch và Đầu tư", "kind": "so", "role": "SKHDT", "province_code": "20",
                 "admin_unit_code": "20", "is_committee_member": True, "is_synthetic": False},
            {"code": "UBND-178", "name": "UBND thành phố Lạng Sơn", "kind": "ubnd_huyen", "province_code": "20",
                 "admin_unit_code": "178", "is_committee_member": True, "is_synthetic": False},
            {"code": "TV-1", "name": "Tư vấn", "kind": "tu_van", "is_committee_member": False, "is_synthetic": False},
        ])
        _put(c, t["app_user"], [{
            "id": 1, "username": "an", "display_name": "Nguyễn Văn An", "role": "dpi_editor", "agency_code": "SKHDT-20",
            "is_active": True, "failed_attempts": 0, "created_at": T0, "version": 1}])
        _put(c, t["indicator_value"], [
            {"id": 1, "indicator_code": "grdp", "admin_unit_code": "178", "period": "2024", "period_type": "year", "year": 2024,
                 "kind": "actual", "value": 100.0, "revision": 1, "submitted_by_id": 1, "submitted_at": T0,
                 "superseded_at": T0 + dt.timedelta(days=3), "is_demo": False},
            {"id": 2, "indicator_code": "grdp", "admin_unit_code": "178", "period": "2024", "period_type": "year", "year": 2024,
                 "kind": "actual", "value": 101.5, "revision": 2, "submitted_by_id": 1, "submitted_at": T0 + dt.timedelta(days=3),
                 "is_demo": False, "note": "sửa số liệu"},
            {"id": 3, "indicator_code": "grdp", "admin_unit_code": "20", "period": "2026-H1", "period_type": "half",
                 "year": 2026, "kind": "estimate", "value": None, "revision": 1, "submitted_at": T0, "is_demo": True},
            {"id": 4, "indicator_code": "grdp", "admin_unit_code": "05977", "period": "2030", "period_type": "year",
                 "year": 2030, "kind": "target", "value": 7.5, "revision": 1, "submitted_at": T0, "is_demo": False},
        ])
        _put(c, t["meeting"], [{
            "id": 1, "province_code": "20", "held_on": dt.date(2024, 4, 2), "title": "Phiên họp quý I", "kind": "regular",
            "status": "held", "version": 1, "is_demo": False}])
        _put(c, t["meeting_invitee"], [{"meeting_id": 1, "agency_code": "UBND-178"}])
        _put(c, t["conclusion"], [{"id": 1, "meeting_id": 1, "number": 1, "text": "Đẩy nhanh GPMB",
                                                  "lead_agency_code": "UBND-178", "all_members": False, "version": 1}])
        _put(c, t["agenda_item"], [{"id": 1, "meeting_id": 1, "position": 1, "kind": "free", "title": "Khai mạc"}])
        _put(c, t["task"], [
            {"id": 1, "code": "LS-2024-001", "title": "Giải phóng mặt bằng", "province_code": "20", "meeting_id": 1,
                 "conclusion_id": 1, "lead_agency_code": "UBND-178", "assigned_on": dt.date(2024, 4, 2), "status": "in_progress",
                 "percent_done": 40, "version": 2, "created_at": T0, "updated_at": T0, "updated_by_id": 1, "is_demo": False},
            {"id": 2, "code": "LS-2024-002", "title": "Không có đơn vị", "province_code": "20", "lead_agency_code": "SKHDT-20",
                 "assigned_on": dt.date(2024, 4, 2), "status": "not_started", "percent_done": 0, "version": 1,
                 "created_at": T0, "updated_at": T0, "is_demo": False},
        ])
        _put(c, t["task_admin_unit"], [{"task_id": 1, "admin_unit_code": "178"},
                                                  {"task_id": 1, "admin_unit_code": "180"}])
        _put(c, t["task_supporting_agency"], [{"task_id": 1, "agency_code": "SKHDT-20"}])
        _put(c, t["task_update"], [{
            "id": 1, "task_id": 1, "at": T0, "user_id": 1, "status": "in_progress", "percent_done": 40, "note": "đang làm", "version": 2}])
        _put(c, t["issue"], [{
            "id": 1, "code": "LS-VM-001", "title": "Vướng mặt bằng", "province_code": "20", "raised_by_code": "UBND-178",
            "raised_on": dt.date(2024, 5, 1), "related_task_id": 1, "severity": "high", "status": "open",
            "for_next_meeting": True, "version": 1, "created_at": T0, "updated_at": T0, "is_demo": False}])
        _put(c, t["issue_admin_unit"], [{"issue_id": 1, "admin_unit_code": "05977"}])
        _put(c, t["audit_entry"], [
            {"at": T0, "user_id": 1, "username": "an", "agency_code": "SKHDT-20", "action": "update", "entity": "task",
                 "entity_id": "1", "before": json.dumps({"percent_done": 0}), "after": json.dumps({"percent_done": 40})},
            {"at": T0, "username": "an", "action": "create", "entity": "issue", "entity_id": "LS-VM-001", "before": None,
                 "after": json.dumps({"admin_units": ["05977"], "title": "Vướng mặt bằng"}, ensure_ascii=False)},
        ])
    return md


def _put(conn, table, rows: list[dict]) -> None:
    for row in rows:  # one by one: the rows do not all name the same columns
        conn.execute(table.insert().values(**row))




def test_upgrade_keeps_every_row_and_fills_unit_ids(engine):
    md = _store_0001(engine)
    before = snapshot(engine, md)
    schema.upgrade(engine, EXPAND)

    assert schema.current_revision(engine) == EXPAND
    after = snapshot(engine, md)  # the 0001 columns, read again
    audit_after = after.pop("audit_entry")
    assert after == {k: v for k, v in before.items() if k != "audit_entry"}
    assert audit_after[:2] == before["audit_entry"] and len(audit_after) == 3  # + the migration's own entry

    with engine.connect() as c:
        versions = c.execute(text(
            "SELECT v.code, v.level, v.valid_from, v.valid_to, p.code AS parent, v.name, v.area_km2 "
            "FROM admin_unit_version v LEFT JOIN admin_unit_version p ON p.id = v.parent_id "
            "ORDER BY v.level, v.code")).all()
        for table, code_col, id_col in ID_COLUMNS:
            codes = c.execute(text(f"SELECT count(*) FROM {table} WHERE {code_col} IS NOT NULL")).scalar_one()
            matched = c.execute(text(
                f"SELECT count(*) FROM {table} t JOIN admin_unit_version v ON v.id = t.{id_col} "
                f"WHERE v.code = t.{code_col}")).scalar_one()
            orphans = c.execute(text(
                f"SELECT count(*) FROM {table} WHERE ({code_col} IS NULL) <> ({id_col} IS NULL)")).scalar_one()
            assert codes == matched > 0 and orphans == 0, (table, code_col)
        entry = c.execute(text(
            "SELECT username, action, entity, entity_id, before, after FROM audit_entry "
            "WHERE action = 'migrate'")).one()
    assert [(v.code, v.level) for v in versions] == [
        ("05977", "commune"), ("VN", "country"), ("178", "district"), ("180", "district"),
        ("19", "province"), ("20", "province")]
    by_code = {v.code: v for v in versions}
    # refdata's placeholder start dates become "before the data begins"; a real one is kept.
    assert by_code["20"].valid_from is None and by_code["178"].valid_from is None
    assert str(by_code["05977"].valid_from) == "2019-05-02" and str(by_code["05977"].valid_to) == "2025-06-30"
    assert (by_code["05977"].parent, by_code["178"].parent, by_code["20"].parent, by_code["VN"].parent) == \
        ("178", "20", "VN", None)
    assert by_code["178"].name == "Thành phố Lạng Sơn" and by_code["178"].area_km2 == pytest.approx(77.94)
    assert entry.entity_id == "0003_unit_versions" and entry.username == "alembic"
    assert json.loads(entry.before) == {"placeholder_valid_from": {"province": "2008-08-01",
                                                                   "district": "2020-01-01"}}
    assert json.loads(entry.after) == {"valid_from": None, "versions": 6, "versions_with_placeholder_cleared": 4}


def test_upgrade_failing_half_way_leaves_the_0001_store_intact(engine, backend):
    md = _store_0001(engine)
    before, columns = snapshot(engine, md), columns_of(engine)

    def fail_at_last_fill(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE MEETING"):
            raise RuntimeError("disk full")

    event.listen(engine, "before_cursor_execute", fail_at_last_fill)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            schema.upgrade(engine)
    finally:
        event.remove(engine, "before_cursor_execute", fail_at_last_fill)

    assert schema.current_revision(engine) == BEFORE
    assert columns_of(engine) == columns  # no new table, no new column
    assert snapshot(engine, md) == before
    if backend == "sqlite":
        with engine.connect() as c:
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
    schema.upgrade(engine)  # and the same store upgrades cleanly afterwards
    assert schema.differences(engine) == []


def test_downgrade_drops_only_what_0003_unit_versions_added(engine):
    md = _store_0001(engine)
    before, columns = snapshot(engine, md), columns_of(engine)
    schema.upgrade(engine, EXPAND)
    schema.downgrade(engine, BEFORE)
    assert columns_of(engine) == columns
    assert snapshot(engine, md) == before


def test_upgrade_aborts_when_a_code_has_no_unit_and_writes_nothing(engine, backend):
    """A code pointing at no unit (possible in an old SQLite store written with foreign keys off) would
    leave its id empty: the counts differ, the upgrade aborts, the 0001 store is as it was."""
    md = _store_0001(engine)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if backend == "sqlite":
            cur.execute("PRAGMA foreign_keys=OFF")
        else:
            cur.execute("SET session_replication_role = replica")  # foreign keys are triggers in PostgreSQL
        cur.execute("INSERT INTO task_admin_unit (task_id, admin_unit_code) VALUES (2, '999')")
        raw.commit()
        if backend == "sqlite":
            cur.execute("PRAGMA foreign_keys=ON")
        else:
            cur.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()
    before, columns = snapshot(engine, md), columns_of(engine)
    with pytest.raises(Exception, match=r"task_admin_unit\.unit_id filled from admin_unit_code: expected 3, got 2"):
        schema.upgrade(engine)
    assert schema.current_revision(engine) == BEFORE
    assert columns_of(engine) == columns
    assert snapshot(engine, md) == before


# --- 0004_unit_versions_contract: the codes go, the ids are the keys ----------------------------------------

PLACEHOLDERS = {dt.date(2008, 8, 1), dt.date(2020, 1, 1)}  # refdata's start dates without a source


def _as_0001(engine, md: MetaData) -> dict[str, list[tuple]]:
    """The 0001 tables' rows read from the contracted schema: each code column through its id's version,
    ``admin_unit`` from the versions (placeholder start dates read as NULL, what 0003 made of them)."""
    now = MetaData()
    now.reflect(engine)
    v = now.tables["admin_unit_version"]
    parent = v.alias("parent")
    id_of = {(table, code_col): id_col for table, code_col, id_col in ID_COLUMNS}
    out = {}
    with engine.connect() as c:
        for name, table in md.tables.items():
            if name in ("alembic_version", "audit_entry"):
                continue
            if name == "admin_unit":
                parent_code = select(parent.c.code).where(parent.c.id == v.c.parent_id).scalar_subquery()
                stmt = select(*(parent_code.label(col.name) if col.name == "parent_code" else v.c[col.name]
                                for col in table.c))
            else:
                cur = now.tables[name]
                stmt = select(*(select(v.c.code).where(v.c.id == cur.c[id_of[(name, col.name)]]).scalar_subquery()
                                .label(col.name) if (name, col.name) in id_of else cur.c[col.name]
                                for col in table.c))
            out[name] = sorted((tuple(r) for r in c.execute(stmt).all()), key=repr)
    return out


def _placeholders_cleared(rows: list[tuple], md: MetaData) -> list[tuple]:
    at = [col.name for col in md.tables["admin_unit"].c].index("valid_from")
    cleared = [tuple(None if i == at and v in PLACEHOLDERS else v for i, v in enumerate(r)) for r in rows]
    return sorted(cleared, key=repr)


def test_contract_keeps_every_row_on_its_version(engine):
    md = _store_0001(engine)
    before = snapshot(engine, md)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == schema.head_revision()
    assert schema.differences(engine) == []
    columns = columns_of(engine)
    assert "admin_unit" not in columns
    assert {c for t, c, _ in ID_COLUMNS if c in columns[t]} == set()  # every code column is gone
    after = _as_0001(engine, md)
    for name, rows in before.items():
        if name == "audit_entry":
            continue
        expected = _placeholders_cleared(rows, md) if name == "admin_unit" else sorted(map(tuple, rows), key=repr)
        assert after[name] == expected, name
    with engine.connect() as c:  # the audit trail is history: byte for byte, plus 0003's entry
        audit = c.execute(select(*md.tables["audit_entry"].c).order_by(md.tables["audit_entry"].c.id)).all()
    assert audit[:2] == before["audit_entry"] and len(audit) == 3


def test_contract_downgrades_to_the_expanded_store_while_codes_are_unique(engine):
    md = _store_0001(engine)
    schema.upgrade(engine, EXPAND)
    expanded = snapshot(engine, md)
    schema.upgrade(engine)
    schema.downgrade(engine, EXPAND)
    assert schema.current_revision(engine) == EXPAND
    again = snapshot(engine, md)
    assert again.pop("admin_unit") == _placeholders_cleared(expanded.pop("admin_unit"), md)
    assert again == expanded


def test_contract_downgrade_is_refused_once_a_code_names_two_units(engine):
    md = _store_0001(engine)
    schema.upgrade(engine)
    with engine.begin() as c:  # 05977 is reused from 1/7/2025 (Phường Đông Kinh)
        c.execute(text("INSERT INTO admin_unit_version (level, code, valid_from, name, is_synthetic) "
                       "VALUES ('commune', '05977', :day, 'Phường Đông Kinh', :no)"),
                  {"day": dt.date(2025, 7, 1), "no": False})
    columns = columns_of(engine)
    with pytest.raises(Exception, match="05977 names more than one unit version"):
        schema.downgrade(engine, EXPAND)
    assert schema.current_revision(engine) == schema.head_revision()
    assert columns_of(engine) == columns and len(_as_0001(engine, md)["admin_unit"]) == 7
