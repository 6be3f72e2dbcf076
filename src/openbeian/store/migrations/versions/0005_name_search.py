"""name search: an index for the search by part of a subject's name (SQLite FTS5 trigram + bigram tables kept by
triggers; PostgreSQL pg_trgm and bigram GIN indexes), filled from the names already filed. The design, and how a
bulk load suspends and rebuilds it, are in openbeian/store/search_index.py.

Revision ID: 0005
Revises: 0007
Create Date: 2026-11-30 20:00:00
"""

from __future__ import annotations

from alembic import op

from openbeian.store import search_index

revision = "0005"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    search_index.rebuild(dialect, conn.exec_driver_sql, lambda sql: conn.exec_driver_sql(sql).scalar())


def downgrade() -> None:
    conn = op.get_bind()
    search_index.suspend(conn.dialect.name, conn.exec_driver_sql)
    if conn.dialect.name == "sqlite":
        for table in (search_index.TRIGRAMS, search_index.BIGRAMS, search_index.POSITIONS):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
    else:
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS registry_name_bigrams(text)")
