"""Keeping a GateIndex current: from the local database's change log, or from another OpenBeian's change feed.

- `DatabaseFollower(engine)`: builds the index from the registry (gate/source.py), then checks the newest
  sequence number every `poll` seconds (a one-row query in a worker thread) and applies new changes.
- `FeedFollower(url)`: takes `GET {url}/api/v1/registry/snapshot` (in a worker thread: a national snapshot is
  parsed without holding the event loop), then long-polls `GET {url}/api/v1/registry/changes?since=SEQ&wait=W`
  with httpx and applies each change as it comes; a 410 (fell behind, or the feed is another registry's) or a
  broken connection leads to a new snapshot, after a short back-off.

Both run as an asyncio task (`await follower.run()`), fold a grown overlay into a new trie in a worker thread,
and expose `index` (replaced as a whole after a snapshot) and `ready` (set once the first index is loaded).
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

import anyio
import httpx
from sqlalchemy import Engine

from openbeian.gate.index import DomainState, GateIndex
from openbeian.gate.source import (
    apply_feed_change,
    domain_from_json,
    load_index,
    newest_seq,
    read_changes,
    site_from_json,
)

log = logging.getLogger("openbeian.gate")

FOLD_AT = 20_000  # overlay entries before the trie is rebuilt (and at least 1/20 of the index)
LONG_POLL = 20.0
RETRY_SECONDS = 0.5


class Follower:
    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.index = GateIndex(strict)
        self.ready = asyncio.Event()
        self._folding = False

    async def start(self) -> None:
        """Load the first index (returns when the gate can answer)."""
        raise NotImplementedError

    async def run(self) -> None:
        raise NotImplementedError

    def apply(self, changes: Iterable[dict[str, Any]]) -> None:
        for change in changes:
            apply_feed_change(self.index, change)

    async def maybe_fold(self) -> None:
        index = self.index
        if self._folding or index.overlay_size < max(FOLD_AT, len(index) // 20):
            return
        self._folding = True
        try:
            built = await anyio.to_thread.run_sync(index.build_folded)
            if index is self.index:
                index.swap_folded(built)
        finally:
            self._folding = False


class DatabaseFollower(Follower):
    def __init__(self, engine: Engine, strict: bool = False, poll: float = 0.05) -> None:
        super().__init__(strict)
        self.engine = engine
        self.poll = poll

    async def start(self) -> None:
        self.index = await anyio.to_thread.run_sync(load_index, self.engine, self.strict)
        self.ready.set()

    async def run(self) -> None:
        if not self.ready.is_set():
            await self.start()
        while True:
            try:
                newest = await anyio.to_thread.run_sync(newest_seq, self.engine)
                while newest > self.index.seq:
                    _, changes = await anyio.to_thread.run_sync(read_changes, self.engine, self.index.seq, 1000)
                    if not changes:
                        break
                    self.apply(changes)
                await self.maybe_fold()
            except Exception:  # the database went away for a moment: keep answering from the index
                log.exception("gate: reading the change log failed; retrying")
                await anyio.sleep(RETRY_SECONDS)
            await anyio.sleep(self.poll)


class FeedFollower(Follower):
    def __init__(self, url: str, strict: bool = False, wait: float = LONG_POLL) -> None:
        super().__init__(strict)
        self.url = url.rstrip("/")
        self.wait = wait

    async def start(self) -> None:
        self.index = await anyio.to_thread.run_sync(self._snapshot)
        self.ready.set()

    def _snapshot(self) -> GateIndex:
        with (
            httpx.Client(timeout=httpx.Timeout(30.0, read=300.0)) as client,
            client.stream("GET", f"{self.url}/api/v1/registry/snapshot") as response,
        ):
            response.raise_for_status()
            return index_from_snapshot(response.iter_lines(), self.strict)

    async def run(self) -> None:
        if not self.ready.is_set():
            await self.start()
        timeout = httpx.Timeout(10.0, read=self.wait + 10.0)
        async with httpx.AsyncClient(timeout=timeout) as client:
            while True:
                try:
                    response = await client.get(
                        f"{self.url}/api/v1/registry/changes",
                        params={"since": self.index.seq, "wait": self.wait},
                    )
                    if response.status_code == 410:
                        log.warning("gate: the feed answered 410 at seq %s; taking a snapshot", self.index.seq)
                        self.index = await anyio.to_thread.run_sync(self._snapshot)
                        continue
                    response.raise_for_status()
                    self.apply(response.json()["changes"])
                    await self.maybe_fold()
                except (httpx.HTTPError, ValueError, KeyError):
                    log.warning("gate: following %s failed; retrying", self.url, exc_info=True)
                    await anyio.sleep(RETRY_SECONDS)


def index_from_snapshot(lines: Iterable[str], strict: bool = False) -> GateIndex:
    """Build an index from snapshot JSON Lines: the (domain, word) pairs go to a temporary file, read twice (keys
    for the trie, then the words), so no list of every domain is held in memory."""
    rows = iter(lines)
    header = json.loads(next(rows))
    index = GateIndex(strict)
    index.seq = int(header["seq"])
    index.provider_names = {int(k): (str(v[0]), str(v[1])) for k, v in header.get("providers", {}).items()}
    domains: list[DomainState] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8") as tmp:
        for line in rows:
            if not line.strip():
                continue
            item = json.loads(line)
            if "site" in item:
                state = site_from_json(item["site"])
                word = index.pack(state)
                for domain in state.domains:
                    tmp.write(f"{domain}\t{word}\n")
            elif "domain" in item:
                domains.append(domain_from_json(item["domain"]))

        def pairs() -> Iterator[tuple[str, int]]:
            tmp.seek(0)
            for entry in tmp:
                domain, word = entry.rstrip("\n").split("\t")
                yield domain, int(word)

        index.load((d for d, _ in pairs()), pairs())
    for held in domains:
        index.apply_domain(held)
    return index
