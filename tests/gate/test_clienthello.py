"""The ClientHello peek on real hellos made by Python's ssl module (no network), on hellos re-cut into several
records and segments, on hellos with an ECH extension spliced in, and on random and mutated bytes."""

from __future__ import annotations

import itertools
import ssl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbeian.gate.clienthello import MAX_HELLO_BYTES, HelloPeek, HelloStatus, peek_client_hello

ECH_EXTENSION = 0xFE0D


def client_hello(
    server_hostname: str | None,
    *,
    minimum: ssl.TLSVersion | None = None,
    maximum: ssl.TLSVersion | None = None,
) -> bytes:
    """The first flight of a real TLS client (OpenSSL through Python's ssl), captured from a memory BIO."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if minimum is not None:
        context.minimum_version = minimum
    if maximum is not None:
        context.maximum_version = maximum
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_hostname)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def handshake_of(records: bytes) -> bytes:
    """The handshake bytes carried by a run of TLS records."""
    out = bytearray()
    pos = 0
    while pos < len(records):
        length = int.from_bytes(records[pos + 3 : pos + 5], "big")
        out += records[pos + 5 : pos + 5 + length]
        pos += 5 + length
    return bytes(out)


def in_records(handshake: bytes, cuts: list[int], version: bytes = b"\x03\x01") -> bytes:
    """Carry handshake bytes in several TLS records, cut at the given offsets."""
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(handshake)}), len(handshake)]
    return b"".join(
        b"\x16" + version + (end - start).to_bytes(2, "big") + handshake[start:end]
        for start, end in itertools.pairwise(bounds)
    )


def with_extension(hello_records: bytes, kind: int, body: bytes) -> bytes:
    """A copy of a one-record ClientHello with one more extension appended (lengths fixed up)."""
    handshake = bytearray(handshake_of(hello_records))
    pos = 4 + 2 + 32
    pos += 1 + handshake[pos]
    pos += 2 + int.from_bytes(handshake[pos : pos + 2], "big")
    pos += 1 + handshake[pos]
    extensions = int.from_bytes(handshake[pos : pos + 2], "big") + 4 + len(body)
    handshake[pos : pos + 2] = extensions.to_bytes(2, "big")
    handshake += kind.to_bytes(2, "big") + len(body).to_bytes(2, "big") + body
    handshake[1:4] = (len(handshake) - 4).to_bytes(3, "big")
    return in_records(bytes(handshake), [])


def ech_hello(outer_name: str | None) -> bytes:
    """A ClientHello carrying an encrypted_client_hello extension (outer type, made-up config and payload)."""
    body = b"\x00" + b"\x00\x01\x00\x01" + b"\x07" + (32).to_bytes(2, "big") + bytes(32) + (64).to_bytes(2, "big")
    return with_extension(client_hello(outer_name), ECH_EXTENSION, body + bytes(64))


def test_a_real_hello_yields_its_server_name() -> None:
    assert peek_client_hello(client_hello("www.example.cn")) == HelloPeek(HelloStatus.SNI, "www.example.cn")


def test_the_server_name_is_lower_cased_and_loses_its_trailing_dot() -> None:
    assert peek_client_hello(client_hello("WWW.Example.COM")).host == "www.example.com"
    assert peek_client_hello(client_hello("example.cn.")).host == "example.cn"


def test_an_idn_arrives_as_punycode() -> None:
    peek = peek_client_hello(client_hello("例子.中国"))
    assert peek == HelloPeek(HelloStatus.SNI, "xn--fsqu00a.xn--fiqs8s")


@pytest.mark.parametrize(
    ("minimum", "maximum"),
    [(None, ssl.TLSVersion.TLSv1_2), (ssl.TLSVersion.TLSv1_3, None), (ssl.TLSVersion.TLSv1_2, None)],
    ids=["tls1.2-only", "tls1.3-only", "tls1.2-and-1.3"],
)
def test_tls_1_2_and_1_3_hellos_both_yield_the_name(
    minimum: ssl.TLSVersion | None, maximum: ssl.TLSVersion | None
) -> None:
    hello = client_hello("api.example.com.cn", minimum=minimum, maximum=maximum)
    assert peek_client_hello(hello) == HelloPeek(HelloStatus.SNI, "api.example.com.cn")


def test_a_hello_without_server_hostname_has_no_sni() -> None:
    assert peek_client_hello(client_hello(None)).status is HelloStatus.NO_SNI


def test_a_client_connecting_by_ip_address_sends_no_sni() -> None:
    assert peek_client_hello(client_hello("127.0.0.1")).status is HelloStatus.NO_SNI


def test_every_proper_prefix_of_a_hello_is_incomplete() -> None:
    hello = client_hello("example.cn")
    for end in range(len(hello)):
        assert peek_client_hello(hello[:end]).status is HelloStatus.INCOMPLETE, end
    assert peek_client_hello(hello).status is HelloStatus.SNI


def test_bytes_after_the_hello_do_not_change_the_answer() -> None:
    hello = client_hello("example.cn")
    early_data = b"\x14\x03\x03\x00\x01\x01" + b"\x17\x03\x03\x00\x10" + bytes(16)
    assert peek_client_hello(hello + early_data) == HelloPeek(HelloStatus.SNI, "example.cn")


@given(st.lists(st.integers(min_value=1, max_value=600), max_size=12))
def test_a_hello_cut_into_several_records_yields_the_same_name(cuts: list[int]) -> None:
    records = in_records(handshake_of(client_hello("shop.example.com")), cuts)
    assert peek_client_hello(records) == HelloPeek(HelloStatus.SNI, "shop.example.com")


def test_a_hello_over_several_records_is_incomplete_until_its_last_byte() -> None:
    records = in_records(handshake_of(client_hello("shop.example.com")), [3, 100, 101, 300])
    for end in range(len(records)):
        assert peek_client_hello(records[:end]).status is HelloStatus.INCOMPLETE, end
    assert peek_client_hello(records).host == "shop.example.com"


def test_an_ech_hello_yields_only_its_outer_name() -> None:
    assert peek_client_hello(ech_hello("public.example.net")) == HelloPeek(HelloStatus.ECH, "public.example.net")
    assert peek_client_hello(ech_hello(None)) == HelloPeek(HelloStatus.ECH, None)


def test_plain_http_and_ssh_are_not_tls() -> None:
    assert peek_client_hello(b"GET / HTTP/1.1\r\nHost: example.cn\r\n\r\n").status is HelloStatus.NOT_TLS
    assert peek_client_hello(b"SSH-2.0-OpenSSH_9.2\r\n").status is HelloStatus.NOT_TLS
    assert peek_client_hello(b"\x16\x02").status is HelloStatus.NOT_TLS


def test_a_handshake_record_that_is_not_a_client_hello_is_malformed() -> None:
    server_hello_start = b"\x16\x03\x03\x00\x40\x02\x00\x00\x3c"
    assert peek_client_hello(server_hello_start).status is HelloStatus.MALFORMED


def test_an_empty_or_oversized_record_is_malformed() -> None:
    assert peek_client_hello(b"\x16\x03\x01\x00\x00").status is HelloStatus.MALFORMED
    assert peek_client_hello(b"\x16\x03\x01\x40\x01").status is HelloStatus.MALFORMED


def test_a_non_ascii_server_name_is_malformed() -> None:
    hello = client_hello("xxxxx.cn")
    bad = hello.replace(b"xxxxx.cn", "例子子.cn".encode()[:8])
    assert peek_client_hello(bad).status is HelloStatus.MALFORMED


def test_two_server_name_extensions_are_malformed() -> None:
    hello = client_hello("a.example.cn")
    name = b"b.example.cn"
    body = (len(name) + 3).to_bytes(2, "big") + b"\x00" + len(name).to_bytes(2, "big") + name
    assert peek_client_hello(with_extension(hello, 0, body)).status is HelloStatus.MALFORMED


def test_a_hello_declaring_more_than_the_cap_is_too_large_at_once() -> None:
    header = b"\x16\x03\x01\x40\x00" + b"\x01" + (MAX_HELLO_BYTES).to_bytes(3, "big")
    assert peek_client_hello(header).status is HelloStatus.TOO_LARGE
    assert peek_client_hello(client_hello("example.cn"), max_bytes=200).status is HelloStatus.TOO_LARGE


def test_a_hello_in_tiny_records_past_the_cap_is_too_large() -> None:
    records = in_records(handshake_of(client_hello("example.cn")), list(range(1, 600)))
    assert peek_client_hello(records).status is HelloStatus.SNI
    assert peek_client_hello(records, max_bytes=1024).status is HelloStatus.TOO_LARGE
    assert peek_client_hello(records[:1024], max_bytes=1024).status is HelloStatus.TOO_LARGE


@given(st.binary(max_size=2048))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(peek_client_hello(data), HelloPeek)


@given(st.binary(min_size=1, max_size=600))
def test_random_bytes_behind_a_client_hello_header_never_raise(body: bytes) -> None:
    header = b"\x16\x03\x01" + (len(body) + 4).to_bytes(2, "big") + b"\x01" + len(body).to_bytes(3, "big")
    peek = peek_client_hello(header + body)
    assert peek.status in {HelloStatus.MALFORMED, HelloStatus.NO_SNI, HelloStatus.SNI, HelloStatus.ECH}


REAL_HELLO = client_hello("mutated.example.cn")


@given(
    st.lists(st.tuples(st.integers(min_value=0, max_value=len(REAL_HELLO) - 1), st.integers(0, 255)), max_size=8),
    st.integers(min_value=0, max_value=len(REAL_HELLO)),
)
def test_mutated_and_truncated_real_hellos_never_raise(changes: list[tuple[int, int]], length: int) -> None:
    data = bytearray(REAL_HELLO)
    for index, value in changes:
        data[index] = value
    peek = peek_client_hello(bytes(data[:length]))
    assert peek.host is None or peek.host == peek.host.lower()
