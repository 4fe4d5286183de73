"""unit versions, contract step (issue 14, stage 4; docs/units-over-time.md)

Every column that pointed at a unit by its code goes; the unit id beside it (filled by 0003_unit_versions and
by every write since) becomes the key: NOT NULL where the code was, and inside the keys and indexes that held
the code (``uq_indicator_value_revision``, the primary keys of ``task_admin_unit``, ``issue_admin_unit`` and
``document_signer``, the province indexes). ``admin_unit`` goes; ``admin_unit_version`` is the unit table.
Before anything is dropped, every row with a code must have its id (else ``MigrationCountMismatch``, nothing
written). On SQLite the tables are re-created by batch mode inside ``schema.upgrade``'s one transaction.

Downgrade folds the versions back into ``admin_unit`` keyed by code, so it is refused once a code names two
versions (the 2025 reform loaded): folding would lose one of them.

Revision ID: 0004_unit_versions_contract
Revises: 0003_unit_versions
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_unit_versions_contract"
down_revision = "0003_unit_versions"
branch_labels = None
depends_on = None

# (table, code column, id column, the code was NOT NULL)
COLUMNS = (
    ("agency", "province_code", "province_unit_id", False),
    ("agency", "admin_unit_code", "unit_id", False),
    ("indicator_value", "admin_unit_code", "unit_id", True),
    ("task", "province_code", "province_unit_id", True),
    ("task_admin_unit", "admin_unit_code", "unit_id", True),
    ("issue", "province_code", "province_unit_id", True),
    ("issue_admin_unit", "admin_unit_code", "unit_id", True),
    ("meeting", "province_code", "province_unit_id", True),
    ("document_signer", "province_code", "province_unit_id", True),
)
# indexes and keys that held a code column: (table, name, kind, columns with the code, columns with the id)
KEYS = (
    ("agency", "ix_agency_province_code", "index", ["province_code"], None),
    ("agency", "ix_agency_province_unit_id", "index", None, ["province_unit_id"]),
    ("indicator_value", "uq_indicator_value_revision", "unique",
     ["indicator_code", "admin_unit_code", "period", "kind", "revision"],
     ["indicator_code", "unit_id", "period", "kind", "revision"]),
    ("indicator_value", "ix_indicator_value_unit", "index", ["admin_unit_code", "indicator_code"],
     ["unit_id", "indicator_code"]),
    ("task", "ix_task_province_due", "index", ["province_code", "due_on"], ["province_unit_id", "due_on"]),
    ("task_admin_unit", "pk_task_admin_unit", "primary", ["task_id", "admin_unit_code"], ["task_id", "unit_id"]),
    ("task_admin_unit", "ix_task_admin_unit_admin_unit_code", "index", ["admin_unit_code"], None),
    ("task_admin_unit", "ix_task_admin_unit_unit_id", "index", None, ["unit_id"]),
    ("issue", "ix_issue_province_status", "index", ["province_code", "status"], ["province_unit_id", "status"]),
    ("issue_admin_unit", "pk_issue_admin_unit", "primary", ["issue_id", "admin_unit_code"], ["issue_id", "unit_id"]),
    ("issue_admin_unit", "ix_issue_admin_unit_admin_unit_code", "index", ["admin_unit_code"], None),
    ("issue_admin_unit", "ix_issue_admin_unit_unit_id", "index", None, ["unit_id"]),
    ("meeting", "ix_meeting_province_date", "index", ["province_code", "held_on"], ["province_unit_id", "held_on"]),
    ("document_signer", "pk_document_signer", "primary", ["province_code", "document"],
     ["province_unit_id", "document"]),
)
TABLES = tuple(dict.fromkeys(t for t, *_ in COLUMNS))


class MigrationCountMismatch(RuntimeError):
    pass


class DowngradeRefused(RuntimeError):
    pass


def _drop_key(batch_op, name: str, kind: str) -> None:
    if kind == "index":
        batch_op.drop_index(name)
    else:
        batch_op.drop_constraint(name, type_=kind)


def _create_key(batch_op, name: str, kind: str, columns: list[str]) -> None:
    if kind == "index":
        batch_op.create_index(name, columns, unique=False)
    elif kind == "unique":
        batch_op.create_unique_constraint(name, columns)
    else:
        batch_op.create_primary_key(name, columns)


def upgrade() -> None:
    bind = op.get_bind()
    for table, code_col, id_col, _ in COLUMNS:
        t = sa.table(table, sa.column(code_col), sa.column(id_col))
        missing = bind.execute(sa.select(sa.func.count()).select_from(t).where(
            t.c[code_col].is_not(None), t.c[id_col].is_(None))).scalar_one()
        if missing:
            raise MigrationCountMismatch(f"0004_unit_versions_contract: {missing} rows of {table} have a "
                                         f"{code_col} and no {id_col}; nothing written")
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            for _, name, kind, old, _new in (k for k in KEYS if k[0] == table):
                if old is not None:
                    _drop_key(batch_op, name, kind)
            for _, code_col, id_col, required in (c for c in COLUMNS if c[0] == table):
                batch_op.drop_constraint(f"fk_{table}_{code_col}_admin_unit", type_="foreignkey")
                batch_op.drop_column(code_col)
                if required:
                    batch_op.alter_column(id_col, existing_type=sa.Integer(), nullable=False)
            for _, name, kind, _old, new in (k for k in KEYS if k[0] == table):
                if new is not None:
                    _create_key(batch_op, name, kind, new)
    with op.batch_alter_table("admin_unit") as batch_op:
        batch_op.drop_index("ix_admin_unit_parent_code")
        batch_op.drop_index("ix_admin_unit_level")
    op.drop_table("admin_unit")


def downgrade() -> None:
    bind = op.get_bind()
    v = sa.table("admin_unit_version", *(sa.column(c) for c in (
        "id", "level", "code", "valid_from", "valid_to", "parent_id", "name", "type", "area_km2",
        "population_2019", "source", "is_synthetic")))
    reused = bind.execute(sa.select(v.c.code).group_by(v.c.code).having(sa.func.count() > 1).limit(1)).first()
    if reused is not None:
        raise DowngradeRefused(f"0004_unit_versions_contract: code {reused.code} names more than one unit "
                               "version; folding them back into admin_unit would lose one")
    op.create_table(
        "admin_unit",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("parent_code", sa.String(length=10), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("population_2019", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("is_synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["admin_unit.code"], name="fk_admin_unit_parent_code_admin_unit"),
        sa.PrimaryKeyConstraint("code", name="pk_admin_unit"),
    )
    with op.batch_alter_table("admin_unit") as batch_op:
        batch_op.create_index("ix_admin_unit_level", ["level"], unique=False)
        batch_op.create_index("ix_admin_unit_parent_code", ["parent_code"], unique=False)
    parent = v.alias("parent")
    units = sa.table("admin_unit", *(sa.column(c) for c in (
        "code", "name", "level", "type", "parent_code", "area_km2", "population_2019", "valid_from", "valid_to",
        "source", "is_synthetic")))
    rows = bind.execute(sa.select(v.c.code, v.c.name, v.c.level, v.c.type, parent.c.code.label("parent_code"),
                                  v.c.area_km2, v.c.population_2019, v.c.valid_from, v.c.valid_to, v.c.source,
                                  v.c.is_synthetic)
                        .outerjoin(parent, parent.c.id == v.c.parent_id)
                        .order_by(sa.case({"country": 0, "province": 1, "district": 2}, value=v.c.level, else_=3),
                                  v.c.code)).mappings().all()  # parents first
    if rows:
        bind.execute(units.insert(), [dict(r) for r in rows])
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            for _, name, kind, _old, new in (k for k in KEYS if k[0] == table):
                if new is not None:
                    _drop_key(batch_op, name, kind)
            for _, code_col, id_col, _required in (c for c in COLUMNS if c[0] == table):
                batch_op.add_column(sa.Column(code_col, sa.String(length=10), nullable=True))
                batch_op.alter_column(id_col, existing_type=sa.Integer(), nullable=True)
        for _, code_col, id_col, _required in (c for c in COLUMNS if c[0] == table):
            t = sa.table(table, sa.column(code_col), sa.column(id_col))
            bind.execute(t.update().values({code_col: sa.select(v.c.code).where(v.c.id == t.c[id_col])
                                            .scalar_subquery()}))
        with op.batch_alter_table(table) as batch_op:
            for _, code_col, _id_col, required in (c for c in COLUMNS if c[0] == table):
                if required:
                    batch_op.alter_column(code_col, existing_type=sa.String(length=10), nullable=False)
                batch_op.create_foreign_key(f"fk_{table}_{code_col}_admin_unit", "admin_unit", [code_col], ["code"])
            for _, name, kind, old, _new in (k for k in KEYS if k[0] == table):
                if old is not None:
                    _create_key(batch_op, name, kind, old)
