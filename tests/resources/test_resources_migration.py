"""Migrating a database with instances and service numbers: the bought date comes from the record date, billing
is subscription, and a number on an order is bound (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from openbeian.store.database import alembic_config, create_db_engine, upgrade

RECORDED = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'old.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_schema_url")
    created = create_db_engine(url)
    yield created
    created.dispose()


def test_existing_instances_and_numbers_keep_their_meaning(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "0002")
    naive = RECORDED.replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO providers (id, name, name_en, created_at) VALUES (1, '云', 'Cloud', :at)"), {"at": naive}
        )
        conn.execute(
            text(
                "INSERT INTO accounts (id, username, display_name, role, created_at)"
                " VALUES (1, 'alice', 'Alice', 'applicant', :at)"
            ),
            {"at": naive},
        )
        conn.execute(
            text(
                "INSERT INTO instances (id, provider_id, owner_id, name, region, ips, created_at, expires_at)"
                " VALUES (1, 1, 1, 'ecs', 'cn-beijing', '[\"47.93.10.20\"]', :at, :expires)"
            ),
            {"at": naive, "expires": naive.replace(year=2027)},
        )
        for code, order_id in (("FREE2345FREE2345", None), ("BOUND234BOUND234", 99)):
            conn.execute(
                text(
                    "INSERT INTO service_numbers (code, instance_id, owner_id, order_id, created_at)"
                    " VALUES (:code, 1, 1, :order_id, :at)"
                ),
                {"code": code, "order_id": order_id, "at": naive},
            )
    upgrade(engine)
    with engine.connect() as conn:
        instance = conn.execute(text("SELECT billing_mode, bought_at, created_at FROM instances")).one()
        states = {r.code: r.state for r in conn.execute(text("SELECT code, state FROM service_numbers"))}
    assert instance.billing_mode == "subscription" and instance.bought_at == instance.created_at
    assert states == {"FREE2345FREE2345": "free", "BOUND234BOUND234": "bound"}
