"""Scanner fixtures: fixture sites on a real HTTP server on 127.0.0.1 (redirects, slow, huge, GBK, Big5, broken
HTML, flaky), and a small UDP DNS server on 127.0.0.1 built with dnspython's message API."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from .fixture_pages import BIG5_PAGE, BROKEN_HTML, footer_page


@dataclass
class FixtureSites:
    """What the fixture server serves; `hits` counts requests per path (flaky pages answer 503 first)."""

    base_url: str
    pages: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def add(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8", status: int = 200
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (status, {"Content-Type": content_type}, data)
        return self.url(path)


def _handler(sites: FixtureSites) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path
            sites.hits[path] = sites.hits.get(path, 0) + 1
            if path.startswith("/redirect/"):  # /redirect/N/...: N more redirects, then /ok
                left = int(path.split("/")[2])
                target = "/ok" if left <= 1 else f"/redirect/{left - 1}/"
                self._send(302, {"Location": target}, b"")
            elif path == "/slow":
                time.sleep(1.5)
                self._send(200, {"Content-Type": "text/html"}, footer_page().encode())
            elif path == "/huge":
                self._send(200, {"Content-Type": "text/html"}, b"<p>" + b"x" * 3_000_000 + b"</p>")
            elif path == "/huge-chunked":  # no Content-Length: the cap must stop the reading
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"<p>" + b"y" * 65_536 + b"</p>"
                for _ in range(60):
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif path == "/flaky" and sites.hits[path] == 1:
                self._send(503, {"Content-Type": "text/plain", "Retry-After": "0"}, b"busy")
            elif path == "/flaky":
                self._send(200, {"Content-Type": "text/html"}, footer_page().encode())
            elif path == "/busy":  # always 429, asking for 7 seconds
                self._send(429, {"Content-Type": "text/plain", "Retry-After": "7"}, b"slow down")
            elif path in sites.pages:
                self._send(*sites.pages[path])
            else:
                self._send(404, {"Content-Type": "text/html"}, b"<h1>not found</h1>")

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, size caps) break the pipe on purpose


@pytest.fixture(scope="session")
def sites() -> Iterator[FixtureSites]:
    server = QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fixture = FixtureSites(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(fixture)
    fixture.add("/ok", footer_page())
    fixture.add(
        "/gbk",
        footer_page().replace("utf-8", "gbk").encode("gbk"),
        content_type="text/html",  # the charset is only in the meta tag
    )
    fixture.add(
        "/gbk-header", footer_page().replace('<meta charset="utf-8">', "").encode("gb18030"), "text/html; charset=GBK"
    )
    fixture.add("/big5", BIG5_PAGE.encode("big5"), "text/html; charset=big5")
    fixture.add("/broken", BROKEN_HTML)
    fixture.add("/pdf", b"%PDF-1.4", content_type="application/pdf")
    thread = threading.Thread(target=server.serve_forever, name="fixture-sites", daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- DNS ------------------------------------------------------------------------------------------------------


@dataclass
class FixtureDns:
    port: int
    zone: dict[str, list[str]] = field(default_factory=dict)  # name (no trailing dot) -> A / AAAA addresses


def _answer(zone: dict[str, list[str]], wire: bytes) -> bytes:
    query = dns.message.from_wire(wire)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    question = query.question[0]
    name = question.name.to_text().rstrip(".").lower()
    if name not in zone:
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()
    wanted = "AAAA" if question.rdtype == dns.rdatatype.AAAA else "A"
    addresses = [a for a in zone[name] if (":" in a) == (wanted == "AAAA")]
    if question.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) and addresses:
        response.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", wanted, addresses))
    return response.to_wire()


@pytest.fixture
def dns_server() -> Iterator[FixtureDns]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    fixture = FixtureDns(sock.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                wire, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            sock.sendto(_answer(fixture.zone, wire), peer)

    thread = threading.Thread(target=serve, name="fixture-dns", daemon=True)
    thread.start()
    try:
        yield fixture
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
