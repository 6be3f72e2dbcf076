"""Benchmark: the public query API over HTTP against a bare ASGI app, same server, same worker count, same run.

For 1 and 2 uvicorn workers it serves (a) the real app (`openbeian.web.serving:app_from_environment`, the factory
`serve --workers N` runs) on a synthetic SQLite registry of N sites, and (b) a bare ASGI app answering every request
with a fixed JSON body as long as the real app's average answer, and drives each with wrk at 64 connections: the
same Lua script for both, asking GET /api/v1/registry?domain= for a random site of the whole registry at each request
(its filed domain, its `www.` subdomain, or an unfiled name): the cold case, where the app's answer cache rarely
helps. The real app is also driven over a hot set of 2,000 names asked again and again (answers kept per registry
version). It prints requests/s, p50 / p99 latency and the ratio real / bare, then the time
of POST /api/v1/registry/batch with 1,000 domains (half filed). Targets (issue 9): ratio >= 0.5, p99 < 10 ms at
64 clients, a 1,000-domain batch < 100 ms.

The registry is the one bench/registry_lookup.py builds (raw inserts into the real schema, cached under /tmp).
The rate limit stays on, set high enough never to refuse (its cost is part of the measure).

    .venv/bin/python bench/registry_http.py                      # 50,000 sites, 5 s a run
    .venv/bin/python bench/registry_http.py --sites 5000000 --seconds 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
WRK = "/usr/bin/wrk"
CONNECTIONS = 64
FACTORY = "openbeian.web.serving:app_from_environment"
BARE = "registry_http:bare_app"
_BODY: list[bytes] = []


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The baseline: a fixed JSON body of BENCH_BODY_BYTES bytes for every request, no work."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if not _BODY:
        size = int(os.environ.get("BENCH_BODY_BYTES", "400"))
        _BODY.append(b'{"pad":"' + b"x" * max(0, size - 10) + b'"}')
    body = _BODY[0]
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def uvicorn(app: str, workers: int, env: dict[str, str], probe: str, factory: bool) -> Iterator[int]:
    """A uvicorn process serving `app` on a free port with `workers` workers, until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log", "--app-dir", str(BENCH)]
    command += ["--factory"] if factory else []
    process = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {process.returncode}")
            try:
                if get(port, probe)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start in 60 s")
            time.sleep(0.2)
        if workers > 1:
            time.sleep(2)  # let every worker finish starting
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def hot_script(paths: list[str], directory: Path) -> Path:
    """wrk's request function for the hot set: each thread cycles through the same paths from its own offset."""
    listed = ",\n".join(json.dumps(p) for p in paths)
    script = directory / "hot.lua"
    script.write_text(
        f"local paths = {{\n{listed}\n}}\nlocal n = #paths\nlocal i = 0\n"
        "setup = function(thread) thread:set('offset', math.random(n)) end\n"
        "init = function(args) i = tonumber(offset) or 0 end\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % n) + 1])\nend\n"
    )
    return script


COLD_LUA = """
local tlds = {%(tlds)s}
local sites = %(sites)d
local k = 0
local threads = 0
setup = function(thread) threads = threads + 1; thread:set('id', threads) end
init = function(args) math.randomseed(os.time() * 1000 + tonumber(id) * 7919) end
request = function()
  k = k + 1
  local kind = k %% 10
  local path
  if kind < 7 then
    local i = math.random(0, sites - 1)
    local name = string.format('site%%07dx.%%s', i, tlds[(i %% #tlds) + 1])
    if kind >= 4 then name = 'www.' .. name end
    path = '/api/v1/registry?domain=' .. name
  else
    path = '/api/v1/registry?domain=unfiled' .. math.random(0, 999999999) .. '.cn'
  end
  return wrk.format('GET', path)
end
"""


def cold_script(sites: int, tlds: tuple[str, ...], domain_of: Any, directory: Path) -> Path:
    """wrk's request function for the cold case: a random site of the whole registry at each request (40 % the
    filed domain, 30 % its www. subdomain, 30 % an unfiled name), each thread seeded apart."""
    for i in (0, 7, sites - 1):  # the Lua spelling must be the registry's
        assert f"site{i:07d}x.{tlds[i % len(tlds)]}" == domain_of(i), domain_of(i)
    script = directory / "cold.lua"
    script.write_text(COLD_LUA % {"tlds": ", ".join(json.dumps(t) for t in tlds), "sites": sites})
    return script


def wrk(port: int, script: Path, seconds: int) -> Run:
    command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script)]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    rate = float(_match(r"Requests/sec:\s+([\d.]+)", out))
    errors = int(_match(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0"))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    p50, p99 = _match(r"(?m)^\s+50%\s+(\S+)", out), _match(r"(?m)^\s+99%\s+(\S+)", out)
    return Run(rate, _ms(p50), _ms(p99), errors)


def _match(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is None:
            raise RuntimeError(f"wrk output without {pattern!r}:\n{text}")
        return default
    return found.group(1)


def _ms(value: str) -> float:
    """wrk's latency (456.00us, 1.23ms, 1.02s) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise RuntimeError(f"not a wrk latency: {value!r}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found.group(2)]


def query_paths(sites: int, domain_of: Any, count: int = 2000) -> list[str]:
    """40 % filed domains, 30 % `www.` of filed domains, 30 % unfiled names, shuffled."""
    rng = random.Random(7)
    names = []
    for k in range(count):
        i = rng.randrange(sites)
        kind = k % 10
        if kind < 4:
            names.append(domain_of(i))
        elif kind < 7:
            names.append("www." + domain_of(i))
        else:
            names.append(f"unfiled{rng.randrange(10**9)}.cn")
    rng.shuffle(names)
    return ["/api/v1/registry?domain=" + quote(n) for n in names]


def batch_times(port: int, domains: list[str], rounds: int = 10) -> list[float]:
    body = json.dumps({"domains": domains}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    try:
        for _ in range(rounds + 1):
            started = time.perf_counter()
            conn.request("POST", "/api/v1/registry/batch", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            answer = json.loads(response.read())
            times.append((time.perf_counter() - started) * 1000)
            assert response.status == 200 and len(answer["results"]) == len(domains), answer
    finally:
        conn.close()
    return times[1:]  # the first one warms the worker


def in_process_costs(env: dict[str, str], sites: int, domain_of: Any) -> dict[str, float]:
    """Microseconds a request costs inside the worker, without HTTP (the ASGI call with a no-op send), for a
    cached answer and a cold one, next to the pieces of a cold one: the service's lookup, the registry version
    read, the same join run raw through sqlite3 (the floor), and the API layer alone (the ASGI call with the
    lookup and version read answered from a dict filled beforehand). All on the same 10,000 random sites, whose
    pages are read once first; each figure is the best of 3 rounds (the machine is shared)."""
    import asyncio
    import sqlite3

    os.environ.update(env)
    from openbeian.services.registry import RegistryService
    from openbeian.web.registry_api import RegistryFirst
    from openbeian.web.serving import app_from_environment

    app = app_from_environment()
    ctx = app.state.ctx
    assert isinstance(app, RegistryFirst) and app.registry_routes is not None
    routes = app.registry_routes
    rng = random.Random(5)
    names = [domain_of(rng.randrange(sites)) for _ in range(10_000)]
    hot = names[:500] * 20

    def best(run: Any, items: list[str]) -> float:
        rounds = []
        for _ in range(3):
            routes._answers.clear()
            started = time.perf_counter()
            run(items)
            rounds.append((time.perf_counter() - started) / len(items) * 1e6)
        return min(rounds)

    def each(action: Any) -> Any:
        return lambda items: [action(item) for item in items]

    conn = sqlite3.connect(env["OPENBEIAN_DATABASE_URL"].removeprefix("sqlite:///"))
    sql = ctx.db.reader._dialect.by_domains2
    raw = each(lambda name: conn.execute(sql, (name, name, name)).fetchall())
    raw(names)  # warm the pages
    costs = {"raw sqlite3, same join": best(raw, names)}
    conn.close()
    service = RegistryService(ctx)
    costs["RegistryService.by_domain"] = best(each(service.by_domain), names)
    costs["registry version (newest change)"] = best(each(lambda name: ctx.db.reader.newest_change()), names)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    async def drive(items: list[str]) -> None:
        for name in items:
            query = f"domain={name}".encode()
            await app({"type": "http", "method": "GET", "path": "/api/v1/registry", "query_string": query,
                       "headers": []}, receive, send)  # fmt: skip

    def asgi(items: list[str]) -> None:
        asyncio.run(drive(items))

    costs["ASGI call, cold (no cached answer)"] = best(asgi, names)  # 10,000 names > the 4,096 kept
    costs["ASGI call, cached answer"] = best(asgi, hot)
    stored = {name: routes.service.by_domain(name) for name in names}
    version = routes.registry_version()
    routes.service.by_domain, routes.registry_version = stored.__getitem__, lambda: version  # type: ignore[method-assign,assignment]
    costs["ASGI call, cold, API layer alone"] = best(asgi, names)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure (default 1,2)")
    args = parser.parse_args()
    if not Path(WRK).exists():
        sys.exit(f"{WRK} is missing: apt-get install wrk (make wrk)")

    sys.path.insert(0, str(BENCH))
    import registry_lookup  # the cached synthetic registry

    path = registry_lookup.CACHE / f"registry-{args.sites}-{registry_lookup.SCHEMA_TAG}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        registry_lookup.build(partial, args.sites)
        partial.rename(path)
    paths = query_paths(args.sites, registry_lookup.domain_of)  # the hot set
    env = {
        "OPENBEIAN_DATABASE_URL": f"sqlite:///{path}",
        "OPENBEIAN_SECRET_KEY": "bench",
        "OPENBEIAN_RATE_LIMIT_PER_MINUTE": str(10**12),
        "OPENBEIAN_RATE_LIMIT_BURST": str(10**12),
    }
    print(f"registry: {args.sites:,} sites ({path}); wrk -t2 -c{CONNECTIONS} -d{args.seconds}s; {os.cpu_count()} CPUs")
    rows = []
    body_bytes = 0
    batch: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        cold = cold_script(args.sites, registry_lookup.TLDS, registry_lookup.domain_of, Path(tmp))
        hot = hot_script(paths, Path(tmp))
        for workers in [int(w) for w in args.workers.split(",")]:
            with uvicorn(FACTORY, workers, env, paths[0], factory=True) as port:
                if not body_bytes:
                    sizes = [len(get(port, p)[1]) for p in paths[:200]]
                    body_bytes = round(statistics.mean(sizes))
                wrk(port, cold, 1)  # warm-up: connections, statement caches
                real = wrk(port, cold, args.seconds)
                wrk(port, hot, 1)
                real_hot = wrk(port, hot, args.seconds)
                if not batch:
                    rng = random.Random(3)
                    names = [registry_lookup.domain_of(rng.randrange(args.sites)) for _ in range(500)]
                    names += [f"unfiled{k}.cn" for k in range(500)]
                    rng.shuffle(names)
                    batch = batch_times(port, names)
            with uvicorn(BARE, workers, {"BENCH_BODY_BYTES": str(body_bytes)}, "/", factory=False) as port:
                wrk(port, cold, 1)
                bare = wrk(port, cold, args.seconds)
            rows.append((workers, bare, real, real_hot))

    print(f"\nGET /api/v1/registry?domain= (40 % filed, 30 % www. of filed, 30 % unfiled; answers {body_bytes} B avg)")
    print("cold: a random site of the whole registry each request; hot: 2,000 names asked again and again")
    print(f"{'workers':>7} {'app':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'ratio':>6}")
    for workers, bare, real, real_hot in rows:
        for name, run in (("bare", bare), ("real cold", real), ("real hot", real_hot)):
            ratio = f"{run.requests_per_second / bare.requests_per_second:.2f}x" if name != "bare" else ""
            print(
                f"{workers:>7} {name:<10} {run.requests_per_second:>9,.0f} {run.p50_ms:>8.2f} {run.p99_ms:>8.2f}"
                f" {run.errors:>6} {ratio:>6}"
            )
    costs = in_process_costs(env, args.sites, registry_lookup.domain_of)
    print("\nInside one worker, no HTTP (us a request):")
    for name, micros in costs.items():
        print(f"  {name:<34} {micros:7.1f}")
    print(
        f"\nPOST /api/v1/registry/batch, 1,000 domains (500 filed), 1 worker, {len(batch)} rounds:"
        f" median {statistics.median(batch):.1f} ms, max {max(batch):.1f} ms (target < 100 ms)"
    )


if __name__ == "__main__":
    main()
