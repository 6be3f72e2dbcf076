"""lifecycle: order kinds, provider resources (instance billing and bought date, service number states, grants,
free hosting credits) and the rest of issue 4

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:37:38.969480
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import openbeian.store.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Provider resources: billing mode and bought date of instances, service number states, grants, credits.
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("billing_mode", sa.String(length=20), server_default="subscription", nullable=False)
        )
        batch_op.add_column(sa.Column("bought_at", openbeian.store.schema.UTCDateTime(), nullable=True))
    op.execute("UPDATE instances SET bought_at = created_at")
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.alter_column("bought_at", existing_type=openbeian.store.schema.UTCDateTime(), nullable=False)

    with op.batch_alter_table("service_numbers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=20), server_default="free", nullable=False))
    op.execute("UPDATE service_numbers SET state = 'bound' WHERE order_id IS NOT NULL")
    op.execute(
        "UPDATE service_numbers SET state = 'consumed'"
        " WHERE order_id IN (SELECT id FROM orders WHERE stage = 'approved')"
    )

    op.create_table(
        "service_number_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("grantee_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", openbeian.store.schema.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code"], ["service_numbers.code"], name=op.f("fk_service_number_grants_code_service_numbers")
        ),
        sa.ForeignKeyConstraint(
            ["grantee_id"], ["accounts.id"], name=op.f("fk_service_number_grants_grantee_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_number_grants")),
    )
    with op.batch_alter_table("service_number_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_number_grants_grantee_id"), ["grantee_id"], unique=False)
        batch_op.create_index(
            "uq_service_number_grants_active",
            ["code"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "hosting_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("submitted_at", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.Column("approved_at", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_before", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.Column("expires_after", openbeian.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["instances.id"], name=op.f("fk_hosting_credits_instance_id_instances")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_hosting_credits_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hosting_credits")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_hosting_credits_instance_id")),
    )
    with op.batch_alter_table("hosting_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hosting_credits_order_id"), ["order_id"], unique=False)


def downgrade() -> None:
    # Provider resources.
    with op.batch_alter_table("hosting_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hosting_credits_order_id"))
    op.drop_table("hosting_credits")
    with op.batch_alter_table("service_number_grants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_service_number_grants_active",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_service_number_grants_grantee_id"))
    op.drop_table("service_number_grants")
    with op.batch_alter_table("service_numbers", schema=None) as batch_op:
        batch_op.drop_column("state")
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.drop_column("bought_at")
        batch_op.drop_column("billing_mode")
