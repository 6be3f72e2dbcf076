"""Real edge servers for the gate's integration tests: Debian's nginx and HAProxy started on free loopback ports
with configurations written into the test's tmp_path, a trivial upstream, `openbeian gate serve` as a process,
and a registry holding one host of every kind, built through the services.

Without the binaries the tests skip with the reason; with OPENBEIAN_CI=1 they fail instead (CI must run them;
`make test` installs nginx-light and haproxy with apt-get)."""

from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from openbeian.domain.workflow import Stage
from openbeian.simulate.driver import PROVIDER_NAME_EN

from .gatehelpers import cancel_site, file_site, site, walk

if TYPE_CHECKING:
    from conftest import Filings

NGINX = Path("/usr/sbin/nginx")
HAPROXY = Path("/usr/sbin/haproxy")
OPENBEIAN = Path(sys.executable).with_name("openbeian")
STARTUP_SECONDS = 60
PROVIDER = PROVIDER_NAME_EN  # the simulation's provider: the gate under test decides for it
BLOCK_PAGE = "<!doctype html><title>网站暂时无法访问 / Site not available</title><p>未备案 / not filed</p>\n"


def require(binary: Path, package: str) -> str:
    """The binary's path; a visible skip when it is missing, a failure when CI (OPENBEIAN_CI=1) must run it."""
    if os.access(binary, os.X_OK):
        return str(binary)
    reason = f"{binary} missing (Debian package {package}; `make test` installs it)"
    if os.environ.get("OPENBEIAN_CI") == "1":
        pytest.fail(f"{reason} but OPENBEIAN_CI=1: CI must run the edge tests")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")


@contextmanager
def running(command: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, waited for on its port; stopped (SIGTERM, then SIGKILL) at the end."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, process, log)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    headers: dict[str, str]


def get(port: int, host: str, path: str = "/", headers: dict[str, str] | None = None) -> Reply:
    """One request with this Host header on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return Reply(response.status, body, {k.lower(): v for k, v in response.getheaders()})
    finally:
        conn.close()


# -- a trivial upstream --------------------------------------------------------------------------------------------
class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"upstream served {self.headers.get('Host', '')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return


@contextmanager
def upstream() -> Iterator[int]:
    """An HTTP server on a free loopback port answering 200 `upstream served HOST` (in a thread)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- nginx ---------------------------------------------------------------------------------------------------------
def nginx_conf(tmp: Path, http_body: str) -> Path:
    """A whole nginx.conf: foreground, one worker, logs to stderr, every path inside `tmp`."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{http_body}
}}
""",
        encoding="utf-8",
    )
    return conf


@contextmanager
def nginx(tmp: Path, http_body: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = require(NGINX, "nginx-light")
    conf = nginx_conf(tmp, http_body)
    with running([binary, "-p", str(tmp), "-c", str(conf), "-e", "stderr"], port, tmp / "nginx.log") as process:
        yield process


def nginx_map_server(port: int, upstream_port: int, map_file: Path, block_root: Path) -> str:
    """The server block of the map path (what docs/gate.md shows): no hop for allowed hosts, a static block page."""
    return f"""
    include {map_file};
    server {{
        listen 127.0.0.1:{port};
        error_page 403 /openbeian-blocked.html;
        location / {{
            if ($openbeian_allowed = 0) {{ return 403; }}
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_set_header Host $host;
        }}
        location = /openbeian-blocked.html {{
            internal;
            root {block_root};
        }}
    }}"""


def nginx_auth_request_server(port: int, upstream_port: int, gate_port: int) -> str:
    """The server block of the auth_request path (what docs/gate.md shows). The gate reads X-Forwarded-Host first,
    and nginx passes the client's own headers to the subrequest: both are set to $host, or a client could name a
    filed host there while its Host header is an unfiled one."""
    return f"""
    server {{
        listen 127.0.0.1:{port};
        location / {{
            auth_request /_openbeian_auth;
            error_page 403 /_openbeian_blocked;
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_set_header Host $host;
        }}
        location = /_openbeian_auth {{
            internal;
            proxy_pass http://127.0.0.1:{gate_port}/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Original-Host $host;
            proxy_set_header X-Server-Addr $server_addr;
        }}
        location = /_openbeian_blocked {{
            internal;
            proxy_pass http://127.0.0.1:{gate_port}/_openbeian/blocked;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Original-Host $host;
        }}
    }}"""


# -- HAProxy -------------------------------------------------------------------------------------------------------
def haproxy_conf(tmp: Path, port: int, upstream_port: int, map_file: Path, socket_path: Path, block: Path) -> Path:
    """The frontend docs/gate.md shows: the host (no port, lower case, no trailing dot) and then its last 5..2
    labels looked up exactly in the map, most specific first; anything not valued 1 gets the block page."""
    lookups = "\n".join(
        f"    http-request set-var(txn.openbeian) var(txn.host),field(-1,.,{n}),map_str({map_file})"
        " unless { var(txn.openbeian) -m found }"
        for n in (5, 4, 3, 2)
    )
    allowed = "unless { var(txn.openbeian) -m str 1 }"
    conf = tmp / "haproxy.cfg"
    conf.write_text(
        f"""global
    stats socket {socket_path} mode 600 level admin
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend edge
    bind 127.0.0.1:{port}
    http-request set-var(txn.host) req.hdr(host),field(1,:),lower,regsub('\\.$',)
    http-request set-var(txn.openbeian) var(txn.host),map_str({map_file})
{lookups}
    http-request return status 403 content-type "text/html; charset=utf-8" file {block} {allowed}
    default_backend customers
backend customers
    server upstream 127.0.0.1:{upstream_port}
""",
        encoding="utf-8",
    )
    return conf


@contextmanager
def haproxy(conf: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    binary = require(HAPROXY, "haproxy")
    with running([binary, "-db", "-f", str(conf)], port, conf.with_suffix(".log")) as process:
        yield process


# -- openbeian processes -------------------------------------------------------------------------------------------
@contextmanager
def gate_serve(database_url: str, port: int, log: Path, provider: str = PROVIDER) -> Iterator[None]:
    """`openbeian gate serve` for this provider, waited for until its index is loaded (/_openbeian/health)."""
    command = [str(OPENBEIAN), "--database", database_url, "gate", "serve", "--port", str(port)]
    with running([*command, "--provider", provider], port, log):
        deadline = time.monotonic() + STARTUP_SECONDS
        while get(port, "health.check", "/_openbeian/health").status != 200:
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.05)
        yield


def openbeian(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OPENBEIAN), *args], capture_output=True, text=True, timeout=300, check=False)


def eventually(check: object, what: str, seconds: float = 30.0) -> None:
    """Wait until `check()` is true (a propagation is asynchronous; the deadline only catches a hang)."""
    assert callable(check)
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


# -- the registry --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Hosts:
    """One host of every kind, decided for the simulation's provider."""

    filed: str = "edge-filed.cn"
    subdomain: str = "www.edge-filed.cn"
    deep_subdomain: str = "a.b.edge-filed.cn"
    idn: str = "xn--fiqs8s.xn--fiqs8s"  # filled in by build_registry
    unfiled: str = "edge-unfiled.cn"
    pending: str = "edge-pending.cn"
    cancelled: str = "edge-cancelled.cn"
    elsewhere: str = "edge-elsewhere.cn"
    elsewhere_under_filed: str = "shop.edge-filed.cn"

    @property
    def allowed(self) -> tuple[str, ...]:
        return (self.filed, self.subdomain, self.deep_subdomain, self.filed.upper() + ":80", self.filed + ".")

    @property
    def blocked(self) -> tuple[str, ...]:
        return (
            self.unfiled,
            "www." + self.unfiled,
            self.pending,
            self.cancelled,
            "www." + self.cancelled,
            self.elsewhere,
            self.elsewhere_under_filed,
            "x." + self.elsewhere_under_filed,
            "bad" + self.filed,
            "cn",
            "127.0.0.1",
        )


IDN_DOMAIN = "边缘网关测试.中国"


def file_elsewhere(filings: Filings, *domains: str) -> None:
    """An approved first filing with the *other* provider."""
    applicant = filings.applicant()
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    order = filings.orders.create(
        applicant, {**filings.form("110000", "enterprise", site(*domains)), "service_number": number}
    )
    assert walk(filings, applicant, order).stage is Stage.APPROVED


def build_registry(filings: Filings) -> Hosts:
    """Filed (with the IDN name), pending, cancelled and filed-elsewhere sites, through the services."""
    hosts = Hosts()
    file_site(filings, hosts.filed, IDN_DOMAIN)
    file_elsewhere(filings, hosts.elsewhere)
    file_elsewhere(filings, hosts.elsewhere_under_filed)
    applicant, order = filings.draft(filings.form("110000", "enterprise", site(hosts.pending)))
    assert walk(filings, applicant, order, Stage.PROVIDER_REVIEW).stage is Stage.PROVIDER_REVIEW
    applicant, order, _ = file_site(filings, hosts.cancelled)
    assert order.issued is not None
    cancel_site(filings, applicant, order.issued.site_numbers[0])
    return Hosts(idn=IDN_DOMAIN.encode("idna").decode("ascii"))


def _root_conftest() -> types.ModuleType:
    """tests/conftest.py as a module: `import conftest` finds whichever conftest pytest imported first under that
    name (tests/browser's in a whole run), so the root one is loaded by its path."""
    name = "openbeian_tests_root_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@contextmanager
def registry_file(directory: Path) -> Iterator[tuple[Filings, Hosts]]:
    """A registry of every kind of host in a SQLite file of its own, for the read-only tests of a module."""
    root = _root_conftest()
    BEIJING_MORNING, Filings = root.BEIJING_MORNING, root.Filings
    from openbeian.clock import FixedClock
    from openbeian.services.context import Context
    from openbeian.simulate.driver import ensure_cast
    from openbeian.store.uow import Database

    db = Database(f"sqlite:///{directory / 'openbeian.db'}")
    try:
        ctx = Context(db, clock=FixedClock(BEIJING_MORNING))
        filings = Filings(ctx, ensure_cast(ctx))
        yield filings, build_registry(filings)
    finally:
        db.dispose()
