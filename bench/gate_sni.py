"""Benchmark: the gate's SNI proxy against a direct TLS connection to the same server, side by side in one run.

One "request" is a new TCP connection, a full TLS 1.3 handshake (ECDSA P-256, verified against the self-signed
certificate made here) with SNI filed.example.cn, one HTTP/1.1 GET with `Connection: close`, and the whole answer.
Measured for each path (direct, through the proxy), in rounds that alternate the two paths:
  - latency: one request at a time, p50 and p99;
  - connections per second: --concurrency requests in flight;
  - CPU time per proxied connection of the proxy and of the TLS server (Linux /proc);
  - (proxy only) blocked connections per second: hellos for an unfiled host, closed by the proxy.

The TLS server is Debian's nginx (one worker) when /usr/sbin/nginx exists, else a uvloop asyncio TLS server; it and
the proxy (`run_sni_proxy`, uvloop) run in processes of their own; the client is uvloop asyncio in this process.
All share the machine's cores, so the proxy's CPU is paid for by the client and the server too, as on a real edge.

    .venv/bin/python bench/gate_sni.py [--seconds 3] [--rounds 3] [--concurrency 16] [--server auto|nginx|python]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import multiprocessing
import os
import platform
import shutil
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openbeian.gate.sni import run_sni_proxy

FILED = "filed.example.cn"
UNFILED = "unfiled.example.cn"
REQUEST = f"GET / HTTP/1.1\r\nHost: {FILED}\r\nConnection: close\r\n\r\n".encode()
NGINX = "/usr/sbin/nginx"
PATHS = ("direct", "proxy")


def filed_only(host: str) -> bool:
    return host == FILED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OpenBeian SNI proxy bench")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(FILED), x509.DNSName(UNFILED)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pkcs8 = serialization.PrivateFormat.PKCS8
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()))
    return cert_file, key_file


def start_nginx(folder: Path, port: int, cert_file: Path, key_file: Path) -> subprocess.Popen[bytes]:
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
user root;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert_file};
        ssl_certificate_key {key_file};
        ssl_protocols TLSv1.3;
        ssl_session_tickets off;
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""
    )
    return subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"])


def serve_python_tls(port: int, cert_file: str, key_file: str) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", port, ssl=context, backlog=4096)
        await server.serve_forever()

    uvloop.run(serve())


def serve_proxy(listen_port: int, upstream_port: int) -> None:
    run_sni_proxy(f"127.0.0.1:{listen_port}", f"127.0.0.1:{upstream_port}", filed_only)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux /proc)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


async def one_request(port: int, context: ssl.SSLContext, server_hostname: str) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=server_hostname)
    writer.write(REQUEST)
    answer = await reader.read()
    writer.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer {answer[:40]!r}")
    return time.perf_counter() - started


async def one_blocked(port: int, context: ssl.SSLContext) -> float:
    started = time.perf_counter()
    try:
        await one_request(port, context, UNFILED)
    except (ssl.SSLError, ConnectionError):
        return time.perf_counter() - started
    raise RuntimeError("an unfiled host got through the proxy")


async def load(
    attempt: Callable[[], Coroutine[Any, Any, float]], concurrency: int, seconds: float
) -> tuple[list[float], float]:
    """Run `attempt` from `concurrency` workers for `seconds`; return each attempt's latency and the elapsed time."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            latencies.append(await attempt())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def measure(
    args: argparse.Namespace, ports: dict[str, int], cert_file: Path, proxy_pid: int, server_pids: list[int]
) -> dict[str, float]:
    """Alternate direct and proxied phases over several rounds, so drift on a shared machine hits both alike."""
    context = ssl.create_default_context(cafile=str(cert_file))
    latencies: dict[str, list[float]] = {name: [] for name in PATHS}
    done = dict.fromkeys(PATHS, 0)
    elapsed = dict.fromkeys(PATHS, 0.0)
    proxy_cpu = server_cpu = 0.0
    phase = args.seconds / args.rounds

    def request_to(name: str) -> Callable[[], Coroutine[Any, Any, float]]:
        return lambda: one_request(ports[name], context, FILED)

    for name in PATHS:
        await load(request_to(name), 4, 0.5)  # warm-up
    for round_ in range(args.rounds):
        order = PATHS if round_ % 2 == 0 else PATHS[::-1]
        for name in order:
            measured, _ = await load(request_to(name), 1, phase)
            latencies[name] += measured
        for name in order:
            proxy_before, server_before = cpu_seconds([proxy_pid]), cpu_seconds(server_pids)
            measured, seconds = await load(request_to(name), args.concurrency, phase)
            done[name] += len(measured)
            elapsed[name] += seconds
            if name == "proxy":
                proxy_cpu += cpu_seconds([proxy_pid]) - proxy_before
                server_cpu += cpu_seconds(server_pids) - server_before
    blocked, blocked_seconds = await load(lambda: one_blocked(ports["proxy"], context), args.concurrency, phase)
    results = {
        "blocked rate": len(blocked) / blocked_seconds,
        "proxy cpu us": proxy_cpu / done["proxy"] * 1e6,
        "server cpu us": server_cpu / done["proxy"] * 1e6,
    }
    for name in PATHS:
        results[f"{name} p50"] = percentile(latencies[name], 50) * 1000
        results[f"{name} p99"] = percentile(latencies[name], 99) * 1000
        results[f"{name} rate"] = done[name] / elapsed[name]
    return results


def report(args: argparse.Namespace, server_name: str, results: dict[str, float]) -> None:
    print(
        f"SNI proxy benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores,"
        f" {platform.python_implementation()} {platform.python_version()}, {ssl.OPENSSL_VERSION},"
        f" server: {server_name}, {args.seconds:g} s per path and measure in {args.rounds} alternating rounds"
    )
    print()
    print(f"| path | handshake + request p50 (ms) | p99 (ms) | connections/s ({args.concurrency} in flight) |")
    print("|---|---|---|---|")
    for label, name in (("direct TLS", "direct"), ("through the SNI proxy", "proxy")):
        print(
            f"| {label} | {results[f'{name} p50']:.2f} | {results[f'{name} p99']:.2f}"
            f" | {results[f'{name} rate']:,.0f} |"
        )
    p50 = (results["proxy p50"] / results["direct p50"], results["proxy p50"] - results["direct p50"])
    p99 = (results["proxy p99"] / results["direct p99"], results["proxy p99"] - results["direct p99"])
    rate = results["proxy rate"] / results["direct rate"]
    print(f"| proxy / direct | {p50[0]:.2f}x ({p50[1]:+.2f} ms) | {p99[0]:.2f}x ({p99[1]:+.2f} ms) | {rate:.2f}x |")
    print()
    print(f"Blocked (unfiled SNI, closed by the proxy): {results['blocked rate']:,.0f} connections/s")
    print(
        f"CPU per proxied connection: proxy {results['proxy cpu us']:,.0f} us,"
        f" TLS server {results['server cpu us']:,.0f} us"
        f" (proxy / server {results['proxy cpu us'] / results['server cpu us']:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0, help="time per path for each measure (latency, rate)")
    parser.add_argument("--rounds", type=int, default=3, help="direct and proxied phases alternate this many times")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight for connections per second")
    parser.add_argument("--server", choices=("auto", "nginx", "python"), default="auto")
    args = parser.parse_args()
    use_nginx = args.server == "nginx" or (args.server == "auto" and os.path.exists(NGINX))

    spawn = multiprocessing.get_context("spawn")
    folder = Path(tempfile.mkdtemp(prefix="openbeian-sni-bench-"))
    ports = {"direct": free_port(), "proxy": free_port()}
    cert_file, key_file = make_certificate(folder)
    nginx: subprocess.Popen[bytes] | None = None
    python_server = None
    proxy = spawn.Process(target=serve_proxy, args=(ports["proxy"], ports["direct"]), daemon=True)
    try:
        if use_nginx:
            nginx = start_nginx(folder, ports["direct"], cert_file, key_file)
        else:
            python_server = spawn.Process(
                target=serve_python_tls, args=(ports["direct"], str(cert_file), str(key_file)), daemon=True
            )
            python_server.start()
        proxy.start()
        wait_for_port(ports["direct"])
        wait_for_port(ports["proxy"])
        assert proxy.pid is not None
        if nginx is not None:
            server_pids = [nginx.pid, *children(nginx.pid)]
        else:
            assert python_server is not None and python_server.pid is not None
            server_pids = [python_server.pid]
        results = uvloop.run(measure(args, ports, cert_file, proxy.pid, server_pids))
    finally:
        proxy.terminate()
        proxy.join(5)
        if python_server is not None:
            python_server.terminate()
            python_server.join(5)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
    report(args, "nginx (1 worker)" if use_nginx else "uvloop asyncio TLS server", results)


if __name__ == "__main__":
    main()
