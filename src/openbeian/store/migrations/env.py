"""Alembic environment: runs on the engine that openbeian.store.database hands over."""

from __future__ import annotations

from alembic import context

from openbeian.store.schema import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
