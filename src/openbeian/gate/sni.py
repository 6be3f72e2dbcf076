"""The SNI proxy: a TCP proxy for port 443 that reads each connection's TLS ClientHello, asks the gate about the
host it names, and then either relays the connection byte for byte to the upstream or closes it.

It never terminates TLS: the upstream (the provider's own TLS server) sees the client's bytes unchanged, the
buffered ClientHello first. A blocked client gets a plain close, no TLS alert, before any handshake.

    proxy = await serve_sni_proxy("0.0.0.0", 443, "10.0.0.5", 8443, decide=index.allows)
    ...
    proxy.close(); await proxy.wait_closed()

`decide(host) -> bool` runs on the event loop for every connection, so it must be an in-memory lookup (the
gate's index), never I/O. It gets the SNI host as sent (lower-case ASCII, IDNs in punycode); a `decide` that
raises blocks the connection (the gate fails closed).

Policies for hellos that name no usable host:
    missing_sni  block | allow          a hello without SNI (clients connecting by IP address, old clients)
    ech          block | allow | outer  an Encrypted ClientHello (extension 0xfe0d): its outer SNI is only the
                                        public name. `allow` forwards without deciding; `outer` decides on the
                                        outer name.

Mind the `ech` default (`block`, as the issue asks): Chrome and other BoringSSL clients send a GREASE ECH
extension (random bytes, the real host in the outer SNI) on every connection to a site that publishes no ECH key,
so `block` turns them all away. When the upstream does not do ECH, `outer` is exact: a TLS server that cannot
decrypt the ECH answers for the outer name, so the outer name is the host the client reaches.

Relaying is done with asyncio protocols, not streams: each chunk goes straight from one transport to the other,
with backpressure (a side whose write buffer is full pauses reading on the other side) and half-close (an EOF
from one side becomes a FIN on the other, and the connection ends once both have sent theirs).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import signal
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Literal, cast, get_args

from openbeian.gate.clienthello import MAX_HELLO_BYTES, HelloPeek, HelloStatus, peek_client_hello

__all__ = [
    "BlockReason",
    "EchPolicy",
    "MissingSniPolicy",
    "SniProxy",
    "parse_address",
    "run_sni_proxy",
    "serve_sni_proxy",
]

log = logging.getLogger(__name__)

MissingSniPolicy = Literal["block", "allow"]
EchPolicy = Literal["block", "allow", "outer"]
Decide = Callable[[str], bool]

ALLOWED = "allowed"
UPSTREAM_FAILED = "upstream_failed"


class BlockReason(StrEnum):
    """Why a connection was closed before reaching the upstream (the `reason=` of the log line)."""

    NOT_ALLOWED = "not_allowed"  # decide(host) said no
    DECIDE_FAILED = "decide_failed"  # decide(host) raised
    NO_SNI = "no_sni"
    ECH = "ech"
    NOT_TLS = "not_tls"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"  # no complete ClientHello within hello_timeout
    CLOSED_EARLY = "closed_early"  # the client closed before its ClientHello was complete


_REASON_OF_STATUS = {
    HelloStatus.NOT_TLS: BlockReason.NOT_TLS,
    HelloStatus.MALFORMED: BlockReason.MALFORMED,
    HelloStatus.TOO_LARGE: BlockReason.TOO_LARGE,
}


@dataclass(frozen=True, slots=True)
class _Settings:
    upstream_host: str
    upstream_port: int
    decide: Decide
    missing_sni: MissingSniPolicy
    ech: EchPolicy
    hello_timeout: float
    connect_timeout: float
    max_hello_bytes: int


class SniProxy:
    """A running SNI proxy: where it listens, what it did (`counts`), and how to stop it."""

    def __init__(self, settings: _Settings) -> None:
        self._settings = settings
        self._server: asyncio.Server | None = None
        self._connections: set[_ClientSide] = set()
        self.counts: collections.Counter[str] = collections.Counter()
        """Connections by outcome: `allowed`, `upstream_failed`, or a BlockReason value."""

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) of the first listening socket: the port is the real one when 0 was asked for."""
        assert self._server is not None, "the proxy is not listening"
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def active_connections(self) -> int:
        return len(self._connections)

    def close(self) -> None:
        """Stop listening and cut every connection still open."""
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.abort()

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()

    async def serve_forever(self) -> None:
        assert self._server is not None
        with suppress(asyncio.CancelledError):
            await self._server.serve_forever()

    async def __aenter__(self) -> SniProxy:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
        await self.wait_closed()

    async def _listen(self, host: str, port: int, backlog: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _ClientSide(self), host, port, backlog=backlog)

    def _judge(self, peek: HelloPeek) -> tuple[bool, BlockReason | None]:
        """Allow or block a complete hello: (allowed, reason when blocked)."""
        settings = self._settings
        host = peek.host
        if peek.status is HelloStatus.ECH:
            if settings.ech == "allow":
                return True, None
            if settings.ech == "block":
                return False, BlockReason.ECH
        elif peek.status is not HelloStatus.SNI:
            reason = _REASON_OF_STATUS.get(peek.status)
            if reason is not None:
                return False, reason
        if host is None:
            return (True, None) if settings.missing_sni == "allow" else (False, BlockReason.NO_SNI)
        try:
            allowed = settings.decide(host)
        except Exception:
            log.exception("sni-proxy: decide(%r) failed; blocking", host)
            return False, BlockReason.DECIDE_FAILED
        return (True, None) if allowed else (False, BlockReason.NOT_ALLOWED)


class _ClientSide(asyncio.Protocol):
    """One client connection: buffers its ClientHello, then relays to the upstream or closes."""

    def __init__(self, proxy: SniProxy) -> None:
        self._proxy = proxy
        self._settings = proxy._settings
        self._client: asyncio.Transport | None = None
        self._upstream: asyncio.Transport | None = None
        self._pending = b""
        self._deciding = True
        self._closed = False
        self._client_eof = False
        self._upstream_eof = False
        self._timer: asyncio.TimerHandle | None = None
        self._connecting: asyncio.Task[None] | None = None

    # --- the client's transport -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._client = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        self._proxy._connections.add(self)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._settings.hello_timeout, self._block, BlockReason.TIMEOUT, None)

    def data_received(self, data: bytes) -> None:
        if self._upstream is not None:
            self._upstream.write(data)
            return
        self._pending = self._pending + data if self._pending else data
        if not self._deciding:
            return  # connecting to the upstream: kept until the connection is made
        peek = peek_client_hello(self._pending, max_bytes=self._settings.max_hello_bytes)
        if not peek.complete:
            return
        self._deciding = False
        if self._timer is not None:
            self._timer.cancel()
        allowed, reason = self._proxy._judge(peek)
        if reason is not None:
            self._block(reason, peek.host)
            return
        assert allowed and self._client is not None
        self._proxy.counts[ALLOWED] += 1
        self._client.pause_reading()
        self._connecting = asyncio.get_running_loop().create_task(self._connect())

    def eof_received(self) -> bool:
        if self._deciding:
            self._block(BlockReason.CLOSED_EARLY, None)
            return False
        if self._client_eof:
            return True  # told again after a paused transport resumed reading
        self._client_eof = True
        if self._upstream is not None:
            self._send_eof(self._upstream)
        return self._end_if_both_sides_ended()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._proxy._connections.discard(self)
        if self._timer is not None:
            self._timer.cancel()
        if self._connecting is not None:
            self._connecting.cancel()
        if self._upstream is not None:
            _close(self._upstream, reset=exc is not None)

    def pause_writing(self) -> None:
        if self._upstream is not None and not self._upstream.is_closing():
            self._upstream.pause_reading()

    def resume_writing(self) -> None:
        if self._upstream is not None and not self._upstream.is_closing():
            self._upstream.resume_reading()

    # --- blocking --------------------------------------------------------------------------------------

    def _block(self, reason: BlockReason, host: str | None) -> None:
        if self._closed or self._client is None:
            return
        self._deciding = False
        self._proxy.counts[reason] += 1
        peer = self._client.get_extra_info("peername")
        log.info("sni-proxy: blocked %s host=%s reason=%s", _format_peer(peer), host or "-", reason)
        self.abort(reset=False)

    def abort(self, *, reset: bool = True) -> None:
        self._closed = True
        if self._client is not None:
            _close(self._client, reset=reset)
        if self._upstream is not None:
            _close(self._upstream, reset=reset)

    # --- the upstream ----------------------------------------------------------------------------------

    async def _connect(self) -> None:
        settings = self._settings
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: _UpstreamSide(self), settings.upstream_host, settings.upstream_port),
                settings.connect_timeout,
            )
        except (OSError, TimeoutError) as error:
            self._proxy.counts[UPSTREAM_FAILED] += 1
            log.warning(
                "sni-proxy: upstream %s:%s unreachable: %s", settings.upstream_host, settings.upstream_port, error
            )
            self.abort(reset=False)

    def upstream_made(self, upstream: asyncio.Transport) -> None:
        if self._closed or self._client is None:
            upstream.close()
            return
        self._upstream = upstream
        upstream.write(self._pending)
        self._pending = b""
        if self._client_eof:
            self._send_eof(upstream)
        self._client.resume_reading()

    def upstream_data(self, data: bytes) -> None:
        if self._client is not None:
            self._client.write(data)

    def upstream_eof(self) -> bool:
        if self._upstream_eof:
            return True
        self._upstream_eof = True
        if self._client is not None:
            self._send_eof(self._client)
        return self._end_if_both_sides_ended()

    def upstream_lost(self, exc: Exception | None) -> None:
        if self._client is not None and not self._closed:
            self._closed = True
            _close(self._client, reset=exc is not None)

    def pause_upstream_writes(self) -> None:
        if self._client is not None and not self._client.is_closing():
            self._client.pause_reading()

    def resume_upstream_writes(self) -> None:
        if self._client is not None and not self._client.is_closing():
            self._client.resume_reading()

    # --- half-close ------------------------------------------------------------------------------------

    @staticmethod
    def _send_eof(transport: asyncio.Transport) -> None:
        if transport.can_write_eof() and not transport.is_closing():
            transport.write_eof()

    def _end_if_both_sides_ended(self) -> bool:
        """Keep a half-closed connection open (True) until both sides have sent their EOF."""
        if self._client_eof and self._upstream_eof:
            self.abort(reset=False)
            return False
        return True


class _UpstreamSide(asyncio.Protocol):
    def __init__(self, client: _ClientSide) -> None:
        self._client = client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._client.upstream_made(cast(asyncio.Transport, transport))

    def data_received(self, data: bytes) -> None:
        self._client.upstream_data(data)

    def eof_received(self) -> bool:
        return self._client.upstream_eof()

    def connection_lost(self, exc: Exception | None) -> None:
        self._client.upstream_lost(exc)

    def pause_writing(self) -> None:
        self._client.pause_upstream_writes()

    def resume_writing(self) -> None:
        self._client.resume_upstream_writes()


def _close(transport: asyncio.Transport, *, reset: bool) -> None:
    """Close after flushing what is buffered, or at once (a reset) when the other side failed."""
    if reset:
        transport.abort()
    elif not transport.is_closing():
        transport.close()


def _format_peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(peer)


async def serve_sni_proxy(
    listen_host: str,
    listen_port: int,
    upstream_host: str,
    upstream_port: int,
    decide: Decide,
    *,
    missing_sni: MissingSniPolicy = "block",
    ech: EchPolicy = "block",
    hello_timeout: float = 10.0,
    connect_timeout: float = 5.0,
    max_hello_bytes: int = MAX_HELLO_BYTES,
    backlog: int = 1024,
) -> SniProxy:
    """Start listening (port 0 picks a free port: read `proxy.port`) and return the running proxy."""
    if missing_sni not in get_args(MissingSniPolicy):
        raise ValueError(f"missing_sni must be one of {get_args(MissingSniPolicy)}, not {missing_sni!r}")
    if ech not in get_args(EchPolicy):
        raise ValueError(f"ech must be one of {get_args(EchPolicy)}, not {ech!r}")
    settings = _Settings(
        upstream_host, upstream_port, decide, missing_sni, ech, hello_timeout, connect_timeout, max_hello_bytes
    )
    proxy = SniProxy(settings)
    await proxy._listen(listen_host, listen_port, backlog)
    return proxy


def parse_address(text: str) -> tuple[str, int]:
    """'HOST:PORT', '[IPv6]:PORT' or ':PORT' (all IPv4 interfaces) -> (host, port); ValueError otherwise."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"not an address with a port (HOST:PORT): {text!r}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"an IPv6 address needs brackets ([::1]:443): {text!r}")
    return host or "0.0.0.0", int(port_text)


def run_sni_proxy(
    listen: str,
    upstream: str,
    decide: Decide,
    *,
    missing_sni: MissingSniPolicy = "block",
    ech: EchPolicy = "block",
    hello_timeout: float = 10.0,
    connect_timeout: float = 5.0,
) -> None:
    """Run the proxy until Ctrl-C or SIGTERM (the CLI's `gate sni-proxy`), on uvloop when it is installed.

    `listen` and `upstream` are 'HOST:PORT' strings (see parse_address); a bad one raises ValueError.
    """
    listen_host, listen_port = parse_address(listen)
    upstream_host, upstream_port = parse_address(upstream)

    async def main() -> None:
        proxy = await serve_sni_proxy(
            listen_host,
            listen_port,
            upstream_host,
            upstream_port,
            decide,
            missing_sni=missing_sni,
            ech=ech,
            hello_timeout=hello_timeout,
            connect_timeout=connect_timeout,
        )
        log.info(
            "sni-proxy: listening on %s, upstream %s, missing_sni=%s, ech=%s",
            _format_peer(proxy.address),
            _format_peer((upstream_host, upstream_port)),
            missing_sni,
            ech,
        )
        stop = asyncio.Event()
        with suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await stop.wait()
        finally:
            proxy.close()
            await proxy.wait_closed()

    with suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(main())


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
