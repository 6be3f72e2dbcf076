"""Probe for docs/scaling.md: how long a committed write on a PostgreSQL primary takes to be readable on a
streaming replica, idle and while `openbeian simulate` files orders on the primary (the registry and its change
log being written).

    .venv/bin/python bench/pg_replica_lag.py PRIMARY_URL REPLICA_URL [--samples 300] [--orders 150]

Both URLs point at the same database, the second through a hot standby (docs/scaling.md shows how to set one
up). Prints the median, p99 and maximum visibility lag in milliseconds, and the simulate run's orders/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

BIN = Path(sys.executable).with_name("openbeian")


def plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def lags_ms(primary: psycopg.Connection, replica: psycopg.Connection, samples: int, start: int) -> list[float]:
    found = []
    for n in range(start, start + samples):
        primary.execute("INSERT INTO lag_probe VALUES (%s)", (n,))
        committed = time.perf_counter()
        while replica.execute("SELECT 1 FROM lag_probe WHERE n = %s", (n,)).fetchone() is None:
            time.sleep(0.0002)
        found.append((time.perf_counter() - committed) * 1000)
        time.sleep(0.01)
    return found


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("primary")
    parser.add_argument("replica")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--orders", type=int, default=150)
    args = parser.parse_args()
    with psycopg.connect(plain(args.primary), autocommit=True) as primary:
        primary.execute("DROP TABLE IF EXISTS lag_probe")
        primary.execute("CREATE TABLE lag_probe (n integer PRIMARY KEY)")
        with psycopg.connect(plain(args.replica), autocommit=True) as replica:
            while replica.execute("SELECT to_regclass('lag_probe')").fetchone() == (None,):
                time.sleep(0.01)
            idle = lags_ms(primary, replica, args.samples, 0)
            command = [BIN, "--database", args.primary, "simulate", "--orders", str(args.orders), "--seed", "5"]
            started = time.perf_counter()
            load = subprocess.Popen([*map(str, command), "--json"], stdout=subprocess.PIPE)
            loaded: list[float] = []
            while load.poll() is None:
                loaded += lags_ms(primary, replica, 20, args.samples + len(loaded))
            seconds = time.perf_counter() - started
        primary.execute("DROP TABLE lag_probe")
    print(
        json.dumps(
            {
                "idle": summary(idle),
                "while_simulate_writes": summary(loaded),
                "simulate_orders_per_s": round(args.orders / seconds, 1),
                "samples": [len(idle), len(loaded)],
            }
        )
    )


if __name__ == "__main__":
    main()
