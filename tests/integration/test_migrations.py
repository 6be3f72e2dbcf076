"""Alembic migrations create exactly the schema of openbeian.store.schema.metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from openbeian.store.database import current_revision, head_revision, upgrade
from openbeian.store.schema import metadata
from openbeian.store.uow import Database


def test_the_migrated_database_matches_the_schema_metadata(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        assert compare_metadata(context, metadata) == []


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
