"""intake profiles: a confirmed mapping of a sender's own workbook layout (issue 16)

Revision ID: 0005_intake_profiles
Revises: 0004_unit_versions_contract
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_intake_profiles"
down_revision = "0004_unit_versions_contract"  # re-chained at merge after the units contract
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sender_key", sa.String(length=300), nullable=False),
        sa.Column("sender_text", sa.String(length=300), nullable=True),
        sa.Column("agency_code", sa.String(length=40), nullable=True),
        sa.Column("unit_code", sa.String(length=10), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_code"], ["agency.code"], name=op.f("fk_intake_profile_agency_code_agency")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_intake_profile_created_by_id_app_user")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"],
                                name=op.f("fk_intake_profile_updated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_profile")),
        sa.UniqueConstraint("name", name=op.f("uq_intake_profile_name")),
        sa.UniqueConstraint("sender_key", "fingerprint", name="uq_intake_profile_layout"),
    )
    op.create_index(op.f("ix_intake_profile_fingerprint"), "intake_profile", ["fingerprint"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_intake_profile_fingerprint"), table_name="intake_profile")
    op.drop_table("intake_profile")
