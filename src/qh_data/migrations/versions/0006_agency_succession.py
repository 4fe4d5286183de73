"""agencies over time (issue 15, points 1 and 2; docs/agencies-over-time.md)

Additive: ``agency`` gains a validity range (``valid_from`` / ``valid_to``, NULL = open at that end, the
rule of ``rules.unit_validity``); a new table ``agency_succession`` holds which agency a ceased one went
into (merged_into | split | abolished; effective day, legal basis, confidence, note, source file); ``task``
gains ``reassigned_from_code``: the agency a conclusion addressed when the task was reassigned away from it
(``services.reassignment``), so the conclusion's later saves keep finding it. Nothing is copied or
rewritten: every existing row keeps its values, the new columns start empty. Self-contained on purpose
(a frozen snapshot): no ``qh_data.models``.

Revision ID: 0006_agency_succession
Revises: 0005_intake_profiles
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_agency_succession"
down_revision = "0005_intake_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agency") as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_agency_range"), sa.text("valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to"))
    with op.batch_alter_table("task") as batch_op:
        batch_op.add_column(sa.Column("reassigned_from_code", sa.String(length=40), nullable=True))
        batch_op.create_foreign_key("fk_task_reassigned_from_code_agency", "agency",
                                    ["reassigned_from_code"], ["code"])
    op.create_table(
        "agency_succession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_agency_code", sa.String(length=40), nullable=False),
        sa.Column("new_agency_code", sa.String(length=40), nullable=True),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("successor_text", sa.Text(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("confidence", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.CheckConstraint("relation IN ('merged_into', 'split', 'abolished')",
                           name=op.f("ck_agency_succession_relation")),
        sa.CheckConstraint("relation = 'abolished' OR new_agency_code IS NOT NULL",
                           name=op.f("ck_agency_succession_successor")),
        sa.ForeignKeyConstraint(["old_agency_code"], ["agency.code"],
                                name=op.f("fk_agency_succession_old_agency_code_agency")),
        sa.ForeignKeyConstraint(["new_agency_code"], ["agency.code"],
                                name=op.f("fk_agency_succession_new_agency_code_agency")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_succession")),
        sa.UniqueConstraint("old_agency_code", "new_agency_code", name="uq_agency_succession_pair"),
    )
    with op.batch_alter_table("agency_succession") as batch_op:
        batch_op.create_index(batch_op.f("ix_agency_succession_new_agency_code"), ["new_agency_code"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("agency_succession") as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_succession_new_agency_code"))
    op.drop_table("agency_succession")
    with op.batch_alter_table("task") as batch_op:
        batch_op.drop_constraint("fk_task_reassigned_from_code_agency", type_="foreignkey")
        batch_op.drop_column("reassigned_from_code")
    with op.batch_alter_table("agency") as batch_op:
        batch_op.drop_constraint(op.f("ck_agency_range"), type_="check")
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
