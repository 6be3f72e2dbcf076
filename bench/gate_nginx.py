"""Benchmark: what the gate costs nginx, side by side in one run (Debian's nginx, wrk on 127.0.0.1).

1. The map path: nginx with the map `gate export --format nginx-map` writes for --hosts filed domains (built into
   a GateIndex in memory, exported by the real exporter) against the same nginx with no check. Both serve the
   same small static file from one worker, so the difference is the map lookup; wrk drives each at 64 connections,
   with a filed host (fixed Host header) and with random hosts (a wrk Lua script cycling through 10,000 subdomains of
   filed and unfiled names). Both servers run side by side and the wrk runs alternate between them (the machine's
   load drifts); medians of the rounds are reported.
2. The map's cost at the edge: `nginx -t` time, cold start, reload time (SIGHUP until every worker is a new one
   answering), and the master's and worker's RSS after 0..3 reloads.
3. The auth_request path: nginx + auth_request to a real `openbeian gate serve` process (on a demo SQLite
   registry) against nginx with no check, both serving the static file (a `return` would skip auth_request:
   it runs in the rewrite phase, before the access phase).

    .venv/bin/python bench/gate_nginx.py [--hosts 1000000] [--seconds 3] [--rounds 5] [--reloads 3]
"""

from __future__ import annotations

import argparse
import os
import platform
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
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from openbeian.gate.export import export
from openbeian.gate.index import GateIndex, SiteState

NGINX = "/usr/sbin/nginx"
WRK = "/usr/bin/wrk"
OPENBEIAN = Path(sys.executable).with_name("openbeian")
CONNECTIONS = 64
PROVIDER_ID = 1
SUFFIXES = ("cn", "com.cn", "com", "net", "org.cn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def filed_domain(i: int) -> str:
    return f"site{i:07d}.{SUFFIXES[i % len(SUFFIXES)]}"


# -- the map --------------------------------------------------------------------------------------------------------
def build_index(hosts: int) -> GateIndex:
    """`hosts` filed domains, one site each, all with provider 1 (every tenth also with provider 2)."""
    index = GateIndex()
    words = [
        index.pack(SiteState(f"京ICP备2026{i:06d}号-1", "active", (), {PROVIDER_ID: ()} if i else {1: (), 2: ()}))
        for i in range(2)
    ]
    index.load(
        (filed_domain(i) for i in range(hosts)),
        ((filed_domain(i), words[1 if i % 10 == 0 else 0]) for i in range(hosts)),
    )
    return index


def export_map(index: GateIndex, path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        count = export(index, "nginx-map", PROVIDER_ID, "bench", out)
    return count, time.perf_counter() - started


# -- nginx ------------------------------------------------------------------------------------------------------------
def nginx_conf(tmp: Path, port: int, http_body: str, location: str) -> Path:
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 1000000;
{http_body}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
{location}
    }}
}}
"""
    )
    return conf


def answers(port: int) -> bool:
    """An HTTP answer (any status) on the port: a worker is up, not only the listening socket."""
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: probe.invalid\r\n\r\n")
        return sock.recv(16).startswith(b"HTTP/")
    return False


def wait_port(port: int, process: subprocess.Popen[bytes], seconds: float = 300.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        if answers(port):
            return
        time.sleep(0.01)
    raise RuntimeError(f"nothing answers on port {port}")


@contextmanager
def nginx(conf: Path, port: int) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """nginx in the foreground; yields it and its cold-start time (start until it accepts)."""
    log = conf.with_suffix(".log").open("wb")
    started = time.perf_counter()
    process = subprocess.Popen([NGINX, "-p", str(conf.parent), "-c", str(conf), "-e", "stderr"], stdout=log, stderr=log)
    try:
        wait_port(port, process)
        yield process, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.add(int(entry.name))
    return found


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reload_seconds(process: subprocess.Popen[bytes], port: int) -> float:
    """SIGHUP, then wait until the old workers are gone and a new one answers."""
    old = children(process.pid)
    started = time.perf_counter()
    process.send_signal(signal.SIGHUP)
    while True:
        now = children(process.pid)
        if now and not (now & old) and answers(port):
            return time.perf_counter() - started
        time.sleep(0.01)


# -- wrk --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Run:
    rps: float
    p99_ms: float
    non_2xx: int


def wrk(port: int, seconds: int, host: str | None = None, script: Path | None = None) -> Run:
    command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if host:
        command += ["-H", f"Host: {host}"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return Run(rps, float(p99.group(1)) * scale, int(bad.group(1)) if bad else 0)


def host_script(directory: Path, hosts: int) -> Path:
    """wrk Lua: each request a random subdomain of a filed domain or of an unfiled one (9 in 10 filed)."""
    rng = random.Random(7)
    names = [f"www.{filed_domain(rng.randrange(hosts))}" if i % 10 else f"www.unfiled{i}.cn" for i in range(10_000)]
    script = directory / "hosts.lua"
    script.write_text(
        "local hosts = {" + ",".join(f'"{n}"' for n in names) + "}\n"
        "local i = 0\n"
        "request = function()\n  i = i + 1\n"
        "  return wrk.format('GET', '/', {Host = hosts[(i % #hosts) + 1]})\nend\n"
    )
    return script


def median_runs(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.rps for r in runs), statistics.median(r.p99_ms for r in runs), sum(r.non_2xx for r in runs)
    )


def line(name: str, run: Run, base: Run | None = None) -> str:
    ratio = f"  {run.rps / base.rps:.2f}x" if base else ""
    return f"  {name:<44} {run.rps:>10,.0f} req/s  p99 {run.p99_ms:6.2f} ms{ratio}"


# -- the auth_request path --------------------------------------------------------------------------------------------
@contextmanager
def gate_serve(tmp: Path) -> Iterator[tuple[int, str]]:
    """`openbeian gate serve` on a demo registry; yields its port and a filed demo domain."""
    url = f"sqlite:///{tmp / 'demo.db'}"
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run([str(OPENBEIAN), "--database", url, *args], check=True, capture_output=True)
    import sqlite3

    with sqlite3.connect(tmp / "demo.db") as conn:
        (domain,) = conn.execute(
            "SELECT d.domain FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id"
            " WHERE s.status = 'active' LIMIT 1"
        ).fetchone()
    port = free_port()
    log = (tmp / "gate.log").open("wb")
    process = subprocess.Popen(
        [str(OPENBEIAN), "--database", url, "gate", "serve", "--port", str(port)], stdout=log, stderr=log
    )
    try:
        wait_port(port, process)
        yield port, str(domain)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


AUTH_LOCATION = """
        location / {{
            auth_request /_openbeian_auth;
            root {www};
        }}
        location = /_openbeian_auth {{
            internal;
            proxy_pass http://gate/auth;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Host $host;
        }}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=1_000_000, help="filed domains in the exported map")
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (medians are reported)")
    parser.add_argument("--reloads", type=int, default=3, help="nginx reloads of the map configuration")
    args = parser.parse_args()
    for binary in (NGINX, WRK):
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is missing: make edge wrk")
    version = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()
    print(f"gate_nginx: {version}, wrk -t2 -c{CONNECTIONS} -d{args.seconds}s, {args.rounds} rounds, one nginx worker,")
    print(f"  {os.cpu_count()} CPUs, {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M %Z')}")

    with tempfile.TemporaryDirectory(prefix="gate-nginx-") as raw:
        tmp = Path(raw)
        started = time.perf_counter()
        index = build_index(args.hosts)
        built = time.perf_counter() - started
        map_file = tmp / "map" / "openbeian-gate.conf"
        map_file.parent.mkdir()
        count, exported = export_map(index, map_file)
        size = map_file.stat().st_size
        print(f"\nmap: {count:,} entries, {size / 2**20:.1f} MiB; index built in {built:.1f} s,", end="")
        print(f" exported in {exported:.1f} s")
        del index
        filed = f"www.{filed_domain(args.hosts // 2 + 1)}"
        script = host_script(tmp, args.hosts)

        www = tmp / "www"
        www.mkdir()
        (www / "index.html").write_text("ok\n")
        plain = f"        location / {{ root {www}; }}"
        check = "if ($openbeian_allowed = 0) { return 403; }"
        mapped = f"        location / {{\n            {check}\n            root {www};\n        }}"
        plain_port, map_port = free_port(), free_port()
        (tmp / "plain").mkdir()
        (tmp / "mapped").mkdir()
        plain_conf = nginx_conf(tmp / "plain", plain_port, "", plain)
        mapped_conf = nginx_conf(tmp / "mapped", map_port, f"    include {map_file};", mapped)

        started = time.perf_counter()
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(mapped_conf.parent), "-c", str(mapped_conf)], capture_output=True
        )
        test_seconds = time.perf_counter() - started
        if checked.returncode != 0:
            sys.exit(checked.stderr.decode())

        exact_map = tmp / "map" / "exact-only.conf"  # reference: the same names without their subdomains
        with map_file.open() as source, exact_map.open("w") as out:
            for text in source:
                out.write("    " + text[5:] if text.startswith("    .") else text)
        (tmp / "exact").mkdir()
        exact_conf = nginx_conf(tmp / "exact", free_port(), f"    include {exact_map};", mapped)
        started = time.perf_counter()
        subprocess.run([NGINX, "-t", "-q", "-p", str(exact_conf.parent), "-c", str(exact_conf)], check=True)
        exact_seconds = time.perf_counter() - started

        # Both servers run side by side; the wrk runs alternate, so a drift of the shared machine hits both.
        results: dict[str, list[Run]] = {k: [] for k in ("plain-fixed", "map-fixed", "plain-random", "map-random")}
        with nginx(plain_conf, plain_port), nginx(mapped_conf, map_port) as (_, cold_start):
            for at in (plain_port, map_port):
                wrk(at, 1, filed)  # warm-up
            for _ in range(args.rounds):
                for name, at in (("plain", plain_port), ("map", map_port)):
                    results[f"{name}-fixed"].append(wrk(at, args.seconds, filed))
                for name, at in (("plain", plain_port), ("map", map_port)):
                    results[f"{name}-random"].append(wrk(at, args.seconds, script=script))
        runs = {k: median_runs(v) for k, v in results.items()}
        print("\n1. nginx with the exported map vs nginx with no check (a static file, one worker):")
        print(line("no check, one host", runs["plain-fixed"]))
        print(line("map, filed host", runs["map-fixed"], runs["plain-fixed"]))
        print(line("no check, random hosts (Lua)", runs["plain-random"]))
        print(line("map, random hosts (Lua; 1 in 10 unfiled: 403)", runs["map-random"], runs["plain-random"]))
        if runs["map-fixed"].non_2xx:
            print(f"  !! the filed host got {runs['map-fixed'].non_2xx} non-2xx answers")

        print(f"\n2. the map at the edge: nginx -t {test_seconds:.2f} s;", end="")
        print(f" cold start {cold_start:.2f} s")
        print(f"  reference: nginx -t of the same names as exact entries (no subdomains): {exact_seconds:.2f} s")
        with nginx(mapped_conf, map_port) as (process, _):
            while not children(process.pid):
                time.sleep(0.01)
            worker = max(children(process.pid))
            memory = [f"master {rss_mib(process.pid):.0f} / worker {rss_mib(worker):.0f} MiB"]
            reloads = []
            for _ in range(args.reloads):
                reloads.append(reload_seconds(process, map_port))
                time.sleep(0.5)
                worker = max(children(process.pid))
                memory.append(f"master {rss_mib(process.pid):.0f} / worker {rss_mib(worker):.0f} MiB")
        print(f"  reload (SIGHUP until a new worker answers): {', '.join(f'{s:.2f}' for s in reloads)} s")
        print(f"  RSS after 0..{args.reloads} reloads: {'; '.join(memory)}")

        print("\n3. nginx + auth_request to `openbeian gate serve` vs nginx with no check:")
        with gate_serve(tmp) as (gate_port, demo_domain):
            upstream = f"    upstream gate {{ server 127.0.0.1:{gate_port}; keepalive 64; }}"
            (tmp / "auth").mkdir()
            auth_port = free_port()
            auth_conf = nginx_conf(tmp / "auth", auth_port, upstream, AUTH_LOCATION.format(www=www))
            auth_runs, plain_runs = [], []
            with nginx(plain_conf, plain_port), nginx(auth_conf, auth_port):
                wrk(plain_port, 1, demo_domain)
                wrk(auth_port, 1, demo_domain)
                for _ in range(args.rounds):
                    plain_runs.append(wrk(plain_port, args.seconds, demo_domain))
                    auth_runs.append(wrk(auth_port, args.seconds, demo_domain))
            plain_run, auth_run = median_runs(plain_runs), median_runs(auth_runs)
            print(line("no check", plain_run))
            print(line(f"auth_request -> gate serve ({demo_domain})", auth_run, plain_run))
            if auth_run.non_2xx:
                print(f"  !! {auth_run.non_2xx} non-2xx answers through auth_request")


if __name__ == "__main__":
    main()
