"""Peek at a TLS ClientHello: the host name a client asks for (SNI), read from the first bytes it sends.

Pure and allocation-light: offsets into the caller's bytes, no copies when the ClientHello fits in its first
record (the usual case). A ClientHello may span several TLS records and arrive in several TCP segments; call
`peek_client_hello` again on the longer buffer while it answers `INCOMPLETE`.

Every input ends in one `HelloStatus`, never an exception:

    SNI         the hello names a host (`host`: lower-case ASCII, punycode for IDNs, no trailing dot)
    ECH         an Encrypted ClientHello (extension 0xfe0d): `host` is only the public outer name, or None
    NO_SNI      a well-formed hello without a server_name host
    INCOMPLETE  a valid prefix: read more bytes
    NOT_TLS     the bytes do not start a TLS handshake record (plain HTTP, SSH, SSLv2 ...)
    MALFORMED   a TLS record whose ClientHello breaks the format (RFC 8446 section 4.1.2, RFC 6066 section 3)
    TOO_LARGE   the records carrying the hello would take more than `max_bytes` bytes
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_HELLO_BYTES", "HelloPeek", "HelloStatus", "peek_client_hello"]

# 16 KiB of records: a post-quantum hybrid key share (X25519MLKEM768) makes a ClientHello of about 1.8 KB.
MAX_HELLO_BYTES = 16 * 1024

_HANDSHAKE_RECORD = 0x16
_CLIENT_HELLO = 0x01
_RECORD_HEADER = 5
_HANDSHAKE_HEADER = 4
_MAX_RECORD_PAYLOAD = 1 << 14  # RFC 8446 5.1: a plaintext record carries at most 2^14 bytes
_EXT_SERVER_NAME = 0x0000
_EXT_ENCRYPTED_CLIENT_HELLO = 0xFE0D
_HOST_NAME_TYPE = 0
_HOST = re.compile(rb"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")


class HelloStatus(StrEnum):
    SNI = "sni"
    ECH = "ech"
    NO_SNI = "no_sni"
    INCOMPLETE = "incomplete"
    NOT_TLS = "not_tls"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class HelloPeek:
    """What the first bytes of a connection say: a status, and the SNI host when there is one."""

    status: HelloStatus
    host: str | None = None

    @property
    def complete(self) -> bool:
        """False while more bytes may still change the answer."""
        return self.status is not HelloStatus.INCOMPLETE


_NO_SNI = HelloPeek(HelloStatus.NO_SNI)
_INCOMPLETE = HelloPeek(HelloStatus.INCOMPLETE)
_NOT_TLS = HelloPeek(HelloStatus.NOT_TLS)
_MALFORMED = HelloPeek(HelloStatus.MALFORMED)
_TOO_LARGE = HelloPeek(HelloStatus.TOO_LARGE)
_ECH_WITHOUT_NAME = HelloPeek(HelloStatus.ECH)


class _Malformed(Exception):
    """Raised inside the parser only; `peek_client_hello` turns it into MALFORMED."""


def peek_client_hello(data: bytes | bytearray, *, max_bytes: int = MAX_HELLO_BYTES) -> HelloPeek:
    """Read the ClientHello at the start of `data` (the bytes a client sent first on a TLS port)."""
    try:
        peek = _peek(data, max_bytes)
    except _Malformed:
        return _MALFORMED
    if peek is _INCOMPLETE and len(data) >= max_bytes:
        return _TOO_LARGE  # the hello needs bytes beyond the cap
    return peek


def _peek(data: bytes | bytearray, max_bytes: int) -> HelloPeek:
    size = len(data)
    if size == 0:
        return _INCOMPLETE
    if data[0] != _HANDSHAKE_RECORD or (size > 1 and data[1] != 3):
        return _NOT_TLS
    if size < _RECORD_HEADER + _HANDSHAKE_HEADER:
        if size >= _RECORD_HEADER:
            _record_payload_length(data, 0)
            if size > _RECORD_HEADER and data[_RECORD_HEADER] != _CLIENT_HELLO:
                raise _Malformed
        return _INCOMPLETE
    record = _record_payload_length(data, 0)
    if data[_RECORD_HEADER] != _CLIENT_HELLO:
        raise _Malformed
    if record >= _HANDSHAKE_HEADER:
        hello = _HANDSHAKE_HEADER + _u24(data, _RECORD_HEADER + 1)
        if _RECORD_HEADER + hello > max_bytes:
            return _TOO_LARGE
        if hello <= record:  # the usual case: the whole hello in the first record, parsed in place
            if size < _RECORD_HEADER + hello:
                return _INCOMPLETE
            return _parse_hello(data, _RECORD_HEADER + _HANDSHAKE_HEADER, _RECORD_HEADER + hello)
    return _reassemble(data, max_bytes)


def _reassemble(data: bytes | bytearray, max_bytes: int) -> HelloPeek:
    """Join the hello's fragments from consecutive handshake records, then parse the joined copy."""
    joined = bytearray()
    hello = -1  # unknown until the 4-byte handshake header has arrived
    offset = 0
    size = len(data)
    while True:
        if offset + _RECORD_HEADER > size:
            return _INCOMPLETE
        if data[offset] != _HANDSHAKE_RECORD or data[offset + 1] != 3:
            raise _Malformed  # another record type came before the hello ended
        payload = _record_payload_length(data, offset)
        start = offset + _RECORD_HEADER
        end = min(start + payload, size)
        joined += data[start:end]
        if hello < 0 and len(joined) >= _HANDSHAKE_HEADER:
            hello = _HANDSHAKE_HEADER + _u24(joined, 1)
            if _RECORD_HEADER + hello > max_bytes:
                return _TOO_LARGE
        if 0 <= hello <= len(joined):
            if end - (len(joined) - hello) > max_bytes:
                return _TOO_LARGE  # the hello's last byte lies past the cap
            del joined[hello:]
            return _parse_hello(joined, _HANDSHAKE_HEADER, hello)
        if end >= max_bytes:
            return _TOO_LARGE  # the hello goes on past the cap
        if end < start + payload:
            return _INCOMPLETE
        offset = start + payload


def _parse_hello(buf: bytes | bytearray, pos: int, end: int) -> HelloPeek:
    """Parse a ClientHello body in buf[pos:end]: legacy fields, then the extensions."""
    pos += 2 + 32  # legacy_version, random
    session_id = _u8(buf, pos, end)
    if session_id > 32:
        raise _Malformed
    pos += 1 + session_id
    cipher_suites = _u16(buf, pos, end)
    if cipher_suites == 0 or cipher_suites % 2:
        raise _Malformed
    pos += 2 + cipher_suites
    compression_methods = _u8(buf, pos, end)
    if compression_methods == 0:
        raise _Malformed
    pos += 1 + compression_methods
    if pos == end:
        return _NO_SNI  # a hello without extensions (TLS 1.0-1.2 only)
    extensions = _u16(buf, pos, end)
    pos += 2
    if pos + extensions != end:
        raise _Malformed
    host: str | None = None
    seen_server_name = False
    encrypted = False
    while pos < end:
        kind = _u16(buf, pos, end)
        length = _u16(buf, pos + 2, end)
        pos += 4
        if pos + length > end:
            raise _Malformed
        if kind == _EXT_SERVER_NAME:
            if seen_server_name:
                raise _Malformed  # RFC 8446 4.2: no extension type twice
            seen_server_name = True
            host = _server_name(buf, pos, pos + length)
        elif kind == _EXT_ENCRYPTED_CLIENT_HELLO:
            encrypted = True
        pos += length
    if encrypted:
        return HelloPeek(HelloStatus.ECH, host) if host else _ECH_WITHOUT_NAME
    return HelloPeek(HelloStatus.SNI, host) if host else _NO_SNI


def _server_name(buf: bytes | bytearray, pos: int, end: int) -> str | None:
    """The first host_name of a server_name extension (RFC 6066 3), or None when it lists only other types."""
    names = _u16(buf, pos, end)
    pos += 2
    if names == 0 or pos + names != end:
        raise _Malformed
    while pos < end:
        kind = _u8(buf, pos, end)
        length = _u16(buf, pos + 1, end)
        pos += 3
        if pos + length > end:
            raise _Malformed
        if kind == _HOST_NAME_TYPE:
            return _host(buf[pos : pos + length])
        pos += length
    return None


def _host(raw: bytes | bytearray) -> str:
    if not 0 < len(raw) <= 255 or _HOST.fullmatch(raw) is None:
        raise _Malformed
    return raw.decode("ascii").lower().rstrip(".")


def _record_payload_length(data: bytes | bytearray, offset: int) -> int:
    length = data[offset + 3] << 8 | data[offset + 4]
    if length == 0 or length > _MAX_RECORD_PAYLOAD:
        raise _Malformed
    return length


def _u8(buf: bytes | bytearray, pos: int, end: int) -> int:
    if pos + 1 > end:
        raise _Malformed
    return buf[pos]


def _u16(buf: bytes | bytearray, pos: int, end: int) -> int:
    if pos + 2 > end:
        raise _Malformed
    return buf[pos] << 8 | buf[pos + 1]


def _u24(buf: bytes | bytearray, pos: int) -> int:
    return buf[pos] << 16 | buf[pos + 1] << 8 | buf[pos + 2]
