"""`gate serve` under load, against a bare ASGI app that does no work on the same server, and change propagation.

    .venv/bin/python bench/gate_http.py                    # wrk 10 s per run, 100 propagations
    .venv/bin/python bench/gate_http.py --seconds 3 --changes 10

1. Requests/s and p99 latency with wrk (-t2 -c64, /usr/bin/wrk) of `openbeian gate serve` (uvicorn, 1 worker,
   reading a SQLite registry of --domains filed domains) answering auth subrequests, and of a bare ASGI app that
   answers 204 without looking at the request (same uvicorn, same worker count, access log off), alternated
   --rounds times: one fixed filed host (the decision cache), and a Lua script asking --hosts different hosts
   (filed and unfiled). The ratio is gate / bare.
2. Change propagation: an `openbeian serve` API on the same registry and a `gate serve --follow` of it; an order is
   driven to the regulator's review, approved (in this process, on the same database), and the time from the
   approval's commit to the gate answering 204 for its domain is measured (polled every 2 ms); p50 and max over
   --changes approvals.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from openbeian.domain.workflow import Stage, Trigger
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.simulate.driver import drive, ensure_cast, new_applicant_order
from openbeian.store.uow import Database

OPENBEIAN = Path(sys.executable).with_name("openbeian")
BARE_APP = """
async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
"""
LUA = """
local hosts = {}
for line in io.lines("%s") do hosts[#hosts + 1] = line end
local i = 0
request = function()
  i = i %% #hosts + 1
  return wrk.format("GET", "/auth", {["X-Original-Host"] = hosts[i]})
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, path: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port}")


@contextmanager
def running(command: list[str], port: int, ready_path: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port, ready_path, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def seed_registry(url: str, count: int) -> list[str]:
    """A registry of `count` filed websites (one domain each) by provider 1, written with raw SQL."""
    db = Database(url)
    ensure_cast(Context(db))
    now = datetime.now(UTC).replace(tzinfo=None)
    domains = [f"bench{i}.cn" for i in range(count)]
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO registry_subjects (subject_number, province_code, year, serial, name, kind, document_key,"
                " next_site_seq, status, approved_at) VALUES ('京ICP备2020000001号', '110000', 2020, 1, '压测主体',"
                " 'enterprise', 'bench', 2, 'active', :now)"
            ),
            {"now": now},
        )
        subject = conn.execute(text("SELECT id FROM registry_subjects")).scalar_one()
        for start in range(0, count, 5000):
            rows = [
                {"n": f"京ICP备2020{i // 500 + 1:06d}号-{i % 500 + 1}", "s": subject, "q": i + 1, "now": now}
                for i in range(start, min(count, start + 5000))
            ]
            conn.execute(
                text(
                    "INSERT INTO registry_sites (site_number, subject_id, seq, name, service_type, status,"
                    " provider_ids, approved_at) VALUES (:n, :s, :q, '压测网站', 'website', 'active', '[1]', :now)"
                ),
                rows,
            )
        conn.execute(
            text(
                "INSERT INTO registry_site_providers (site_id, provider_id, ips) SELECT id, 1, '[]' FROM registry_sites"
            )
        )
        conn.execute(
            text(
                "INSERT INTO registry_domains (domain, site_id) SELECT 'bench' || (seq - 1) || '.cn', id"
                " FROM registry_sites"
            )
        )
    db.dispose()
    return domains


def wrk(port: int, seconds: int, script: str | None, host: str) -> tuple[float, float]:
    command = ["/usr/bin/wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-H", f"X-Original-Host: {host}"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}/auth"], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def load_test(url: str, workdir: Path, domains: list[str], seconds: int, rounds: int, hosts: int) -> None:
    rng = random.Random(7)
    mixed = [rng.choice(domains) if i % 2 else f"unfiled{i}.cn" for i in range(hosts)]
    host_file = workdir / "hosts.txt"
    host_file.write_text("\n".join(mixed) + "\n")
    script = workdir / "hosts.lua"
    script.write_text(LUA % host_file)
    (workdir / "bare_app.py").write_text(BARE_APP)
    gate_port, bare_port = free_port(), free_port()
    gate_cmd = [str(OPENBEIAN), "--database", url, "gate", "serve", "--port", str(gate_port), "--provider", "1"]
    bare_cmd = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(workdir), "bare_app:app", "--port", str(bare_port),
        "--log-level", "warning", "--no-access-log", "--workers", "1",
    ]  # fmt: skip
    results: dict[str, list[tuple[float, float]]] = {}
    with running(gate_cmd, gate_port, "/_openbeian/health"), running(bare_cmd, bare_port, "/"):
        for _ in range(rounds):
            for name, port, lua in (
                ("bare, one host", bare_port, None),
                ("gate, one host", gate_port, None),
                ("bare, many hosts", bare_port, str(script)),
                ("gate, many hosts", gate_port, str(script)),
            ):
                results.setdefault(name, []).append(wrk(port, seconds, lua, domains[0]))
    print(f"\nwrk -t2 -c64 -d{seconds}s, median of {rounds} alternated runs ({len(domains):,} filed domains)")
    print(f"{'server':<20} {'req/s':>10} {'p99 ms':>8}")
    medians = {}
    for name, runs in results.items():
        rps = statistics.median(r for r, _ in runs)
        p99 = statistics.median(p for _, p in runs)
        medians[name] = (rps, p99)
        print(f"{name:<20} {rps:>10,.0f} {p99:>8.2f}")
    for case in ("one host", "many hosts"):
        gate, bare = medians[f"gate, {case}"], medians[f"bare, {case}"]
        print(f"gate/bare, {case}: req/s {gate[0] / bare[0]:.2f}x, p99 {gate[1] / bare[1]:.2f}x")


def propagation(url: str, changes: int) -> None:
    db = Database(url)
    ctx = Context(db)
    cast = ensure_cast(ctx)
    api_port, gate_port = free_port(), free_port()
    api_cmd = [str(OPENBEIAN), "--database", url, "serve", "--port", str(api_port), "--tick-every", "0"]
    rng = random.Random(11)
    delays = []
    with running(api_cmd, api_port, "/api/v1/numbers/parse?text=x"):
        gate_cmd = [
            str(OPENBEIAN),
            "gate",
            "serve",
            "--port",
            str(gate_port),
            "--follow",
            f"http://127.0.0.1:{api_port}",
        ]
        with running(gate_cmd, gate_port, "/_openbeian/health"):
            conn = http.client.HTTPConnection("127.0.0.1", gate_port, timeout=10)

            def status(host: str) -> int:
                conn.request("GET", "/auth", headers={"X-Original-Host": host})
                response = conn.getresponse()
                response.read()
                return response.status

            for i in range(changes):
                applicant, order = new_applicant_order(ctx, cast, rng, f"p{i}")
                order = drive(ctx, cast, applicant, order, until=Stage.REGULATOR_REVIEW)
                domain = order.domains[0]
                assert status(domain) == 403
                OrderService(ctx).act(cast.officers[order.province_code], order.id or 0, Trigger.APPROVE)
                committed = time.perf_counter()
                while status(domain) != 204:
                    if time.perf_counter() - committed > 30:
                        raise SystemExit(f"{domain} not allowed after 30 s")
                    time.sleep(0.002)
                delays.append(time.perf_counter() - committed)
            conn.close()
    db.dispose()
    delays.sort()
    print(f"\nchange propagation over {changes} approvals (commit -> following gate answers 204)")
    print(
        f"p50 {statistics.median(delays) * 1000:.0f} ms   p90 {delays[int(len(delays) * 0.9) - 1] * 1000:.0f} ms",
        end="",
    )
    print(f"   max {delays[-1] * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--domains", type=int, default=100_000)
    parser.add_argument("--hosts", type=int, default=10_000, help="distinct hosts of the many-hosts run")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-propagation", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk") and not Path("/usr/bin/wrk").exists():
        raise SystemExit("wrk is needed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if not args.skip_load:
            url = f"sqlite:///{workdir / 'load.db'}"
            load_test(url, workdir, seed_registry(url, args.domains), args.seconds, args.rounds, args.hosts)
        if not args.skip_propagation:
            propagation(f"sqlite:///{workdir / 'feed.db'}", args.changes)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
