"""unit versions, expand step (issue 14, stage 2; docs/units-over-time.md)

Adds ``admin_unit_version`` and ``unit_lineage``, copies every ``admin_unit`` row into a version, and adds a
nullable unit id beside each unit code column, filled by joining on the code (at this revision every code
has exactly one version, so the mapping is exact). Aborts if any count differs. Nothing is dropped: the code
columns stay until the contract step. Self-contained on purpose (a migration is a frozen snapshot): it reads
and writes through tables declared here, never through ``qh_data.models``.

Revision ID: 0003_unit_versions
Revises: 0002_document_signers
"""
from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0003_unit_versions"
down_revision = "0002_document_signers"  # chained after issue 18's revision, which landed first
branch_labels = None
depends_on = None

VERSION_ID = "admin_unit_version.id"
# (table, code column, new id column): every column that points at a unit by its code.
ID_COLUMNS = (
    ("agency", "province_code", "province_unit_id"),
    ("agency", "admin_unit_code", "unit_id"),
    ("indicator_value", "admin_unit_code", "unit_id"),
    ("task", "province_code", "province_unit_id"),
    ("task_admin_unit", "admin_unit_code", "unit_id"),
    ("issue", "province_code", "province_unit_id"),
    ("issue_admin_unit", "admin_unit_code", "unit_id"),
    ("meeting", "province_code", "province_unit_id"),
    ("document_signer", "province_code", "province_unit_id"),
)
# Start dates refdata.load gave without a source (docs/units-over-time.md, point 4): NULL = "before the data".
PLACEHOLDER_VALID_FROM = {"province": dt.date(2008, 8, 1), "district": dt.date(2020, 1, 1)}


VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the store keeps naive Vietnam times (qh_data.clock)


class MigrationCountMismatch(RuntimeError):
    pass


def upgrade() -> None:
    op.create_table(
        "admin_unit_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("population_2019", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to",
                           name=op.f("ck_admin_unit_version_range")),
        sa.ForeignKeyConstraint(["parent_id"], [VERSION_ID],
                                name=op.f("fk_admin_unit_version_parent_id_admin_unit_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_unit_version")),
        sa.UniqueConstraint("level", "code", "valid_from", name="uq_admin_unit_version_key"),
    )
    with op.batch_alter_table("admin_unit_version") as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_unit_version_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_unit_version_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index("ix_admin_unit_version_open_start", ["level", "code"], unique=True,
                              sqlite_where=sa.text("valid_from IS NULL"),
                              postgresql_where=sa.text("valid_from IS NULL"))
    op.create_table(
        "unit_lineage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("new_unit_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=10), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint("relation IN ('whole', 'part', 'unchanged')", name=op.f("ck_unit_lineage_relation")),
        sa.CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name=op.f("ck_unit_lineage_share")),
        sa.ForeignKeyConstraint(["new_unit_id"], [VERSION_ID],
                                name=op.f("fk_unit_lineage_new_unit_id_admin_unit_version")),
        sa.ForeignKeyConstraint(["old_unit_id"], [VERSION_ID],
                                name=op.f("fk_unit_lineage_old_unit_id_admin_unit_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_lineage")),
        sa.UniqueConstraint("old_unit_id", "new_unit_id", name="uq_unit_lineage_pair"),
    )
    with op.batch_alter_table("unit_lineage") as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_lineage_new_unit_id"), ["new_unit_id"], unique=False)

    bind = op.get_bind()
    copied, placeholders = _copy_units(bind)
    for table in dict.fromkeys(t for t, _, _ in ID_COLUMNS):
        with op.batch_alter_table(table) as batch_op:
            for _, _, id_col in (c for c in ID_COLUMNS if c[0] == table):
                batch_op.add_column(sa.Column(id_col, sa.Integer(), nullable=True))
                batch_op.create_foreign_key(f"fk_{table}_{id_col}_admin_unit_version", "admin_unit_version",
                                            [id_col], ["id"])
    for table, code_col, id_col in ID_COLUMNS:
        _fill(bind, table, code_col, id_col)
    if copied:  # an empty store has nothing to account for
        _audit(bind, copied, placeholders)


def _copy_units(bind) -> tuple[int, int]:
    """Every admin_unit row becomes one version, in (level, code) order; parents resolved by code."""
    typed = {"valid_from": sa.Date(), "valid_to": sa.Date(), "is_synthetic": sa.Boolean(), "area_km2": sa.Float()}
    units = sa.table("admin_unit", *(sa.column(c, typed.get(c)) for c in (
        "code", "name", "level", "type", "parent_code", "area_km2", "population_2019", "valid_from", "valid_to",
        "source", "is_synthetic")))
    rows = bind.execute(sa.select(units).order_by(units.c.level, units.c.code)).mappings().all()
    versions = sa.table("admin_unit_version", *(sa.column(c, typed.get(c)) for c in (
        "id", "level", "code", "valid_from", "valid_to", "parent_id", "name", "type", "area_km2", "population_2019",
        "source", "legal_basis", "is_synthetic")))
    placeholders = 0
    out = []
    for i, r in enumerate(rows, start=1):
        valid_from = r["valid_from"]
        if valid_from is not None and PLACEHOLDER_VALID_FROM.get(r["level"]) == valid_from:
            valid_from, placeholders = None, placeholders + 1
        out.append({"id": i, "level": r["level"], "code": r["code"], "valid_from": valid_from, "valid_to": r["valid_to"],
                        "parent_id": None, "name": r["name"], "type": r["type"], "area_km2": r["area_km2"],
                        "population_2019": r["population_2019"], "source": r["source"], "legal_basis": None,
                        "is_synthetic": r["is_synthetic"]})
    if out:
        bind.execute(versions.insert(), out)
        ids = {o["code"]: o["id"] for o in out}
        parents = [{"i": ids[r["code"]], "p": ids[r["parent_code"]]} for r in rows if r["parent_code"]]
        if parents:
            bind.execute(versions.update().where(versions.c.id == sa.bindparam("i"))
                         .values(parent_id=sa.bindparam("p")), parents)
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('admin_unit_version', 'id'), :n)"),
                         {"n": len(out)})
    copied = bind.execute(sa.select(sa.func.count()).select_from(versions)).scalar_one()
    with_parent = bind.execute(sa.select(sa.func.count()).select_from(versions)
                               .where(versions.c.parent_id.is_not(None))).scalar_one()
    _same("admin_unit rows copied", len(rows), copied)
    _same("admin_unit parents resolved", sum(1 for r in rows if r["parent_code"]), with_parent)
    return copied, placeholders


def _fill(bind, table: str, code_col: str, id_col: str) -> None:
    t = sa.table(table, sa.column(code_col), sa.column(id_col))
    v = sa.table("admin_unit_version", sa.column("id"), sa.column("code"))
    bind.execute(t.update().values({id_col: sa.select(v.c.id).where(v.c.code == t.c[code_col])
                                    .scalar_subquery()}))
    codes = bind.execute(sa.select(sa.func.count()).select_from(t).where(t.c[code_col].is_not(None))).scalar_one()
    ids = bind.execute(sa.select(sa.func.count()).select_from(t).where(t.c[id_col].is_not(None))).scalar_one()
    _same(f"{table}.{id_col} filled from {code_col}", codes, ids)


def _same(what: str, expected: int, got: int) -> None:
    if expected != got:
        raise MigrationCountMismatch(f"0003_unit_versions: {what}: expected {expected}, got {got}; nothing written")


def _audit(bind, copied: int, placeholders: int) -> None:
    """One entry saying what the migration did, with the placeholder start dates it cleared."""
    audit = sa.table("audit_entry", sa.column("at", sa.DateTime()), *(sa.column(c) for c in (
        "username", "action", "entity", "entity_id", "before", "after")))
    before = {level: day.isoformat() for level, day in PLACEHOLDER_VALID_FROM.items()}
    bind.execute(audit.insert().values(
        at=dt.datetime.now(VN_TZ).replace(tzinfo=None, microsecond=0), username="alembic", action="migrate",
        entity="admin_unit_version", entity_id=revision,
        before=json.dumps({"placeholder_valid_from": before}, ensure_ascii=False),
        after=json.dumps({"valid_from": None, "versions": copied, "versions_with_placeholder_cleared": placeholders})))


def downgrade() -> None:
    for table in reversed(list(dict.fromkeys(t for t, _, _ in ID_COLUMNS))):
        with op.batch_alter_table(table) as batch_op:
            for _, _, id_col in (c for c in ID_COLUMNS if c[0] == table):
                batch_op.drop_constraint(f"fk_{table}_{id_col}_admin_unit_version", type_="foreignkey")
                batch_op.drop_column(id_col)
    audit = sa.table("audit_entry", sa.column("action"), sa.column("entity"), sa.column("entity_id"))
    op.get_bind().execute(audit.delete().where(audit.c.action == "migrate", audit.c.entity == "admin_unit_version",
                                               audit.c.entity_id == revision))
    with op.batch_alter_table("unit_lineage") as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_lineage_new_unit_id"))
    op.drop_table("unit_lineage")
    with op.batch_alter_table("admin_unit_version") as batch_op:
        batch_op.drop_index("ix_admin_unit_version_open_start")
        batch_op.drop_index(batch_op.f("ix_admin_unit_version_parent_id"))
        batch_op.drop_index(batch_op.f("ix_admin_unit_version_code"))
    op.drop_table("admin_unit_version")
