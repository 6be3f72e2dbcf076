"""Benchmark: `simulate` throughput (orders/s) on SQLite and PostgreSQL, with the SQL statements and commits each
order costs, against two baselines measured in the same run:

- the transaction floor: the raw driver making as many committed one-row INSERT transactions per order as the real
  path commits (counted in this run, not assumed);
- with `--against REV`: the same simulation by the code of an earlier commit (checked out in a temporary git
  worktree and run in a child process the same way), so "N times faster than before" is measured, not remembered.

    .venv/bin/python bench/simulate_throughput.py [--orders 1000] [--kinds first_filing|all]
        [--pg postgresql+psycopg://postgres@127.0.0.1/bench] [--against 0e8b9fd]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run in a child process by the code under test (this tree's, or an earlier commit's via PYTHONPATH).
CHILD = r"""
import json, sys
from sqlalchemy import event
from openbeian.services.context import Context
from openbeian.simulate.scenarios import parse_kinds, simulate
from openbeian.store.uow import Database

url, orders, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = Database(url)
counts = {"statements": 0, "commits": 0, "on": False}

@event.listens_for(db.engine, "before_cursor_execute")
def _statement(*_args):
    counts["statements"] += counts["on"]

@event.listens_for(db.engine, "commit")
def _commit(*_args):
    counts["commits"] += counts["on"]

ctx = Context(db)
simulate(ctx, 20, seed=7, kinds=parse_kinds(kinds))  # warm-up: caches, the synthetic data's number blocks
counts["on"] = True
report = simulate(ctx, orders, seed=1, kinds=parse_kinds(kinds))
print(json.dumps({
    "orders": orders,
    "approved": report["approved"],
    "seconds": report["seconds"],
    "statements_per_order": counts["statements"] / orders,
    "commits_per_order": counts["commits"] / orders,
}))
"""


def run_child(src: Path, url: str, orders: int, kinds: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(orders), kinds], env=env, check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["approved"] != orders and kinds == "first_filing":
        raise SystemExit(f"only {result['approved']} of {orders} orders were approved")
    result["orders_per_s"] = orders / result["seconds"]
    return result


def sqlite_floor(path: Path, orders: int, commits_per_order: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT)")
    started = time.perf_counter()
    for i in range(orders * commits_per_order):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (payload) VALUES (?)", (f"row {i}" * 20,))
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return orders / seconds


def pg_floor(url: str, orders: int, commits_per_order: int) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_floor")
        conn.execute("CREATE TABLE bench_floor (id serial PRIMARY KEY, payload text)")
        conn.commit()
        started = time.perf_counter()
        for i in range(orders * commits_per_order):
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


def worktree(rev: str, tmp: Path) -> Path:
    path = tmp / f"rev-{rev}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (its public schema is dropped!)")
    parser.add_argument("--kinds", default="first_filing", help="first_filing (default) or all: the mix of every kind")
    parser.add_argument("--against", metavar="REV", help="also run the code of this earlier commit, same run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        trees = [("this tree", ROOT / "src")]
        base = worktree(args.against, tmp) if args.against else None
        if base is not None:
            trees.append((f"commit {args.against}", base / "src"))
        try:
            for label, src in trees:
                result = run_child(src, f"sqlite:///{tmp}/{label.replace(' ', '-')}.db", args.orders, args.kinds)
                floor = sqlite_floor(tmp / f"floor-{len(rows)}.db", args.orders, round(result["commits_per_order"]))
                rows.append(("SQLite", label, result, floor))
                if args.pg:
                    reset_pg(args.pg)
                    result = run_child(src, args.pg, args.orders, args.kinds)
                    rows.append(
                        (
                            "PostgreSQL",
                            label,
                            result,
                            pg_floor(args.pg, args.orders, round(result["commits_per_order"])),
                        )
                    )
        finally:
            if base is not None:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {args.orders} orders, kinds {args.kinds}\n"
    )
    print("| database | code | orders/s | statements/order | commits/order | floor orders/s | ratio to floor |")
    print("|---|---|---|---|---|---|---|")
    for database, label, r, floor in rows:
        print(
            f"| {database} | {label} | {r['orders_per_s']:.1f} | {r['statements_per_order']:.1f} |"
            f" {r['commits_per_order']:.1f} | {floor:,.0f} | {r['orders_per_s'] / floor:.3f} |"
        )
    if args.against:
        for database in ("SQLite", "PostgreSQL"):
            now = [r for d, lbl, r, _ in rows if d == database and lbl == "this tree"]
            then = [r for d, lbl, r, _ in rows if d == database and lbl != "this tree"]
            if now and then:
                print(
                    f"\n{database}: this tree / commit {args.against} ="
                    f" {now[0]['orders_per_s'] / then[0]['orders_per_s']:.2f}x"
                )


if __name__ == "__main__":
    main()
