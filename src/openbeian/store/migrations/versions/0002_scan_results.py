"""scan results: the footer scanner's compliance results per provider

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbeian.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scan_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("site_number", sa.String(length=48), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("fetch_status", sa.String(length=30), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("dns_status", sa.String(length=20), nullable=True),
        sa.Column("numbers", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("scanned_at", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["provider_id"], ["providers.id"], name=op.f("fk_scan_results_provider_id_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_results")),
    )
    with op.batch_alter_table("scan_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scan_results_run_id"), ["run_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scan_results_provider_id_scanned_at"), ["provider_id", "scanned_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scan_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_results_provider_id_scanned_at"))
        batch_op.drop_index(batch_op.f("ix_scan_results_run_id"))
    op.drop_table("scan_results")
