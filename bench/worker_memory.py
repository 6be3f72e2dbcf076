"""Benchmark: resident memory of `openbeian serve` API worker processes, idle after start-up and after N
registry queries (domain hits, misses and filing numbers, over keep-alive connections from C client threads).

    .venv/bin/python bench/worker_memory.py [--workers 1] [--queries 1000] [--clients 1] [--database URL]

Without --database it fills a temporary SQLite registry with `openbeian simulate`. With one worker the serving
process is the worker; with several, the workers are the serve process' children (the parent supervises them and
runs the timers). Read from /proc (Linux), in MiB, per worker: `rss`; `anon`, the process' own memory; `file`,
mapped files, among them the SQLite database the registry reader maps (shared by every worker and the page cache,
and growing with the part of the file the queries touched); `uss`, the pages no other process shares.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

BIN = Path(sys.executable).with_name("openbeian")


def memory_mib(pid: int) -> dict[str, float]:
    fields: dict[str, int] = {}
    for name in ("status", "smaps_rollup"):
        for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
            key, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[key] = int(value.split()[0])
    kib = {
        "rss": fields["VmRSS"],
        "anon": fields["RssAnon"],
        "file": fields["RssFile"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }
    return {key: round(value / 1024, 1) for key, value in kib.items()}


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def workers_of(serve: subprocess.Popen[bytes], count: int) -> list[int]:
    """The serving processes: the serve process itself with one worker, else its children that run a server
    (multiprocessing's resource tracker is a child too, and is not one)."""
    if count == 1:
        return [serve.pid]
    return [c for c in children(serve.pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def queries(url: str, n: int) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        domains = [d for (d,) in conn.execute(text("SELECT domain FROM registry_domains ORDER BY random() LIMIT 5000"))]
        numbers = [n for (n,) in conn.execute(text("SELECT site_number FROM registry_sites LIMIT 200"))]
    engine.dispose()
    paths = []
    for i in range(n):
        if i % 4 == 3 and numbers:
            paths.append("/api/v1/registry?" + urlencode({"number": numbers[i % len(numbers)]}))
        elif i % 4 == 2 or not domains:
            paths.append("/api/v1/registry?" + urlencode({"domain": f"absent{i}.example.cn"}))
        else:
            paths.append("/api/v1/registry?" + urlencode({"domain": "www." + domains[i % len(domains)]}))
    return paths


def wait_ready(port: int, serve: subprocess.Popen[bytes], workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit(f"serve exited with {serve.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/numbers/parse?text=x")
            conn.getresponse().read()
            conn.close()
            if len(workers_of(serve, workers)) == workers:
                time.sleep(3)  # let every worker finish its start-up
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("serve did not answer within 60 s")


def ask(port: int, paths: list[str]) -> None:
    """The paths in turn on new keep-alive connections (a new one every 50 requests, to reach every worker)."""
    conn = None
    for i, path in enumerate(paths):
        if i % 50 == 0:
            if conn is not None:
                conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        assert conn is not None
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    if conn is not None:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=1, help="client threads, each with its keep-alive connection")
    parser.add_argument("--database", help="a registry to serve (default: a temporary simulated one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'registry.db'}"
        if not args.database:
            subprocess.run(
                [BIN, "--database", url, "simulate", "--orders", "40", "--seed", "9", "--kinds", "first_filing"],
                check=True,
                capture_output=True,
            )
        paths = queries(url, args.queries)
        port = free_port()
        command = [BIN, "--database", url, "serve", "--port", str(port), "--tick-every", "0"]
        if args.workers != 1:
            command += ["--workers", str(args.workers)]
        unlimited = {**os.environ, "OPENBEIAN_RATE_LIMIT_PER_MINUTE": "0"}  # one client address, many queries
        serve = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=unlimited)
        try:
            wait_ready(port, serve, args.workers)
            pids = workers_of(serve, args.workers)
            idle = [memory_mib(pid) for pid in pids]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                list(pool.map(ask, [port] * args.clients, [paths[i :: args.clients] for i in range(args.clients)]))
            elapsed = time.perf_counter() - started
            result = {
                "workers": args.workers,
                "queries": len(paths),
                "clients": args.clients,
                "seconds": round(elapsed, 2),
                "supervisor": None if args.workers == 1 else memory_mib(serve.pid),
                "workers_idle": idle,
                "workers_after": [memory_mib(pid) for pid in pids],
                "python": sys.version.split()[0],
                "machine": f"{os.cpu_count()} cores",
            }
            print(json.dumps(result))
        finally:
            serve.terminate()
            serve.wait(30)


if __name__ == "__main__":
    main()
