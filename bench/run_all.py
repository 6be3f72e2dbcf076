"""`make bench`: run every benchmark on data it generates and rewrite BENCHMARKS.md with the date, the machine,
the versions and each command with its output (each benchmark measures its own baseline in the same run).

    .venv/bin/python bench/run_all.py [--scale full|quick] [--only NAME[,NAME...]] [--out BENCHMARKS.md]

`full` is the national scale of issue 9 (5 M sites, 8 M gate domains; about an hour on 2 cores); `quick` runs the
same benchmarks at small sizes (minutes) to check they still work. A benchmark that fails is reported in its
section with its exit status and the run goes on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# A database of its own: some benchmarks drop and recreate schemas in it.
PG = os.environ.get("OPENBEIAN_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench")


@dataclass(frozen=True)
class Bench:
    name: str
    title: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    about: str


BENCHES = (
    Bench(
        "import",
        "Registry import (SQLite executemany, PostgreSQL COPY) and export",
        "bench/registry_import.py",
        ("--sites", "5000000", "--postgres", PG),
        ("--sites", "50000", "--postgres", PG),
        "Baselines: raw sqlite3 executemany of the same rows into the same tables and indexes; raw COPY on PostgreSQL.",
    ),
    Bench(
        "lookup",
        "Registry lookup and name search through the library",
        "bench/registry_lookup.py",
        ("--sites", "5000000"),
        ("--sites", "100000"),
        "Baseline: raw sqlite3 point lookups (the same join, prepared) on the same file in the same run.",
    ),
    Bench(
        "http",
        "Public query API over HTTP",
        "bench/registry_http.py",
        ("--sites", "5000000"),
        ("--sites", "50000"),
        "Baseline: a bare ASGI app returning a body of the same size, same server and worker count, driven by wrk.",
    ),
    Bench(
        "memory",
        "API worker memory",
        "bench/worker_memory.py",
        ("--queries", "1000"),
        ("--queries", "200"),
        "RSS of a serve worker idle and after registry queries.",
    ),
    Bench(
        "gate-index",
        "Gate index: decisions per second and bytes per domain",
        "bench/gate_index.py",
        ("--sizes", "1000000,8000000"),
        ("--sizes", "200000"),
        "Baseline: a Python set of the same domains, same run.",
    ),
    Bench(
        "gate-http",
        "Gate auth endpoint and change propagation",
        "bench/gate_http.py",
        (),
        (),
        "Baseline: a bare ASGI app that does no work, same server and worker count, driven by wrk.",
    ),
    Bench(
        "gate-nginx",
        "nginx with the exported map and with auth_request",
        "bench/gate_nginx.py",
        ("--hosts", "1000000"),
        ("--hosts", "20000"),
        "Baseline: nginx with no check, same worker count, driven by wrk.",
    ),
    Bench(
        "gate-sni",
        "SNI proxy",
        "bench/gate_sni.py",
        (),
        (),
        "Baseline: direct TLS connections to the same server.",
    ),
    Bench(
        "simulate",
        "simulate: the write path",
        "bench/simulate_throughput.py",
        ("--orders", "1000", "--against", "0e8b9fd", "--pg", PG),
        ("--orders", "200", "--against", "0e8b9fd"),
        "Baselines: the commit floor (raw driver, as many commits per order as counted) and the code of commit"
        " 0e8b9fd (before this work) in the same run.",
    ),
    Bench("rules", "Rules engine and eligibility", "bench/rules_check.py", (), ("--seconds", "1"), "See the script."),
    Bench("extract", "Footer extraction", "bench/scan_extract.py", (), ("--pages", "200"), "See the script."),
    Bench("crawl", "Footer scanner crawl", "bench/scan_crawl.py", (), ("--pages", "1000"), "See the script."),
)


def versions() -> str:
    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return "not found"
        return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "?"

    import sqlalchemy
    import uvicorn

    parts = [
        f"Python {platform.python_version()}",
        f"SQLite {sqlite3.sqlite_version}",
        f"SQLAlchemy {sqlalchemy.__version__}",
        f"uvicorn {uvicorn.__version__}",
        first_line(["psql", "--version"]),
        first_line(["nginx", "-v"]),
        first_line(["haproxy", "-v"]),
        first_line(["wrk", "--version"]),
    ]
    return ", ".join(parts)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        gib = int(mem.split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        gib = 0.0
    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {gib:.0f} GiB, {platform.system()} {platform.release()}"
    )


def ensure_bench_database() -> None:
    """Create the benchmarks' PostgreSQL database when the server lacks it (a fresh machine)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(PG)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{url.database}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc}); its benchmarks will fail", file=sys.stderr)


def run(bench: Bench, scale: str) -> str:
    args = bench.full if scale == "full" else bench.quick
    command = [PY, bench.script, *args]
    shown = " ".join([".venv/bin/python", bench.script, *map(shlex.quote, args)])
    if not (ROOT / bench.script).exists():
        return f"## {bench.title}\n\nNot run: `{bench.script}` does not exist.\n"
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    body = done.stdout.strip()
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        body += f"\n\nFAILED (exit {done.returncode}):\n\n```\n{tail}\n```"
    return f"## {bench.title}\n\nCommand: `{shown}` ({seconds:.0f} s)\n\n{bench.about}\n\n{body}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("full", "quick"), default="full")
    parser.add_argument("--only", default="", help="comma-separated names: " + ", ".join(b.name for b in BENCHES))
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    wanted = {n for n in args.only.split(",") if n}
    ensure_bench_database()
    sections = []
    for bench in BENCHES:
        if wanted and bench.name not in wanted:
            continue
        print(f"running {bench.name} ...", file=sys.stderr, flush=True)
        sections.append(run(bench, args.scale))
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` (bench/run_all.py --scale {args.scale}) on {today}.\n\n"
        f"Machine: {machine()}; a shared, noisy machine: compare the ratios, each measured against its baseline "
        "in the same run, not the absolute figures.\n\n"
        f"Versions: {versions()}.\n\n"
    )
    Path(args.out).write_text(header + "\n".join(sections))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
