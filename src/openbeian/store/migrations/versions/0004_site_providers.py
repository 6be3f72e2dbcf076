"""site providers: the provider-to-site relation as a join table with an index (was only a JSON text column
filtered with LIKE), with the access record's IPs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 19:55:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_site_providers",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("ips", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_registry_site_providers_provider_id_providers")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["registry_sites.id"], name=op.f("fk_registry_site_providers_site_id_registry_sites")
        ),
        sa.PrimaryKeyConstraint("site_id", "provider_id", name=op.f("pk_registry_site_providers")),
    )
    op.create_index(
        op.f("ix_registry_site_providers_provider_id_site_id"),
        "registry_site_providers",
        ["provider_id", "site_id"],
        unique=False,
    )
    _backfill()


def _backfill() -> None:
    """One row per provider in each site's JSON list; the IPs of the access record of the site's latest order
    when that order's provider is among them."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT s.id, s.provider_ids, o.payload FROM registry_sites s LEFT JOIN orders o ON o.id = s.order_id")
    )
    known = {int(p) for (p,) in conn.execute(sa.text("SELECT id FROM providers"))}
    links = []
    for site_id, provider_ids, payload in rows:
        access = (json.loads(payload) if payload else {}).get("access") or {}
        for provider_id in json.loads(provider_ids):
            if provider_id not in known:
                continue
            ips = access.get("ips", []) if access.get("provider_id") == provider_id else []
            links.append({"site_id": site_id, "provider_id": provider_id, "ips": json.dumps(ips)})
    if links:
        conn.execute(
            sa.text(
                "INSERT INTO registry_site_providers (site_id, provider_id, ips) VALUES (:site_id, :provider_id, :ips)"
            ),
            links,
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_registry_site_providers_provider_id_site_id"), table_name="registry_site_providers")
    op.drop_table("registry_site_providers")
