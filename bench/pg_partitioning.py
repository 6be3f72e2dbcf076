"""Probe for docs/scaling.md: what list partitioning by province buys and costs on PostgreSQL, measured on a
registry-shaped table (N sites over 31 provinces) built twice in a scratch schema, plain and partitioned.

    OPENBEIAN_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/pg_partitioning.py [--sites 1000000] [--lookups 5000]

Prints per-query times (µs, median of the lookups) of: a lookup by domain (no province known: every partition's
index is probed), a lookup by filing number (its province prefix names the partition), one province's count,
and the sizes. The scratch schema is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import uuid

import psycopg

PROVINCES = [
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000", "330000",
    "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000", "460000", "500000",
    "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000", "650000",
]  # fmt: skip

COLUMNS = "id bigint NOT NULL, province_code text NOT NULL, site_number text NOT NULL, domain text NOT NULL"
FILL = """INSERT INTO {table} SELECT i, ('{{{provinces}}}'::text[])[1 + i %% 31], 'P' || (i %% 31) || '-' || i,
    'site' || i || '.cn' FROM generate_series(0, %s - 1) AS i"""


def build(conn: psycopg.Connection, sites: int) -> None:
    provinces = ",".join(PROVINCES)
    conn.execute(f"CREATE TABLE flat ({COLUMNS}, PRIMARY KEY (id))")
    conn.execute(FILL.format(table="flat", provinces=provinces), (sites,))  # type: ignore[arg-type]
    conn.execute("CREATE UNIQUE INDEX ON flat (domain)")
    conn.execute("CREATE UNIQUE INDEX ON flat (site_number)")
    conn.execute("CREATE INDEX ON flat (province_code)")
    conn.execute(f"CREATE TABLE part ({COLUMNS}, PRIMARY KEY (province_code, id)) PARTITION BY LIST (province_code)")
    for code in PROVINCES:
        conn.execute(f"CREATE TABLE part_{code} PARTITION OF part FOR VALUES IN ('{code}')")
    conn.execute(FILL.format(table="part", provinces=provinces), (sites,))  # type: ignore[arg-type]
    # A unique index on a partitioned table must contain the partition key: "one domain, one site" nationally
    # can no longer be a constraint; it becomes (province_code, domain).
    conn.execute("CREATE UNIQUE INDEX ON part (province_code, domain)")
    conn.execute("CREATE INDEX ON part (domain)")
    conn.execute("CREATE UNIQUE INDEX ON part (province_code, site_number)")
    conn.execute("ANALYZE flat")
    conn.execute("ANALYZE part")


def size_mib(conn: psycopg.Connection, schema: str, table: str) -> float:
    """Tables and their indexes (a partitioned table: all of its partitions)."""
    row = conn.execute(
        "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r' AND (c.relname = %s OR c.relname LIKE %s)",
        (schema, table, f"{table}\\_%"),
    ).fetchone()
    assert row is not None
    return round(float(row[0]) / 2**20, 1)


def median_us(conn: psycopg.Connection, sql: str, params: list[tuple[object, ...]]) -> float:
    samples = []
    with conn.cursor() as cur:
        for p in params[:50]:
            cur.execute(sql, p, prepare=True).fetchall()  # warm: plans prepared, pages cached
        for p in params:
            started = time.perf_counter()
            cur.execute(sql, p, prepare=True).fetchall()
            samples.append((time.perf_counter() - started) * 1e6)
    return round(statistics.median(samples), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=5000)
    args = parser.parse_args()
    url = os.environ["OPENBEIAN_TEST_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    schema = f"partprobe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        try:
            conn.execute(f"SET search_path = {schema}")
            started = time.perf_counter()
            build(conn, args.sites)
            built = time.perf_counter() - started
            rng = random.Random(7)
            ids = [rng.randrange(args.sites) for _ in range(args.lookups)]
            domains = [(f"site{i}.cn",) for i in ids]
            numbers = [(PROVINCES[i % 31], f"P{i % 31}-{i}") for i in ids]
            result: dict[str, object] = {"sites": args.sites, "build_seconds_both": round(built, 1)}
            for table in ("flat", "part"):
                result[table] = {
                    "by_domain_us": median_us(conn, f"SELECT * FROM {table} WHERE domain = %s", domains),
                    "by_number_with_province_us": median_us(
                        conn, f"SELECT * FROM {table} WHERE province_code = %s AND site_number = %s", numbers
                    ),
                    "count_one_province_us": median_us(
                        conn, f"SELECT count(*) FROM {table} WHERE province_code = %s", [("440000",)] * 20
                    ),
                    "size_mib": size_mib(conn, schema, table),
                }
            print(json.dumps(result))
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
