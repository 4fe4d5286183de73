"""plans as versions (issue 15, point 3; ``qh_data.plans``)

Additive: a new table ``plan_version`` (a province's plan: decision number and date, the province version it was
drawn on, title, status in_force | superseded | being_adjusted | passed_awaiting_approval, the day the People's
Council passed an adjustment, the plan it adjusts, source, note, valid_from / valid_to) and
``indicator_value.plan_version_id`` (a target's plan). Existing targets are attached to their province's
approved plan where one is known: Lạng Sơn (20) QĐ 236/QĐ-TTg of 19/3/2024, Thái Nguyên (19) QĐ 222/QĐ-TTg of
14/3/2023 (data/reference/admin_reform_2025.md), each on the province version in force on the decision's day:
targets on that version or on its districts. Other targets and every other figure keep NULL; no other value
changes. Self-contained on purpose (a frozen snapshot): no ``qh_data.models``.

Revision ID: 0007_plan_versions
Revises: 0006_agency_succession
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0007_plan_versions"
down_revision = "0006_agency_succession"
branch_labels = None
depends_on = None

SOURCE = "data/reference/admin_reform_2025.md (Các quy hoạch)"
APPROVED = (  # province code, decision, day, title
    ("20", "QĐ 236/QĐ-TTg", dt.date(2024, 3, 19), "Quy hoạch tỉnh Lạng Sơn thời kỳ 2021–2030"),
    ("19", "QĐ 222/QĐ-TTg", dt.date(2023, 3, 14), "Quy hoạch tỉnh Thái Nguyên thời kỳ 2021–2030"),
)


def upgrade() -> None:
    plan = op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province_unit_id", sa.Integer(), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("council_passed_on", sa.Date(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("adjusts_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint("status IN ('in_force', 'superseded', 'being_adjusted', 'passed_awaiting_approval')",
                           name=op.f("ck_plan_version_status")),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to",
                           name=op.f("ck_plan_version_range")),
        sa.ForeignKeyConstraint(["province_unit_id"], ["admin_unit_version.id"],
                                name=op.f("fk_plan_version_province_unit_id_admin_unit_version")),
        sa.ForeignKeyConstraint(["adjusts_id"], ["plan_version.id"],
                                name=op.f("fk_plan_version_adjusts_id_plan_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
    )
    op.create_index(op.f("ix_plan_version_province_unit_id"), "plan_version", ["province_unit_id"], unique=False)
    with op.batch_alter_table("indicator_value") as batch_op:
        batch_op.add_column(sa.Column("plan_version_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_indicator_value_plan_version_id_plan_version"), "plan_version",
                                    ["plan_version_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_indicator_value_plan_version_id"), ["plan_version_id"], unique=False)
    _attach_targets(plan)


def _attach_targets(plan: sa.Table) -> None:
    conn = op.get_bind()
    unit = sa.table("admin_unit_version", sa.column("id"), sa.column("level"), sa.column("code"),
                    sa.column("parent_id"), sa.column("valid_from"), sa.column("valid_to"))
    value = sa.table("indicator_value", sa.column("unit_id"), sa.column("kind"), sa.column("plan_version_id"))
    for code, decision, day, title in APPROVED:
        province = conn.execute(
            sa.select(unit.c.id).where(
                unit.c.level == "province", unit.c.code == code,
                sa.or_(unit.c.valid_from.is_(None), unit.c.valid_from <= day),
                sa.or_(unit.c.valid_to.is_(None), unit.c.valid_to >= day))).scalar()
        if province is None:
            continue
        plan_id = conn.execute(plan.insert().values(
            province_unit_id=province, decision_number=decision, decision_date=day, title=title,
            status="in_force", source=SOURCE, valid_from=day).returning(plan.c.id)).scalar_one()
        units = sa.select(unit.c.id).where(sa.or_(unit.c.id == province, unit.c.parent_id == province))
        conn.execute(value.update().where(value.c.kind == "target", value.c.plan_version_id.is_(None),
                                          value.c.unit_id.in_(units)).values(plan_version_id=plan_id))


def downgrade() -> None:
    with op.batch_alter_table("indicator_value") as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_plan_version_id"))
        batch_op.drop_constraint(batch_op.f("fk_indicator_value_plan_version_id_plan_version"), type_="foreignkey")
        batch_op.drop_column("plan_version_id")
    op.drop_index(op.f("ix_plan_version_province_unit_id"), table_name="plan_version")
    op.drop_table("plan_version")
