"""registry public fields: the organisation's credit code on subjects; home URL, pre-approval categories, leader
name and limited-access flag on sites (what the ministry's public query shows; filled by bulk import)

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-30 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_subjects") as batch:
        batch.add_column(sa.Column("credit_code", sa.String(length=18), nullable=True))
    with op.batch_alter_table("registry_sites") as batch:
        batch.add_column(sa.Column("home_url", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("content_types", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("leader_name", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("limit_access", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registry_sites") as batch:
        batch.drop_column("limit_access")
        batch.drop_column("leader_name")
        batch.drop_column("content_types")
        batch.drop_column("home_url")
    with op.batch_alter_table("registry_subjects") as batch:
        batch.drop_column("credit_code")
