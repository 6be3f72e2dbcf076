"""Alembic environment: runs on the engine that openbeian.store.database hands over."""

from __future__ import annotations

from alembic import context

from openbeian.store.schema import metadata
from openbeian.store.search_index import include_name

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table by copying it, dropping the old one and renaming the copy; with foreign keys on,
        # dropping a table that other rows reference fails. The pragma only works outside a transaction.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
            include_name=include_name,  # the name search index (virtual tables, GIN indexes) is not in metadata
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows without their referenced rows: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            if connection.in_transaction():  # a failed migration: the pragma only works outside a transaction
                connection.rollback()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
