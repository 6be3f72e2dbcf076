"""Benchmark: `simulate` throughput (orders/s) on SQLite and PostgreSQL, against a baseline measured in
the same run: the bare transaction floor (the same number of committed one-row INSERT transactions per
order as a simulated order makes, with the raw driver).

    .venv/bin/python bench/simulate_throughput.py [--orders 1000] [--pg postgresql+psycopg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import tempfile
import time
from pathlib import Path

from openbeian.domain.kinds import OrderKind
from openbeian.services.context import Context
from openbeian.simulate.scenarios import parse_kinds, simulate
from openbeian.store.uow import Database

TRANSACTIONS_PER_ORDER = 10  # account, instance, create, submit, pass, verify, sms, approve + reads


def sqlite_floor(path: Path, orders: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    started = time.perf_counter()
    for i in range(orders * TRANSACTIONS_PER_ORDER):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (f"row {i}" * 20,))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return orders / seconds


def pg_floor(url: str, orders: int) -> float:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=False) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor")
        conn.execute("CREATE TABLE bench_floor (id serial PRIMARY KEY, payload text)")
        conn.commit()
        started = time.perf_counter()
        for i in range(orders * TRANSACTIONS_PER_ORDER):
            conn.execute("INSERT INTO bench_floor (payload) VALUES (%s)", (f"row {i}" * 20,))
            conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_floor")
        conn.commit()
    return orders / seconds


def reset_pg(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def measure(url: str, orders: int, floor: float, kinds: list[OrderKind]) -> dict[str, float]:
    """Simulate `orders` on the database and relate the rate to the floor measured just before."""
    report = simulate(Context(Database(url)), orders, seed=1, kinds=kinds)
    assert report["approved"] == orders, report["by_stage"]
    rate = orders / report["seconds"]
    return {"orders_per_s": round(rate, 1), "floor_orders_per_s": round(floor, 1), "ratio": round(rate / floor, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--pg", default=os.environ.get("OPENBEIAN_TEST_DATABASE_URL"))
    parser.add_argument("--kinds", default="first_filing", help="first_filing (default) or all: the mix of every kind")
    args = parser.parse_args()
    kinds = parse_kinds(args.kinds)
    machine = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    results: dict[str, object] = {"machine": machine}
    with tempfile.TemporaryDirectory() as tmp:
        floor = sqlite_floor(Path(tmp) / "floor.db", args.orders)
        results["sqlite"] = measure(f"sqlite:///{tmp}/sim.db", args.orders, floor, kinds)
    if args.pg:
        reset_pg(args.pg)
        results["postgresql"] = measure(args.pg, args.orders, pg_floor(args.pg, args.orders), kinds)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
