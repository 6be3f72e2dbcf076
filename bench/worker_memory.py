"""Benchmark: resident memory (RSS) of `openbeian serve` API worker processes, idle after start-up and after N
registry queries (domain hits, misses and filing numbers, over keep-alive connections).

    .venv/bin/python bench/worker_memory.py [--workers 1] [--queries 1000] [--database URL]

Without --database it fills a temporary SQLite registry with `openbeian simulate`. With one worker the serving
process is the worker; with several, the workers are the serve process' children (the parent supervises them and
runs the timers). RSS is read from /proc (Linux), in MiB.
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
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

BIN = Path(sys.executable).with_name("openbeian")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(pid)


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
        domains = [d for (d,) in conn.execute(text("SELECT domain FROM registry_domains ORDER BY domain LIMIT 500"))]
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
                time.sleep(1)  # let every worker finish its start-up
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("serve did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queries", type=int, default=1000)
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
        serve = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            wait_ready(port, serve, args.workers)
            pids = workers_of(serve, args.workers)
            idle = {pid: rss_mib(pid) for pid in pids}
            started = time.perf_counter()
            conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(args.workers * 2)]
            for i, path in enumerate(paths):
                conn = conns[i % len(conns)]
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (path, response.status)
            elapsed = time.perf_counter() - started
            busy = {pid: rss_mib(pid) for pid in pids}
            result = {
                "workers": args.workers,
                "queries": len(paths),
                "seconds": round(elapsed, 2),
                "parent_rss_mib": None if args.workers == 1 else round(rss_mib(serve.pid), 1),
                "worker_rss_mib_idle": [round(idle[p], 1) for p in pids],
                "worker_rss_mib_after": [round(busy[p], 1) for p in pids],
                "python": sys.version.split()[0],
                "machine": f"{os.cpu_count()} cores",
            }
            print(json.dumps(result))
        finally:
            serve.terminate()
            serve.wait(30)


if __name__ == "__main__":
    main()
