"""The SNI proxy on loopback, in front of a real TLS server (a self-signed certificate made here) and of plain TCP
upstreams that echo or count what they get, with real TLS clients and hand-made first flights.

Every scenario runs under asyncio's own loop and under uvloop (what `run_sni_proxy` uses when installed)."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import signal
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from openbeian.gate.sni import BlockReason, SniProxy, parse_address, serve_sni_proxy

from .test_clienthello import client_hello, ech_hello, handshake_of, in_records

FILED = "filed.example.cn"
UNFILED = "unfiled.example.cn"
NAMES = (FILED, UNFILED)
TIMEOUT = 5.0  # a guard against a hang, never reached when the proxy works


def filed_only(host: str) -> bool:
    return host == FILED


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, None]], None]:
    factory = uvloop.new_event_loop if request.param == "uvloop" else None

    def runner(scenario: Coroutine[Any, Any, None]) -> None:
        with asyncio.Runner(loop_factory=factory) as loop_runner:
            loop_runner.run(asyncio.wait_for(scenario, TIMEOUT * 2))

    return runner


@dataclass(frozen=True)
class Certificate:
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self, *, check_hostname: bool = True) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.cert_file))
        context.check_hostname = check_hostname
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed ECDSA certificate for the test names (it is its own CA, so clients can verify it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "OpenBeian SNI proxy test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in NAMES]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return Certificate(cert_file, key_file)


@dataclass
class Upstream:
    port: int
    server_names: list[str | None] = field(default_factory=list)  # the SNI each TLS handshake carried
    received: list[bytes] = field(default_factory=list)  # what each plain TCP connection got, in full


@asynccontextmanager
async def tls_server(certificate: Certificate) -> AsyncIterator[Upstream]:
    """A TLS server that answers each request line with 'answer to <line>'."""
    context = certificate.server_context()
    upstream = Upstream(0)

    def remember_name(_tls: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        upstream.server_names.append(name)

    context.sni_callback = remember_name

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        writer.write(b"answer to " + line)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    upstream.port = server.sockets[0].getsockname()[1]
    try:
        yield upstream
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def echo_server() -> AsyncIterator[Upstream]:
    """A plain TCP server that echoes everything and sends its EOF after the client's."""
    upstream = Upstream(0)

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got = bytearray()
        while chunk := await reader.read(65536):
            got += chunk
            writer.write(chunk)
            await writer.drain()
        upstream.received.append(bytes(got))
        writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    upstream.port = server.sockets[0].getsockname()[1]
    try:
        yield upstream
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def proxy_to(upstream_port: int, **options: Any) -> AsyncIterator[SniProxy]:
    options.setdefault("decide", filed_only)
    proxy = await serve_sni_proxy("127.0.0.1", 0, "127.0.0.1", upstream_port, **options)
    try:
        yield proxy
    finally:
        proxy.close()
        await proxy.wait_closed()


async def tls_request(port: int, context: ssl.SSLContext, server_hostname: str) -> bytes:
    """Handshake through `port` with the given SNI ('' sends none), send one line, read the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=server_hostname)
    try:
        writer.write(b"GET /\n")
        return await reader.read()
    finally:
        writer.close()


async def exchange(port: int, first: bytes, *, pieces: int = 1) -> bytes:
    """Send raw bytes (in several TCP segments when asked), then EOF; return all the proxy sends back."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        step = -(-len(first) // pieces)
        for start in range(0, len(first), step):
            writer.write(first[start : start + step])
            await writer.drain()
            await asyncio.sleep(0.01)
        writer.write_eof()
        try:
            return await reader.read()
        except ConnectionResetError:
            return b""
    finally:
        writer.close()


def test_an_allowed_sni_completes_the_handshake_and_reads_the_servers_answer(
    run: Callable[[Coroutine[Any, Any, None]], None], certificate: Certificate
) -> None:
    async def scenario() -> None:
        async with tls_server(certificate) as upstream, proxy_to(upstream.port) as proxy:
            answer = await tls_request(proxy.port, certificate.client_context(), FILED)
            assert answer == b"answer to GET /\n"
            assert upstream.server_names == [FILED]
            assert proxy.counts == {"allowed": 1}

    run(scenario())


def test_a_blocked_sni_is_closed_without_a_handshake(
    run: Callable[[Coroutine[Any, Any, None]], None], certificate: Certificate
) -> None:
    async def scenario() -> None:
        async with tls_server(certificate) as upstream, proxy_to(upstream.port) as proxy:
            with pytest.raises((ssl.SSLError, ConnectionError)):
                await tls_request(proxy.port, certificate.client_context(), UNFILED)
            assert upstream.server_names == []
            assert proxy.counts == {BlockReason.NOT_ALLOWED: 1}

    run(scenario())


def test_a_client_without_sni_is_blocked_by_default(
    run: Callable[[Coroutine[Any, Any, None]], None], certificate: Certificate
) -> None:
    async def scenario() -> None:
        async with tls_server(certificate) as upstream, proxy_to(upstream.port) as proxy:
            with pytest.raises((ssl.SSLError, ConnectionError)):
                await tls_request(proxy.port, certificate.client_context(check_hostname=False), "")
            assert upstream.server_names == []
            assert proxy.counts == {BlockReason.NO_SNI: 1}

    run(scenario())


def test_a_client_without_sni_passes_when_missing_sni_is_allow(
    run: Callable[[Coroutine[Any, Any, None]], None], certificate: Certificate
) -> None:
    async def scenario() -> None:
        async with tls_server(certificate) as upstream, proxy_to(upstream.port, missing_sni="allow") as proxy:
            answer = await tls_request(proxy.port, certificate.client_context(check_hostname=False), "")
            assert answer == b"answer to GET /\n"
            assert upstream.server_names == [None]

    run(scenario())


def test_a_client_sending_garbage_is_closed(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            assert await exchange(proxy.port, b"GET / HTTP/1.1\r\nHost: filed.example.cn\r\n\r\n") == b""
            assert await exchange(proxy.port, b"\x16\x03\x01\x00\x05\x02\x00\x00\x01\x00") == b""
            assert upstream.received == []
            assert proxy.counts == {BlockReason.NOT_TLS: 1, BlockReason.MALFORMED: 1}

    run(scenario())


def test_a_hello_in_several_records_and_segments_still_completes_the_handshake(
    run: Callable[[Coroutine[Any, Any, None]], None], certificate: Certificate
) -> None:
    async def scenario() -> None:
        async with tls_server(certificate) as upstream, proxy_to(upstream.port) as proxy:
            recut = lambda hello: in_records(handshake_of(hello), [2, 90, 91, 300])  # noqa: E731
            answer = await tls_request_by_hand(proxy.port, certificate.client_context(), FILED, recut)
            assert answer == b"answer to GET /\n"
            assert upstream.server_names == [FILED]

    run(scenario())


def test_the_relay_is_byte_for_byte_both_ways_with_half_close(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            sent = client_hello(FILED) + bytes(range(256)) * 64
            # The client's EOF reaches the echo server, which still answers before sending its own EOF.
            assert await exchange(proxy.port, sent, pieces=3) == sent
            assert upstream.received == [sent]
            assert proxy.counts == {"allowed": 1}

    run(scenario())


def test_megabytes_pass_both_ways_at_once(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            body = hashlib.shake_256(b"sni").digest(1 << 16) * 64  # 4 MiB
            sent = client_hello(FILED) + body
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)

            async def send() -> None:
                for start in range(0, len(sent), 1 << 16):
                    writer.write(sent[start : start + (1 << 16)])
                    await writer.drain()
                writer.write_eof()

            sending = asyncio.create_task(send())
            got = await reader.read()
            await sending
            writer.close()
            assert hashlib.sha256(got).digest() == hashlib.sha256(sent).digest()

    run(scenario())


def test_a_client_that_stops_reading_stops_the_upstream_instead_of_filling_the_proxy(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    total = 64 << 20  # far more than the loopback socket buffers on both hops can hold
    chunk = bytes(1 << 16)
    sent = 0

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await reader.read(65536)  # the ClientHello
        while sent < total:
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
        writer.close()

    async def scenario() -> None:
        server = await asyncio.start_server(flood, "127.0.0.1", 0)
        try:
            async with proxy_to(server.sockets[0].getsockname()[1]) as proxy:
                reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
                writer.write(client_hello(FILED))
                while True:  # wait until the upstream's writes stall on the client that does not read
                    before = sent
                    await asyncio.sleep(0.3)
                    if sent == before and sent > 0:
                        break
                assert sent < total
                received = 0
                while data := await reader.read(1 << 20):
                    received += len(data)
                writer.close()
                assert received == total
        finally:
            server.close()
            await server.wait_closed()

    run(scenario())


def test_ech_is_blocked_by_default_allowed_on_request_or_decided_on_its_outer_name(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        unfiled_outer, filed_outer = ech_hello(UNFILED), ech_hello(FILED)
        async with echo_server() as upstream:
            async with proxy_to(upstream.port) as proxy:
                assert await exchange(proxy.port, filed_outer) == b""
                assert proxy.counts == {BlockReason.ECH: 1}
            async with proxy_to(upstream.port, ech="allow") as proxy:
                assert await exchange(proxy.port, unfiled_outer) == unfiled_outer
            async with proxy_to(upstream.port, ech="outer") as proxy:
                assert await exchange(proxy.port, filed_outer) == filed_outer
                assert await exchange(proxy.port, unfiled_outer) == b""
                assert await exchange(proxy.port, ech_hello(None)) == b""  # no outer name: missing_sni decides
                assert proxy.counts == {"allowed": 1, BlockReason.NOT_ALLOWED: 1, BlockReason.NO_SNI: 1}

    run(scenario())


def test_a_client_that_never_finishes_its_hello_is_closed_after_the_timeout(
    run: Callable[[Coroutine[Any, Any, None]], None],
) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port, hello_timeout=0.2) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(client_hello(FILED)[:100])
            assert await reader.read() == b""
            writer.close()
            assert proxy.counts == {BlockReason.TIMEOUT: 1}

    run(scenario())


def test_a_client_closing_mid_hello_is_counted_and_closed(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            assert await exchange(proxy.port, client_hello(FILED)[:100]) == b""
            assert proxy.counts == {BlockReason.CLOSED_EARLY: 1}

    run(scenario())


def test_an_unreachable_upstream_closes_the_client(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            closed_port = unused.getsockname()[1]
        async with proxy_to(closed_port) as proxy:
            assert await exchange(proxy.port, client_hello(FILED)) == b""
            assert proxy.counts == {"allowed": 1, "upstream_failed": 1}

    run(scenario())


def test_a_decide_that_raises_blocks_the_connection(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    def broken(host: str) -> bool:
        raise RuntimeError("index not loaded")

    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port, decide=broken) as proxy:
            assert await exchange(proxy.port, client_hello(FILED)) == b""
            assert proxy.counts == {BlockReason.DECIDE_FAILED: 1}

    run(scenario())


def test_closing_the_proxy_cuts_open_connections(run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            hello = client_hello(FILED)
            writer.write(hello)
            assert await reader.readexactly(len(hello)) == hello
            assert proxy.active_connections == 1
            proxy.close()
            with suppress(ConnectionResetError):
                assert await reader.read() == b""
            writer.close()
            assert proxy.active_connections == 0

    run(scenario())


def test_each_blocked_connection_logs_one_info_line(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        async with echo_server() as upstream, proxy_to(upstream.port) as proxy:
            await exchange(proxy.port, client_hello(UNFILED))
            await exchange(proxy.port, client_hello(FILED))

    with caplog.at_level(logging.INFO, logger="openbeian.gate.sni"):
        asyncio.run(scenario())
    lines = [r for r in caplog.records if r.name == "openbeian.gate.sni"]
    assert len(lines) == 1
    assert lines[0].levelno == logging.INFO
    assert "blocked 127.0.0.1:" in lines[0].getMessage()
    assert lines[0].getMessage().endswith(f"host={UNFILED} reason=not_allowed")


def test_run_sni_proxy_serves_until_sigterm_and_then_exits_cleanly() -> None:
    program = (
        "import logging, sys\n"
        "from openbeian.gate.sni import run_sni_proxy\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
        f"run_sni_proxy(sys.argv[1], sys.argv[2], lambda host: host == {FILED!r})\n"
    )

    async def scenario() -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        async with echo_server() as upstream:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                program,
                f"127.0.0.1:{port}",
                f"127.0.0.1:{upstream.port}",
                stdout=asyncio.subprocess.PIPE,
            )
            try:
                assert process.stdout is not None
                listening = await asyncio.wait_for(process.stdout.readline(), TIMEOUT)
                assert f"listening on 127.0.0.1:{port}".encode() in listening
                hello = client_hello(FILED)
                assert await exchange(port, hello) == hello
                assert await exchange(port, client_hello(UNFILED)) == b""
                process.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(process.wait(), TIMEOUT) == 0
                rest = await process.stdout.read()
                assert f"host={UNFILED} reason=not_allowed".encode() in rest
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()

    asyncio.run(scenario())


def test_unknown_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="missing_sni"):
        asyncio.run(serve_sni_proxy("127.0.0.1", 0, "127.0.0.1", 9, filed_only, missing_sni="maybe"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "address"),
    [("127.0.0.1:443", ("127.0.0.1", 443)), ("[::1]:8443", ("::1", 8443)), (":443", ("0.0.0.0", 443))],
)
def test_addresses_parse_as_host_and_port(text: str, address: tuple[str, int]) -> None:
    assert parse_address(text) == address


@pytest.mark.parametrize("text", ["127.0.0.1", "::1:443", "host:0", "host:http", ""])
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)


async def tls_request_by_hand(
    port: int, context: ssl.SSLContext, server_hostname: str, recut: Callable[[bytes], bytes]
) -> bytes:
    """A TLS client over a memory BIO whose first flight is re-cut into other records and sent in 3 segments."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        with pytest.raises(ssl.SSLWantReadError):
            tls.do_handshake()
        first = recut(outgoing.read())
        for start in range(0, len(first), len(first) // 3 + 1):
            writer.write(first[start : start + len(first) // 3 + 1])
            await writer.drain()
            await asyncio.sleep(0.01)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                writer.write(outgoing.read())
                chunk = await reader.read(65536)
                if not chunk:
                    raise ConnectionError("closed during the handshake") from None
                incoming.write(chunk)
        tls.write(b"GET /\n")
        writer.write(outgoing.read())
        answer = bytearray()
        while True:
            try:
                data = tls.read(65536)
                if not data:  # the server's close_notify
                    return bytes(answer)
                answer += data
            except ssl.SSLWantReadError:
                chunk = await reader.read(65536)
                if not chunk:
                    return bytes(answer)
                incoming.write(chunk)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return bytes(answer)
    finally:
        writer.close()
