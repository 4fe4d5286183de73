"""document signers: who signs each kind of document, per province (issue 18)

Revision ID: 0002_document_signers
Revises: 0001
Create Date: 2026-12-06 20:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_document_signers'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_signer',
    sa.Column('province_code', sa.String(length=10), nullable=False),
    sa.Column('document', sa.String(length=10), nullable=False),
    sa.Column('authority', sa.String(length=120), nullable=True),
    sa.Column('deputy', sa.String(length=120), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['admin_unit.code'],
                            name=op.f('fk_document_signer_province_code_admin_unit')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'],
                            name=op.f('fk_document_signer_updated_by_id_app_user')),
    sa.PrimaryKeyConstraint('province_code', 'document', name=op.f('pk_document_signer'))
    )


def downgrade() -> None:
    op.drop_table('document_signer')
