"""Alembic migrations create exactly the schema of openbeian.store.schema.metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from openbeian.domain.access import AccessRecord
from openbeian.domain.provinces import by_code
from openbeian.services.forms import parse_order_form
from openbeian.simulate import synth
from openbeian.store.database import alembic_config, create_db_engine, current_revision, head_revision, upgrade
from openbeian.store.mapping import payload_to_json
from openbeian.store.schema import metadata
from openbeian.store.search_index import include_name
from openbeian.store.uow import Database


def test_the_migrated_database_matches_the_schema_metadata(db: Database) -> None:
    with db.engine.connect() as conn:
        options = {"compare_type": True, "compare_server_default": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=options)
        assert compare_metadata(context, metadata) == []  # the name search index lives outside the metadata


def test_a_database_is_migrated_to_the_newest_revision_on_opening(db: Database) -> None:
    assert head_revision(db.engine) is not None
    assert current_revision(db.engine) == head_revision(db.engine)


def test_opening_a_migrated_database_again_changes_nothing(db: Database) -> None:
    head = head_revision(db.engine)
    assert upgrade(db.engine) == (head, head)
    again = Database(db.url)
    try:
        assert current_revision(again.engine) == head
    finally:
        again.dispose()


def test_the_migration_creates_every_table_and_records_its_revision(db: Database) -> None:
    with db.engine.connect() as conn:
        tables = set(db.engine.dialect.get_table_names(conn))
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_a_database_opened_without_migrating_stays_empty(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}", migrate=False)
    try:
        assert current_revision(db.engine) is None
        with db.engine.connect() as conn:
            assert db.engine.dialect.get_table_names(conn) == []
    finally:
        db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    url: str = request.getfixturevalue("pg_schema_url")
    return url


def test_a_database_with_orders_and_filings_of_the_first_schema_migrates_to_the_newest(empty_url: str) -> None:
    """Later migrations rebuild tables that other rows reference (SQLite copies and drops them)."""
    engine = create_db_engine(empty_url)
    command.upgrade(alembic_config(engine), "0001")
    draft = parse_order_form(
        synth.applicant(random.Random(3), "m", by_code("110000"), "enterprise").form | {"service_number": "SN1"}
    )
    payload = payload_to_json(draft.subject, draft.sites, AccessRecord(1, 1, ("47.95.1.2",)))
    at = datetime(2026, 3, 10, 1, 0)
    with engine.begin() as conn:
        run = conn.exec_driver_sql
        run(f"INSERT INTO providers (id, name, name_en, created_at) VALUES (1, '云', 'Cloud', {_lit(at)})")
        run(
            "INSERT INTO accounts (id, username, display_name, role, provider_id, created_at)"
            f" VALUES (1, 'a', 'a', 'applicant', NULL, {_lit(at)})"
        )
        run(
            "INSERT INTO instances (id, provider_id, owner_id, name, region, ips, created_at, expires_at)"
            f" VALUES (1, 1, 1, 'ecs', 'cn-beijing', '[\"47.95.1.2\"]', {_lit(at)}, {_lit(at.replace(year=2027))})"
        )
        run(
            "INSERT INTO service_numbers (code, instance_id, owner_id, order_id, created_at)"
            + f" VALUES ('SN1', 1, 1, 1, {_lit(at)})"
        )
        run(
            "INSERT INTO orders (id, kind, stage, applicant_id, provider_id, province_code, service_number,"
            " subject_name, payload, review_days, version, created_at, updated_at)"
            " VALUES (1, 'first_filing', 'approved', 1, 1, '110000', 'SN1', 'x',"
            f" '{payload}', 20, 3, {_lit(at)}, {_lit(at)})"
        )
        for order_id, stage in ((2, "draft"), (3, "provider_review")):  # the old code allowed two in flight
            run(
                "INSERT INTO orders (id, kind, stage, applicant_id, provider_id, province_code, service_number,"
                " subject_name, payload, review_days, version, created_at, updated_at)"
                f" VALUES ({order_id}, 'first_filing', '{stage}', 1, 1, '110000', 'SN{order_id}', 'x',"
                f" '{payload}', 20, 1, {_lit(at)}, {_lit(at)})"
            )
        run(
            "INSERT INTO order_history (order_id, at, actor_role, trigger, source, target, note)"
            f" VALUES (1, {_lit(at)}, 'applicant', 'submit', 'draft', 'provider_review', '')"
        )
        run(
            "INSERT INTO registry_subjects (id, subject_number, province_code, year, serial, name, kind, document_key,"
            f" next_site_seq, status, approved_at, order_id) VALUES (1, '京ICP备2026000001号', '110000', 2026, 1, 'x',"
            f" 'enterprise', 'k', 2, 'active', {_lit(at)}, 1)"
        )
        run(
            "INSERT INTO registry_sites (id, site_number, subject_id, seq, name, service_type, status, provider_ids,"
            " approved_at, order_id) VALUES (1, '京ICP备2026000001号-1', 1, 1, 'x', 'website', 'active', '[1]',"
            f" {_lit(at)}, 1)"
        )
        run("INSERT INTO registry_domains (domain, site_id) VALUES ('old-schema.cn', 1)")
    assert upgrade(engine)[1] == head_revision(engine)
    with engine.connect() as conn:
        key = conn.exec_driver_sql("SELECT subject_key FROM orders WHERE id = 1").scalar_one()
        state = conn.exec_driver_sql("SELECT state FROM service_numbers WHERE code = 'SN1'").scalar_one()
        stages = dict(conn.exec_driver_sql("SELECT id, stage FROM orders").fetchall())
        applicant = conn.exec_driver_sql("SELECT applicant_id FROM registry_sites WHERE id = 1").scalar_one()
        held = conn.exec_driver_sql("SELECT domain, order_id FROM order_domains").fetchall()
    assert key == draft.subject.document.key and state == "consumed"
    assert stages == {1: "approved", 2: "withdrawn", 3: "provider_review"}  # the newest of the two stays in flight
    assert applicant == 1
    assert [tuple(h) for h in held] == [(d.ascii, 3) for s in draft.sites for d in s.domains]
    db = Database(empty_url)
    try:
        with db.unit_of_work(readonly=True) as uow:
            assert uow.registry.site_of_domain("old-schema.cn") is not None
            assert uow.orders.get(1).subject_key == key
            withdrawn = uow.orders.get(2)
            assert withdrawn.history[-1].target.value == "withdrawn" and "一个订单" in withdrawn.history[-1].note
    finally:
        db.dispose()
    engine.dispose()


def _lit(at: datetime) -> str:
    return f"'{at.isoformat(sep=' ')}'"
