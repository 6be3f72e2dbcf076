"""Keeping an HAProxy map current at runtime (`openbeian gate haproxy-sync`): approvals and cancellations reach the
edge within a second, with no reload.

The map is the one `gate export --format haproxy-map` writes (gate/export.py). The syncer holds a GateIndex,
follows the change log (the local database, or another OpenBeian's change feed), and for every batch of changes:

1. lists the domains the changes touched, and the known subdomains under them (a reversed-label trie), since a
   domain that becomes allowed needs block entries for its separately filed subdomains;
2. computes their map entries before and after applying the changes to the index;
3. sends only the difference over HAProxy's runtime API (the stats socket, `level admin`): `add map` for a new
   entry, `set map` for a changed one, `del map` for one no longer needed.

At start, after a 410 from the feed, when HAProxy restarted (its pid changed: it loaded the map file again) and
every `resync_every` seconds (decisions that change with time alone, such as an empty-shell notice running out),
it replaces the whole map atomically (`prepare map` / `add map @version` / `commit map`) and rewrites the map file
(temporary file + rename); it rewrites the file again when it stops, so that a restarted HAProxy starts from a
recent state (and a restart it sees is followed by a full replace within two seconds).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
import marisa_trie
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from openbeian.gate.export import (
    ExportHeader,
    entry_of,
    map_entries,
    replaced_atomically,
    write_haproxy_map,
)
from openbeian.gate.follow import index_from_snapshot
from openbeian.gate.index import GateIndex
from openbeian.gate.source import apply_feed_change, load_index, read_changes

log = logging.getLogger("openbeian.gate.haproxy")

PAYLOAD_BYTES = 12_000  # per `add map @version` payload: a command must fit HAProxy's 16 KB buffer (tune.bufsize)
POLL_SECONDS = 0.1  # database follower: how often the newest change-log number is read
LONG_POLL = 5.0  # feed follower: `wait` of each changes request (also how soon a stop is noticed)


class HAProxyError(RuntimeError):
    """HAProxy's runtime API refused a command or could not be reached."""


# -- the runtime API -----------------------------------------------------------------------------------------------
class RuntimeAPI:
    """HAProxy's stats socket (a unix socket path, or HOST:PORT): one command per connection."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        if ":" in self.address and not self.address.startswith(("/", ".")):
            host, _, port = self.address.rpartition(":")
            return socket.create_connection((host, int(port)), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.address)
        return sock

    def run(self, command: str, payload: Iterable[str] | None = None) -> str:
        """Send one command (with a `<<` payload of lines when given) and return HAProxy's answer."""
        try:
            with self._connect() as sock:
                if payload is None:
                    sock.sendall(command.encode() + b"\n")
                else:
                    sock.sendall(command.encode() + b" <<\n" + "".join(payload).encode() + b"\n")
                chunks = []
                while data := sock.recv(65536):
                    chunks.append(data)
        except OSError as err:
            raise HAProxyError(f"HAProxy runtime API at {self.address}: {err}") from err
        return b"".join(chunks).decode("utf-8", "replace").strip()

    def pid(self) -> int | None:
        """The HAProxy process's pid (`show info`): a new pid means it restarted and reloaded its map files."""
        for line in self.run("show info").splitlines():
            if line.startswith("Pid:"):
                return int(line.split(":", 1)[1])
        return None


_FAILED = ("unknown", "not found", "missing", "unable", "error", "permission denied", "can't", "cannot")


def _check(answer: str, command: str) -> str:
    if answer and any(word in answer.lower() for word in _FAILED):
        raise HAProxyError(f"HAProxy refused {command.split(' <<')[0]!r}: {answer}")
    return answer


# -- known names by suffix ----------------------------------------------------------------------------------------
def _reversed(domain: str) -> str:
    return ".".join(reversed(domain.split(".")))


class Subdomains:
    """The known domains found by suffix: which of them lie under a given domain (a trie of reversed labels,
    plus a small set of the names added since it was built)."""

    def __init__(self, domains: Iterable[str]) -> None:
        self._trie = marisa_trie.Trie(_reversed(d) for d in domains)
        self._added: set[str] = set()

    def add(self, domains: Iterable[str]) -> None:
        for domain in domains:
            key = _reversed(domain)
            if key not in self._trie:
                self._added.add(key)
        if len(self._added) > 50_000:
            self._trie = marisa_trie.Trie([*self._trie.iterkeys(), *self._added])
            self._added = set()

    def under(self, domain: str) -> Iterator[str]:
        prefix = _reversed(domain) + "."
        for key in self._trie.iterkeys(prefix):
            yield _reversed(key)
        for key in self._added:
            if key.startswith(prefix):
                yield _reversed(key)


# -- where the changes come from ----------------------------------------------------------------------------------
class FeedGone(Exception):
    """The feed answered 410: this replica is too far behind (or follows another registry): take a snapshot."""


class ChangeSource(Protocol):
    def snapshot(self) -> GateIndex: ...

    def changes(self, since: int) -> list[dict[str, Any]]:
        """The changes after `since` (with their gate states); may wait a little when there are none."""
        ...


class DatabaseSource:
    """The local registry database (the change log's table, polled every POLL_SECONDS)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def snapshot(self) -> GateIndex:
        return load_index(self.engine)

    def changes(self, since: int) -> list[dict[str, Any]]:
        _, found = read_changes(self.engine, since, 1000)
        if not found:
            time.sleep(POLL_SECONDS)
        return found


class FeedSource:
    """Another OpenBeian's snapshot and change feed (`GET /api/v1/registry/snapshot`, `.../changes?since=&wait=`)."""

    def __init__(self, url: str, wait: float = LONG_POLL) -> None:
        self.url = url.rstrip("/")
        self.wait = wait
        self._client = httpx.Client(timeout=httpx.Timeout(10.0, read=wait + 10.0))

    def snapshot(self) -> GateIndex:
        with (
            httpx.Client(timeout=httpx.Timeout(30.0, read=300.0)) as client,
            client.stream("GET", f"{self.url}/api/v1/registry/snapshot") as response,
        ):
            response.raise_for_status()
            return index_from_snapshot(response.iter_lines())

    def changes(self, since: int) -> list[dict[str, Any]]:
        response = self._client.get(f"{self.url}/api/v1/registry/changes", params={"since": since, "wait": self.wait})
        if response.status_code == 410:
            raise FeedGone(response.text)
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()["changes"]
        return found

    def close(self) -> None:
        self._client.close()


def source_for(follow: str | None, engine: Engine | None) -> ChangeSource:
    if follow:
        return FeedSource(follow)
    assert engine is not None
    return DatabaseSource(engine)


# -- the map syncer -----------------------------------------------------------------------------------------------
def touched_domains(change: Mapping[str, Any]) -> set[str]:
    """The domains whose state a change of the feed carries (a site's domains, domains detached or listed)."""
    gate = change.get("gate") or {}
    found = {str(d) for site in gate.get("sites", ()) for d in site.get("domains", ())}
    found.update(str(d["domain"]) for d in gate.get("domains", ()))
    payload = change.get("payload") or {}
    for key in ("domains", "domains_removed"):
        found.update(str(d) for d in payload.get(key, ()) or ())
    if isinstance(payload.get("domain"), str):
        found.add(payload["domain"])
    return found


@dataclass
class SyncCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0

    def __str__(self) -> str:
        return f"+{self.added} ~{self.changed} -{self.removed}"


class MapSync:
    """One HAProxy map kept equal to the export for one provider (or any provider)."""

    def __init__(self, api: RuntimeAPI, map_path: str, provider: str | None = None) -> None:
        self.api = api
        self.map_path = map_path
        self.provider = provider
        self.provider_id: int | None = None
        self.index = GateIndex()
        self.names = Subdomains(())
        self.haproxy_pid: int | None = None

    def load(self, index: GateIndex) -> None:
        """Take a new index (start, snapshot) and resolve the provider in it."""
        if self.provider:
            found = index.provider_id(self.provider)
            if found is None:
                raise ValueError(f"no provider named {self.provider!r}")
            self.provider_id = found
        self.index = index
        self.names = Subdomains(index.domains())

    def write_file(self) -> None:
        """Rewrite the map file from the index (what HAProxy loads when it starts again)."""
        header = ExportHeader(self.index.seq, self.provider)
        with replaced_atomically(Path(self.map_path)) as out:
            write_haproxy_map(map_entries(self.index, self.provider_id), out, header)

    def replace_all(self) -> int:
        """Rewrite the map file and swap HAProxy's map for the index's whole map in one commit."""
        self.write_file()
        answer = _check(self.api.run(f"prepare map {self.map_path}"), "prepare map")
        version = answer.rsplit(":", 1)[-1].strip()
        if not version.isdigit():
            raise HAProxyError(f"HAProxy's prepare map answered {answer!r}")
        count = size = 0
        batch: list[str] = []
        for domain, allowed in map_entries(self.index, self.provider_id):
            entry = f"{domain} {1 if allowed else 0}\n"
            if size + len(entry) > PAYLOAD_BYTES:
                _check(self.api.run(f"add map @{version} {self.map_path}", batch), "add map")
                count += len(batch)
                batch, size = [], 0
            batch.append(entry)
            size += len(entry)
        if batch:
            _check(self.api.run(f"add map @{version} {self.map_path}", batch), "add map")
            count += len(batch)
        _check(self.api.run(f"commit map @{version} {self.map_path}"), "commit map")
        self.haproxy_pid = self.api.pid()
        return count

    def apply(self, changes: list[dict[str, Any]]) -> SyncCounts:
        """Apply a batch of feed changes to the index and their difference to HAProxy's map."""
        touched: set[str] = set()
        for change in changes:
            touched |= touched_domains(change)
        affected = set(touched)
        for domain in touched:
            affected.update(self.names.under(domain))
        before = {d: entry_of(self.index, d, self.provider_id) for d in affected}
        for change in changes:
            apply_feed_change(self.index, change)
        self.names.add(touched)
        diff = {
            d: (before[d], new) for d in affected if (new := entry_of(self.index, d, self.provider_id)) != before[d]
        }
        # Blocks first, then allows: a parent allowed before its subdomain's block entry is in would let the
        # subdomain through for a moment.
        order = sorted(diff, key=lambda d: (diff[d][1] is True or (diff[d][1] is None and diff[d][0] is False), d))
        counts = SyncCounts()
        for domain in order:
            old, new = diff[domain]
            if new is None:
                answer = self.api.run(f"del map {self.map_path} {domain}")
                if answer and "not found" not in answer.lower():
                    _check(answer, "del map")
                counts.removed += 1
                continue
            value = 1 if new else 0
            if old is None:
                _check(self.api.run(f"add map {self.map_path} {domain} {value}"), "add map")
                counts.added += 1
            else:
                answer = self.api.run(f"set map {self.map_path} {domain} {value}")
                if "not found" in answer.lower():  # the map drifted: add what should be there
                    _check(self.api.run(f"add map {self.map_path} {domain} {value}"), "add map")
                else:
                    _check(answer, "set map")
                counts.changed += 1
        return counts


def run_sync(
    source: ChangeSource,
    sync: MapSync,
    stop: threading.Event | None = None,
    resync_every: float = 300.0,
    once: bool = False,
) -> None:
    """Load, replace the whole map, then follow the changes until `stop` is set (or return at once with `once`)."""
    stop = stop or threading.Event()
    sync.load(source.snapshot())
    count = sync.replace_all()
    log.warning("haproxy-sync: %s holds %d entries at seq %d", sync.map_path, count, sync.index.seq)
    if once:
        return
    try:
        _follow(source, sync, stop, resync_every)
    finally:
        if sync.index.seq:  # leave a current map file for HAProxy's next start
            sync.write_file()


def _follow(source: ChangeSource, sync: MapSync, stop: threading.Event, resync_every: float) -> None:
    last_full = last_pid_check = time.monotonic()
    while not stop.is_set():
        try:
            changes = source.changes(sync.index.seq)
            if changes:
                counts = sync.apply(changes)
                log.warning("haproxy-sync: seq %d: %s", sync.index.seq, counts)
            now = time.monotonic()
            if now - last_pid_check >= 2.0:
                last_pid_check = now
                if sync.api.pid() != sync.haproxy_pid:
                    log.warning("haproxy-sync: HAProxy restarted; replacing the whole map")
                    sync.replace_all()
            if now - last_full >= resync_every:
                last_full = now
                sync.load(source.snapshot())
                sync.replace_all()
        except FeedGone:
            log.warning("haproxy-sync: the feed answered 410; taking a snapshot")
            sync.load(source.snapshot())
            sync.replace_all()
        except (HAProxyError, httpx.HTTPError, SQLAlchemyError, OSError) as err:
            log.warning("haproxy-sync: %s; retrying", err)
            stop.wait(1.0)
            try:
                sync.replace_all()
            except (HAProxyError, OSError) as again:
                log.warning("haproxy-sync: %s", again)
