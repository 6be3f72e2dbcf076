"""How bulk import talks to the database: the driver's own connection, one transaction, savepoints, and the
fastest insert each engine has (SQLite: executemany of one prepared statement; PostgreSQL: COPY).

SQLAlchemy is bypassed on purpose: building statements and processing parameters costs more than the insert
itself at millions of rows. What SQLAlchemy's types would do is done here once: times are naive UTC (as
store.schema.UTCDateTime stores them; on SQLite in SQLAlchemy's text form), booleans are the driver's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine

CHANGE_LOG_LOCK = 7_411_043  # the advisory lock RegistryRepository.record_change takes (store/registry.py)
# The page cache while importing (1 GiB, whatever the file's size): one transaction writes every row, and when the
# unique indexes' pages no longer fit, each insert evicts a dirty page to the WAL (a 5 M-site import with 256 MiB
# wrote 14 GB of WAL frames in its first fifth). The indexes of 5 M sites take about 1.5 GB.
SQLITE_CACHE_KIB = 1 << 20


class Sink(Protocol):
    @property
    def integrity_error(self) -> type[Exception]:
        """The driver's exception for a violated constraint."""
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def query_in(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        """`sql` with one `IN ({})` that takes `values`."""
        ...

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def script(self, sql: str) -> None:
        """One statement without parameters (DDL)."""
        ...

    def fetch_one(self, sql: str) -> Any:
        """The first column of the first row, or None."""
        ...

    @property
    def dialect(self) -> str: ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...

    def insert_returning_id(self, table: str, columns: Sequence[str], row: Sequence[Any]) -> int: ...

    def time(self, at: datetime | None) -> Any: ...

    def savepoint(self) -> Any: ...

    def finish(self, commit: bool, last_ids: dict[str, int]) -> None: ...


def open_sink(engine: Engine) -> tuple[Sink, Any]:
    """A sink on a connection of its own, in a transaction that holds the registry's write lock; and that pooled
    connection, to close after `finish`."""
    raw = engine.raw_connection()
    driver = raw.driver_connection
    if engine.dialect.name == "postgresql":
        return PostgresSink(driver), raw
    assert isinstance(driver, sqlite3.Connection)
    return SqliteSink(driver), raw


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


class SqliteSink:
    integrity_error = sqlite3.IntegrityError
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        self._temp_store = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        # Each batch's savepoint journals the pages it changes; in memory, not in a temporary file (a batch's
        # pages: tens of MB at most).
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("BEGIN IMMEDIATE")  # the engine runs in autocommit mode: we own the transaction

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def query_in(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), 30_000):  # SQLite's limit on bound variables is 32,766
            chunk = values[start : start + 30_000]
            found += self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return found

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql.replace("%s", "?"), rows)

    def script(self, sql: str) -> None:
        self.conn.execute(sql)

    def fetch_one(self, sql: str) -> Any:
        row = self.conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            marks = ",".join("?" * len(columns))
            self.conn.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)

    def insert_returning_id(self, table: str, columns: Sequence[str], row: Sequence[Any]) -> int:
        marks = ",".join("?" * len(columns))
        cursor = self.conn.execute(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", row)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def time(self, at: datetime | None) -> str | None:
        """SQLAlchemy's SQLite DATETIME text, of naive UTC (what UTCDateTime stores)."""
        if at is None:
            return None
        if at.tzinfo is not UTC:
            at = at.astimezone(UTC)
        return at.replace(tzinfo=None).isoformat(" ", "microseconds")

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT bulk")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO bulk")
            self.conn.execute("RELEASE bulk")
            raise
        self.conn.execute("RELEASE bulk")

    def finish(self, commit: bool, last_ids: dict[str, int]) -> None:
        try:
            self.conn.execute("COMMIT" if commit else "ROLLBACK")
        finally:
            self.conn.execute(f"PRAGMA cache_size={self._cache}")
            self.conn.execute(f"PRAGMA temp_store={self._temp_store}")


class PostgresSink:
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        import psycopg

        self.integrity_error = psycopg.IntegrityError
        self.conn = conn
        # Registry writers (approvals) wait until the import ends; readers do not.
        conn.execute("LOCK TABLE registry_subjects, registry_sites, registry_domains IN SHARE ROW EXCLUSIVE MODE")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (CHANGE_LOG_LOCK,))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql.replace("?", "%s"), params).fetchall())

    def query_in(self, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
        return list(self.conn.execute(sql.replace("IN ({})", "= ANY(%s)"), (list(values),)).fetchall())

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(sql.replace("MAX(", "GREATEST("), rows)

    def script(self, sql: str) -> None:
        self.conn.execute(sql)

    def fetch_one(self, sql: str) -> Any:
        row = self.conn.execute(sql).fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def insert_returning_id(self, table: str, columns: Sequence[str], row: Sequence[Any]) -> int:
        marks = ",".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks}) RETURNING id"
        found = self.conn.execute(sql, row).fetchone()
        return int(found[0])

    def time(self, at: datetime | None) -> datetime | None:
        return None if at is None else _naive_utc(at)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT bulk")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO SAVEPOINT bulk")
            self.conn.execute("RELEASE SAVEPOINT bulk")
            raise
        self.conn.execute("RELEASE SAVEPOINT bulk")

    def finish(self, commit: bool, last_ids: dict[str, int]) -> None:
        if not commit:
            self.conn.rollback()
            return
        for table, last in last_ids.items():  # the ids were given explicitly: move the sequences past them
            self.conn.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, last))
        self.conn.commit()
