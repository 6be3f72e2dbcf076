"""Benchmark: `registry import` of a generated national registry, against raw inserts of the same rows into the same
tables with the same indexes, measured in the same run.

1. `generate` writes N sites (CSV) and is timed (rows/s).
2. The library imports the file into a fresh, migrated SQLite file (`import_registry`: read, check every row,
   find conflicts, write subjects, sites, provider links, domains, the change log).
3. Baseline: the rows the import wrote are read back into memory, and raw `sqlite3` executemany writes them into
   another fresh, migrated file in one transaction: the same tables, indexes and the same name-search index work
   (when the import suspended and rebuilt the search index, so does the baseline). Ratio = baseline / import.
   A variant drops the droppable secondary indexes first and re-creates them after: does that help? With
   --rounds R, library and raw loads alternate R times and the best of each counts.
4. Export of the imported registry, and whether it reproduces the generated file byte for byte.
5. With a PostgreSQL URL (--postgres or OPENBEIAN_TEST_DATABASE_URL): the import into a fresh schema against a
   raw COPY of the same rows into another fresh schema.

    .venv/bin/python bench/registry_import.py                          # 100,000 sites
    .venv/bin/python bench/registry_import.py --sites 5000000 --no-baseline   # the national-scale import alone
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from openbeian.bulk.export import export_registry
from openbeian.bulk.formats import FileFormat, open_output
from openbeian.bulk.generate import generate
from openbeian.bulk.load import (
    BYTES_PER_ROW,
    CHANGE_COLUMNS,
    DOMAIN_COLUMNS,
    LINK_COLUMNS,
    SITE_COLUMNS,
    SUBJECT_COLUMNS,
    SUSPEND_SEARCH_ABOVE,
    import_registry,
)
from openbeian.bulk.sinks import SQLITE_CACHE_KIB
from openbeian.store import search_index
from openbeian.store.database import normalise_url
from openbeian.store.uow import Database

TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("providers", ("id", "name", "name_en", "created_at")),
    ("registry_subjects", SUBJECT_COLUMNS),
    ("registry_sites", SITE_COLUMNS),
    ("registry_site_providers", LINK_COLUMNS),
    ("registry_domains", DOMAIN_COLUMNS),
    ("registry_changes", CHANGE_COLUMNS),
)
# Secondary indexes that are not unique (a bulk load could drop and re-create them; the unique ones find conflicts).
DROPPABLE = (
    ("ix_registry_subjects_name", "registry_subjects (name)"),
    ("ix_registry_domains_site_id", "registry_domains (site_id)"),
    ("ix_registry_site_providers_provider_id_site_id", "registry_site_providers (provider_id, site_id)"),
)


T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def rows_of(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: conn.execute(f"SELECT {','.join(cols)} FROM {table} ORDER BY rowid").fetchall() for table, cols in TABLES
    }


def raw_sqlite(path: Path, rows: dict[str, list[tuple[Any, ...]]], suspend: bool, drop_indexes: bool) -> float:
    """Raw executemany of `rows` into a fresh migrated file; returns the seconds of the load itself."""
    Database(f"sqlite:///{path}").dispose()  # migrated like the library's file
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # as the import
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    if suspend:
        search_index.suspend("sqlite", conn.execute)
    if drop_indexes:
        for name, _ in DROPPABLE:
            conn.execute(f"DROP INDEX {name}")
    for table, cols in TABLES:
        conn.executemany(f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})", rows[table])
    if drop_indexes:
        for name, target in DROPPABLE:
            conn.execute(f"CREATE INDEX {name} ON {target}")
    if suspend:
        search_index.rebuild("sqlite", conn.execute, lambda sql: (conn.execute(sql).fetchone() or (None,))[0])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def pg_schema_url(url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema, make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)


def drop_schema(url: str, schema: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def raw_copy(url: str, rows: dict[str, list[tuple[Any, ...]]], suspend: bool) -> float:
    db = Database(url)
    raw = db.engine.raw_connection()
    conn: Any = raw.driver_connection
    times = {"created_at", "approved_at", "cancelled_at", "at"}
    converted = {}
    for table, cols in TABLES:
        at = [i for i, c in enumerate(cols) if c in times]
        flag = cols.index("limit_access") if "limit_access" in cols else -1
        out = []
        for row in rows[table]:
            values = list(row)
            for i in at:
                values[i] = None if values[i] is None else datetime.fromisoformat(values[i])
            if flag >= 0 and values[flag] is not None:
                values[flag] = bool(values[flag])
            out.append(values)
        converted[table] = out
    start = time.perf_counter()
    if suspend:
        search_index.suspend("postgresql", conn.execute)
    with conn.cursor() as cursor:
        for table, cols in TABLES:
            with cursor.copy(f"COPY {table} ({','.join(cols)}) FROM STDIN") as copy:
                for values in converted[table]:
                    copy.write_row(values)
    if suspend:
        search_index.rebuild("postgresql", conn.execute, lambda sql: (conn.execute(sql).fetchone() or (None,))[0])
    for table in ("providers", "registry_subjects", "registry_sites"):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    conn.commit()
    elapsed = time.perf_counter() - start
    raw.close()
    db.dispose()
    return elapsed


def suspended(path: Path) -> bool:
    """Whether the import suspended the search index (load.py's rule, for a registry empty before)."""
    return path.stat().st_size // BYTES_PER_ROW > SUSPEND_SEARCH_ABOVE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="Work directory (default: a temporary one)")
    parser.add_argument("--no-baseline", action="store_true", help="Time generate, import and export only")
    parser.add_argument("--rounds", type=int, default=2, help="Alternating library / raw rounds (best counts)")
    parser.add_argument("--postgres", default=os.environ.get("OPENBEIAN_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="openbeian-import-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"registry import benchmark: {args.sites:,} sites, {platform.machine()} x{os.cpu_count()},"
          f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip

    source = work / "registry.csv"
    with open_output(source) as out:
        generated, seconds = timed(lambda: generate(out, args.sites, args.seed, FileFormat.CSV))
    print(f"generate: {seconds:.1f} s, {args.sites / seconds:,.0f} sites/s ({generated.subjects:,} subjects,"
          f" {generated.domains:,} domains, {source.stat().st_size / 1e6:,.0f} MB)")  # fmt: skip

    library = work / "library.db"
    db = Database(f"sqlite:///{library}")
    report, seconds = timed(lambda: import_registry(db, source, FileFormat.CSV, datetime.now(UTC)))
    assert report.committed and not report.bad, report.bad[:5]
    import_seconds = seconds
    print(f"import (SQLite): {seconds:.1f} s, {args.sites / seconds:,.0f} sites/s")
    exported = work / "exported.csv"
    with open_output(exported) as out:
        _, seconds = timed(lambda: export_registry(db.engine, out, FileFormat.CSV))
    same = exported.read_bytes() == source.read_bytes() if args.sites <= 2_000_000 else _same_file(exported, source)
    print(f"export (SQLite): {seconds:.1f} s, {args.sites / seconds:,.0f} sites/s; byte-identical: {same}")
    db.dispose()
    if args.no_baseline:
        return

    conn = sqlite3.connect(library)
    rows = rows_of(conn)
    conn.close()
    suspend = suspended(source)
    # Rounds alternate library and raw loads (each into a fresh file); the best of each counts (the machine is
    # shared: a round's times vary with what else runs).
    library_times, raw_times, dropped_times = [import_seconds], [], []
    for round_ in range(args.rounds):
        raw_times.append(raw_sqlite(_fresh(work / "raw.db"), rows, suspend, drop_indexes=False))
        dropped_times.append(raw_sqlite(_fresh(work / "raw-dropped.db"), rows, suspend, drop_indexes=True))
        if round_ + 1 < args.rounds:
            library_times.append(_library_import(_fresh(work / "library-again.db"), source))
    import_seconds, baseline, dropped = min(library_times), min(raw_times), min(dropped_times)
    search = "suspended and rebuilt" if suspend else "kept by triggers"
    print(f"best of {args.rounds}: import {import_seconds:.1f} s; raw sqlite3 executemany, same rows, tables,"
          f" indexes: {baseline:.1f} s (search index {search})")  # fmt: skip
    print(f"  ratio import / raw: {baseline / import_seconds:.2f}x (target 0.5x or better)")
    print(f"raw, non-unique secondary indexes dropped and re-created: {dropped:.1f} s"
          f" ({baseline / dropped:.2f}x the raw load with them)")  # fmt: skip

    if args.postgres:
        url = normalise_url(args.postgres)
        schema, lib_url = pg_schema_url(url)
        raw_schema, raw_url = pg_schema_url(url)
        try:
            pg = Database(lib_url)
            report, seconds = timed(lambda: import_registry(pg, source, FileFormat.CSV, datetime.now(UTC)))
            assert report.committed and not report.bad
            pg.dispose()
            copy_seconds = raw_copy(raw_url, rows, suspend)
            print(f"import (PostgreSQL, COPY): {seconds:.1f} s, {args.sites / seconds:,.0f} sites/s;"
                  f" raw COPY of the same rows: {copy_seconds:.1f} s; ratio {copy_seconds / seconds:.2f}x")  # fmt: skip
        finally:
            drop_schema(url, schema)
            drop_schema(url, raw_schema)


def _library_import(path: Path, source: Path) -> float:
    db = Database(f"sqlite:///{path}")
    try:
        return timed(lambda: import_registry(db, source, FileFormat.CSV, datetime.now(UTC)))[1]
    finally:
        db.dispose()


def _fresh(path: Path) -> Path:
    """The path, with any database file (and its WAL) there removed."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return path


def _same_file(a: Path, b: Path) -> bool:
    with a.open("rb") as x, b.open("rb") as y:
        while True:
            chunk_x, chunk_y = x.read(1 << 20), y.read(1 << 20)
            if chunk_x != chunk_y:
                return False
            if not chunk_x:
                return True


if __name__ == "__main__":
    main()
