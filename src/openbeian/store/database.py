"""Engines and migrations: SQLite (WAL, foreign keys on) by default, PostgreSQL via psycopg 3.

`open_database(url)` creates the SQLite file if needed and migrates any database to the newest
revision on first use (under an advisory lock on PostgreSQL, so parallel processes do it once).
Alembic (about 10 MiB) is imported by the functions that migrate, not with the engine: a `serve` worker opens
a database its supervisor migrated, and never loads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from openbeian.errors import ConfigurationError, Text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_411_042  # pg_advisory_lock key


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as psycopg 3 URLs, and a bare path as a SQLite file."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url


def create_db_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            Text(f"not a database URL: {url!r}", f"不是有效的数据库地址：{url!r}"),
            {"database": Text("invalid URL", "地址无效")},
        ) from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    raise ConfigurationError(
        Text(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or postgresql+psycopg://...",
            f"不支持的数据库 {parsed.get_backend_name()!r}：请使用 SQLite 或 PostgreSQL",
        )
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, so writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer that starts with a read would deadlock-retry on upgrade; IMMEDIATE takes the lock first.
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Migrate to the newest revision; returns (before, after)."""
    is_pg = engine.dialect.name == "postgresql"
    try:
        if is_pg:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
                conn.commit()
                try:
                    return _upgrade(engine)
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
                    conn.commit()
        return _upgrade(engine)
    except OperationalError as exc:
        raise ConfigurationError(
            Text(f"cannot reach the database: {exc.orig}", f"无法连接数据库：{exc.orig}")
        ) from None


def _upgrade(engine: Engine) -> tuple[str | None, str | None]:
    from alembic import command

    before = current_revision(engine)
    if before != head_revision(engine):
        command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine)
