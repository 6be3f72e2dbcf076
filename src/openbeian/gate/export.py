"""The allow-list compiled for the web server itself (`openbeian gate export`): no extra hop per request.

What a map holds, for one provider (or any provider): every domain the gate allows, as "the domain and its
subdomains", and, under an allowed domain, every known subdomain that the gate does *not* allow (a subdomain filed
separately with another provider, cancelled or blacklisted) as an explicit block entry. Both servers pick the most
specific entry, so the map decides as the index does; anything not covered is blocked by the map's default.

Formats:

- `nginx-map`: an http-level include: `map_hash_max_size` / `map_hash_bucket_size` sized for this map (see
  nginx_hash_sizes), then
  `map $host $openbeian_allowed { hostnames; default 0; .example.com 1; ... }`. With `hostnames`, `.example.com`
  matches example.com and every subdomain, and the longest matching entry wins. Use:
  `if ($openbeian_allowed = 0) { return 403; }` (see docs/gate.md).
- `haproxy-map`: `domain value` lines (value 1 allow, 0 block) for exact (`map_str`, tree-indexed) lookups of the
  host and of its last 2..N labels, most specific first (the ACL is in docs/gate.md). `map_end` / `map_dom` are
  avoided: they scan the whole list on every request and `map_dom` is not anchored at the end of the name.
- `json`: `{"seq", "provider", "match", "domains": [{"domain", "decision", "reason", "site_number"}]}` with every
  domain the index knows, whatever its decision.

Every domain is ascii (IDN as punycode), as the registry stores it. Output is written as it is produced (no list
of the map in memory) to a temporary file beside `--out`, then renamed over it: a reader sees the old file or the
new one, never half of one.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openbeian.gate.decision import parents
from openbeian.gate.index import GateIndex

FORMATS = ("nginx-map", "haproxy-map", "json")
NGINX_VARIABLE = "openbeian_allowed"
MATCH = "a listed domain covers itself and its subdomains; the most specific listed domain decides"


@dataclass(frozen=True, slots=True)
class ExportHeader:
    """What the export was made from: the change-log sequence number and the provider (None: any provider)."""

    seq: int
    provider: str | None


# -- what goes in a map -------------------------------------------------------------------------------------------
def entry_of(index: GateIndex, domain: str, provider_id: int | None) -> bool | None:
    """A domain's map entry: True (allow it and its subdomains), False (block: it sits under an allowed domain),
    None (no entry: the map's default blocks it)."""
    if index.decide_name(domain, provider_id).allowed:
        return True
    for parent in parents(domain)[1:]:
        if index.decide_name(parent, provider_id).allowed:
            return False
    return None


def map_entries(index: GateIndex, provider_id: int | None) -> Iterator[tuple[str, bool]]:
    """(domain, allowed) for every entry the map needs, in the index's order."""
    for domain in index.domains():
        entry = entry_of(index, domain, provider_id)
        if entry is not None:
            yield domain, entry


# -- nginx -------------------------------------------------------------------------------------------------------
def nginx_hash_sizes(count: int, longest: int, average: float) -> tuple[int, int]:
    """(map_hash_max_size, map_hash_bucket_size) that let nginx build the map's hashes at the first try.

    An element takes the name + 10 bytes, aligned to 8; a bucket must hold the longest name and its end marker,
    and room for eight average names. Only the elements that land in a bucket are allocated, so a large bucket
    costs nothing. With more than 10,000 as maximum, nginx tries the sizes just below it first: twice the entries
    rounded up to a power of two keeps buckets half empty, so the first size tried fits."""

    def element(length: float) -> int:
        return int((8 + length + 2 + 7) // 8) * 8

    need = max(element(longest) + 8, 8 * element(average) + 8)
    bucket = 256
    while bucket < need:
        bucket *= 2
    size = 1
    while size < max(count, 1):
        size *= 2
    return max(2 * size, 2048), bucket


def write_nginx_map(entries: Iterable[tuple[str, bool]], out: IO[str], header: ExportHeader) -> int:
    """The nginx include; the entries are spooled first, since the hash sizes must precede the map."""
    count = longest = total = 0
    with tempfile.TemporaryFile("w+", encoding="ascii") as spool:
        for domain, allowed in entries:
            spool.write(f"    .{domain} {1 if allowed else 0};\n")
            count += 1
            longest = max(longest, len(domain))
            total += len(domain)
        max_size, bucket = nginx_hash_sizes(count, longest, total / max(count, 1))
        out.write(
            f"# OpenBeian gate allow-list for nginx: seq {header.seq}, provider {header.provider or 'any'},"
            f" {count} entries.\n"
            "# Include at http level; block where $openbeian_allowed = 0 (docs/gate.md). Do not set\n"
            "# map_hash_max_size / map_hash_bucket_size elsewhere.\n"
            f"map_hash_max_size {max_size};\n"
            f"map_hash_bucket_size {bucket};\n"
            f"map $host ${NGINX_VARIABLE} {{\n"
            "    hostnames;\n"
            "    default 0;\n"
        )
        spool.seek(0)
        for line in spool:
            out.write(line)
        out.write("}\n")
    return count


# -- HAProxy -----------------------------------------------------------------------------------------------------
def haproxy_line(domain: str, allowed: bool) -> str:
    return f"{domain} {1 if allowed else 0}\n"


def write_haproxy_map(entries: Iterable[tuple[str, bool]], out: IO[str], header: ExportHeader) -> int:
    out.write(
        f"# OpenBeian gate allow-list for HAProxy: seq {header.seq}, provider {header.provider or 'any'}.\n"
        "# 1 = allow the name and its subdomains, 0 = block; map_str lookups, most specific first (docs/gate.md).\n"
    )
    count = 0
    for domain, allowed in entries:
        out.write(haproxy_line(domain, allowed))
        count += 1
    return count


# -- JSON --------------------------------------------------------------------------------------------------------
def write_json(index: GateIndex, provider_id: int | None, out: IO[str], header: ExportHeader) -> int:
    """Every known domain with its decision for the provider, as one JSON document written as it goes."""
    out.write(
        "{"
        f'"seq": {header.seq}, "provider": {json.dumps(header.provider, ensure_ascii=False)}, '
        f'"match": {json.dumps(MATCH)}, "domains": [\n'
    )
    count = 0
    for domain in index.domains():
        verdict = index.decide_name(domain, provider_id)
        item = {
            "domain": domain,
            "decision": verdict.decision.value,
            "reason": verdict.reason.value,
            "site_number": verdict.site_number,
        }
        out.write(("" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


# -- writing -----------------------------------------------------------------------------------------------------
def export(index: GateIndex, fmt: str, provider_id: int | None, provider: str | None, out: IO[str]) -> int:
    """Write the allow-list in `fmt` to `out`; returns the number of entries (domains for json)."""
    header = ExportHeader(index.seq, provider)
    if fmt == "nginx-map":
        return write_nginx_map(map_entries(index, provider_id), out, header)
    if fmt == "haproxy-map":
        return write_haproxy_map(map_entries(index, provider_id), out, header)
    if fmt == "json":
        return write_json(index, provider_id, out, header)
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


@contextmanager
def replaced_atomically(path: Path) -> Iterator[IO[str]]:
    """A text file written beside `path` and renamed over it when the block ends without an error (the old file
    stays whole until then; on an error the temporary file is removed). Keeps the old file's permissions, or
    0644 for a new one, so the web server can read it."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
