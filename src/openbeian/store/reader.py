"""The registry's read path: lookups by domain, number and name, built for reads.

`RegistryReader` answers the public query, the batch query and the gate from raw DBAPI connections of its own, with
fixed SQL strings: SQLite (stdlib sqlite3, one connection per thread, query_only, autocommit, a large mmap) prepares
each once in its statement cache; PostgreSQL (psycopg 3, a small pool per process, autocommit) prepares each once
per connection on the server (prepare=True). There is no unit of work per call and no SQLAlchemy statement
building: a lookup is one statement. Each statement runs in
its own read transaction, so a commit made through any unit of work is seen by the next lookup.

The records are the `RegistryRecord`s of store/registry.py (same semantics as RegistryRepository.by_domains,
by_site_number, by_subject_number; the name search is the substring search of by_subject_name, served by the
index of store/search_index.py, in subject-id order for keyset paging).

Keeping the name search index in sync: see store/search_index.py (SQLite triggers on registry_subjects; a bulk
load calls search_index.suspend before and search_index.rebuild after).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from openbeian.store.registry import RegistryRecord

# SQLite: map up to 1 GiB of the file, so hot pages are read without a copy into each connection's page cache. The
# pages a process touched count in its RSS (shared, file-backed: the kernel may drop them at any time).
MMAP_BYTES = 1 << 30
MIN_SEARCH = 2  # characters
PG_CONNECTIONS = 8  # per process: at most this many PostgreSQL lookups run at once

_RECORD = (
    "s.id, s.subject_id, s.seq, j.name, j.kind, j.subject_number, j.province_code, s.site_number, s.name,"
    " s.service_type, s.approved_at, s.status, s.provider_ids,"
    " (SELECT {agg} FROM registry_domains x WHERE x.site_id = s.id)"
)
_SITES = "registry_sites s JOIN registry_subjects j ON j.id = s.subject_id"
_DOMAIN_SITES = (
    "registry_domains d JOIN registry_sites s ON s.id = d.site_id JOIN registry_subjects j ON j.id = s.subject_id"
)


@dataclass(frozen=True, slots=True)
class Keyed:
    """A record with its position in the subject-id, site-seq order (what cursors are made of)."""

    subject_id: int
    seq: int
    record: RegistryRecord


@dataclass(frozen=True, slots=True)
class NewestChange:
    seq: int
    at: datetime


class _Dialect:
    """The SQL of one database, built once: the only place that differs between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        sqlite = name == "sqlite"
        self.sqlite = sqlite
        record = _RECORD.format(agg="group_concat(x.domain, ' ')" if sqlite else "string_agg(x.domain, ' ')")
        in_list = "IN (SELECT value FROM json_each(?))" if sqlite else "= ANY(?)"
        by_domain = f"SELECT {record} FROM {_DOMAIN_SITES}"
        self.by_domain = f"{by_domain} WHERE d.domain = ?"
        self.by_domains2 = f"{by_domain} WHERE d.domain IN (?, ?) ORDER BY d.domain = ? DESC LIMIT 1"
        self.by_domain_list = f"SELECT d.domain, {record} FROM {_DOMAIN_SITES}"
        self.by_domain_list += f" WHERE d.domain {in_list}"
        self.by_site_number = f"SELECT {record} FROM {_SITES} WHERE s.site_number = ?"
        self.by_site_numbers = f"SELECT {record} FROM {_SITES} WHERE s.site_number {in_list}"
        self.by_subject_number = (
            f"SELECT {record} FROM {_SITES} WHERE j.subject_number = ? AND s.seq > ? ORDER BY s.seq LIMIT ?"
        )
        self.by_subject_numbers = f"SELECT {record} FROM {_SITES} WHERE j.subject_number {in_list} ORDER BY j.id, s.seq"
        like = "LIKE ? ESCAPE '\\'" if sqlite else "ILIKE ? ESCAPE '\\'"
        self.search_records = (
            f"SELECT {record} FROM {_SITES} WHERE j.id {in_list} AND j.name {like}"
            " AND (j.id > ? OR (j.id = ? AND s.seq > ?)) ORDER BY j.id, s.seq LIMIT ?"
        )
        if sqlite:
            self.hits_bigrams = (
                "SELECT rowid FROM registry_subject_bigrams WHERE registry_subject_bigrams MATCH ?"
                " AND rowid >= ? ORDER BY rowid LIMIT ?"
            )
            self.hits_trigrams = (
                "SELECT rowid FROM registry_subject_trigrams WHERE name LIKE ? AND rowid >= ? ORDER BY rowid LIMIT ?"
            )
        else:
            self.hits_bigrams = (
                "SELECT id FROM registry_subjects WHERE registry_name_bigrams(name) @> registry_name_bigrams(?)"
                " AND id >= ? ORDER BY id LIMIT ?"
            )
            self.hits_trigrams = (
                "SELECT id FROM registry_subjects WHERE name ILIKE ? ESCAPE '\\' AND id >= ? ORDER BY id LIMIT ?"
            )
        self.newest_change = "SELECT seq, at FROM registry_changes ORDER BY seq DESC LIMIT 1"
        if not sqlite:
            for attr, sql in vars(self).items():
                if isinstance(sql, str):
                    setattr(self, attr, sql.replace("?", "%s"))

    def id_list(self, ids: Sequence[object]) -> object:
        """The parameter of an `IN` list: a JSON array for SQLite's json_each, a list for PostgreSQL's ANY."""
        return json.dumps(ids, ensure_ascii=False) if self.sqlite else list(ids)


Rows = list[tuple[Any, ...]]


class _Held:
    """A thread's connection: closed by `RegistryReader.close`, or when its thread ends and drops it."""

    __slots__ = ("__weakref__", "conn", "inherited", "run")

    def __init__(self, conn: Any, run: Callable[[str, Sequence[object]], Rows]) -> None:
        self.conn = conn
        self.run = run
        self.inherited = False

    def close(self) -> None:
        if not self.inherited:
            self.conn.close()

    def __del__(self) -> None:
        self.close()


_INHERITED: list[_Held] = []  # a forked child's copies of its parent's connections: never used, never closed


class RegistryReader:
    """Registry lookups over a database (an Engine or URL); safe to share between threads and across fork."""

    def __init__(
        self, database: Engine | str, mmap_bytes: int = MMAP_BYTES, pg_connections: int = PG_CONNECTIONS
    ) -> None:
        url = make_url(database.url if isinstance(database, Engine) else database)
        self._dialect = _Dialect(url.get_backend_name())
        self._mmap_bytes = mmap_bytes
        if self._dialect.sqlite:
            if not url.database or url.database == ":memory:":
                raise ValueError("the registry reader needs a database file, not an in-memory SQLite database")
            self._target = url.database
        else:
            self._target = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._providers: dict[str, tuple[int, ...]] = {}
        self._pg_connections = pg_connections
        self._idle: list[_Held] = []
        self._slots = threading.BoundedSemaphore(pg_connections)
        me = weakref.ref(self)

        def forget_in_child() -> None:
            reader = me()
            if reader is not None:
                reader._forget()

        os.register_at_fork(after_in_child=forget_in_child)

    # -- connections ------------------------------------------------------------------------------------
    def _run(self) -> Callable[[str, Sequence[object]], Rows]:
        """How this thread runs a statement. SQLite: on the thread's own connection (opened on first use).
        PostgreSQL: on a connection borrowed from a small pool per process, because a web worker's thread pool
        has dozens of threads and the server's connections are few (max_connections is 100 by default)."""
        if not self._dialect.sqlite:
            return self._borrowed
        try:
            run: Callable[[str, Sequence[object]], Rows] = self._local.run
        except AttributeError:
            held = self._connect()
            run = self._local.run = held.run
            self._local.held = held  # the thread's reference: the connection closes when its thread ends
        return run

    def _borrowed(self, sql: str, params: Sequence[object]) -> Rows:
        with self._slots:
            try:
                held = self._idle.pop()
            except IndexError:
                held = self._connect()
            try:
                rows = held.run(sql, params)
            except Exception:
                held.close()  # a connection in doubt (server restarted, network) is not given back
                raise
            self._idle.append(held)
            return rows

    def _connect(self) -> _Held:
        if self._dialect.sqlite:
            conn: Any = sqlite3.connect(self._target, isolation_level=None, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA query_only = ON")
            conn.execute(f"PRAGMA mmap_size = {int(self._mmap_bytes)}")
            execute = conn.cursor().execute  # one cursor per connection, reused: lookups run one at a time

            def run(sql: str, params: Sequence[object]) -> Rows:
                rows: Rows = execute(sql, params).fetchall()
                return rows

        else:
            import psycopg

            conn = psycopg.connect(self._target, autocommit=True)
            pg_execute = conn.execute

            def run(sql: str, params: Sequence[object]) -> Rows:
                rows: Rows = pg_execute(sql, params, prepare=True).fetchall()
                return rows

        held = _Held(conn, run)
        with self._lock:
            self._open.add(held)
        return held

    def _forget(self) -> None:
        """In a forked child: the parent's connections are not ours to use or close (closing a PostgreSQL one
        would end the parent's session); keep them unused and open new ones on demand."""
        for held in list(self._open):
            held.inherited = True
            _INHERITED.append(held)
        self._local = threading.local()
        self._open = weakref.WeakSet()
        self._lock = threading.Lock()
        self._idle = []
        self._slots = threading.BoundedSemaphore(self._pg_connections)

    def close(self) -> None:
        """Close every connection this reader opened (in any thread)."""
        with self._lock:
            opened, self._open = list(self._open), weakref.WeakSet()
        for held in opened:
            held.close()
        self._local = threading.local()
        self._idle = []

    # -- lookups ----------------------------------------------------------------------------------------
    def by_domains(self, candidates: Sequence[str]) -> list[RegistryRecord]:
        """The site filed under the first candidate that is filed (exact name before registrable domain)."""
        run = self._run()
        if len(candidates) == 2 and not self._dialect.sqlite:  # one round trip to the server for both
            first = candidates[0]
            rows = run(self._dialect.by_domains2, (first, candidates[1], first))
            return [self._record(rows[0])] if rows else []
        for candidate in candidates:  # SQLite: a probe that misses costs less than sorting two candidates
            rows = run(self._dialect.by_domain, (candidate,))
            if rows:
                return [self._record(rows[0])]
        return []

    def by_domains_many(self, lists: Sequence[Sequence[str]]) -> list[list[RegistryRecord]]:
        """`by_domains` for many lists of candidates in one round trip (a batch query)."""
        wanted = sorted({c for candidates in lists for c in candidates})
        if not wanted:
            return [[] for _ in lists]
        rows = self._run()(self._dialect.by_domain_list, (self._dialect.id_list(wanted),))
        found = {row[0]: self._record(row[1:]) for row in rows}
        result: list[list[RegistryRecord]] = []
        for candidates in lists:
            hit = next((found[c] for c in candidates if c in found), None)
            result.append([] if hit is None else [hit])
        return result

    def by_site_number(self, number: str) -> list[RegistryRecord]:
        return [self._record(row) for row in self._run()(self._dialect.by_site_number, (number,))]

    def by_subject_number(self, number: str, after_seq: int = 0, limit: int = 200) -> list[Keyed]:
        """The sites of a subject in seq order, those after `after_seq`, at most `limit`."""
        rows = self._run()(self._dialect.by_subject_number, (number, after_seq, limit))
        return [self._keyed(row) for row in rows]

    def by_numbers(
        self, site_numbers: Sequence[str], subject_numbers: Sequence[str]
    ) -> dict[str, list[RegistryRecord]]:
        """Records by canonical number (a site's, or every site of a subject's) in two round trips at most."""
        result: dict[str, list[RegistryRecord]] = {}
        run = self._run()
        if site_numbers:
            for row in run(self._dialect.by_site_numbers, (self._dialect.id_list(sorted(set(site_numbers))),)):
                record = self._record(row)
                result[record.site_number] = [record]
        if subject_numbers:
            for row in run(self._dialect.by_subject_numbers, (self._dialect.id_list(sorted(set(subject_numbers))),)):
                record = self._record(row)
                result.setdefault(record.subject_number, []).append(record)
        return result

    def search(self, name: str, after: tuple[int, int] = (0, 0), limit: int = 50) -> tuple[list[Keyed], bool]:
        """Subjects whose name contains `name` (ASCII letters in any case; at least 2 characters), their sites in
        (subject id, seq) order strictly after `after`: at most `limit` records and whether more follow."""
        if len(name) < MIN_SEARCH:
            raise ValueError("a name search needs at least 2 characters")
        hits_sql, hits_param = self._hits_query(name)
        pattern = like_pattern(name)
        run = self._run()
        after_id, after_seq = after
        found: list[Keyed] = []
        wanted = limit + 1
        while len(found) < wanted:
            ids = [row[0] for row in run(hits_sql, (hits_param, after_id, wanted))]
            if not ids:
                break
            rows = run(
                self._dialect.search_records,
                (self._dialect.id_list(ids), pattern, after_id, after_id, after_seq, wanted - len(found)),
            )
            found.extend(self._keyed(row) for row in rows)
            if len(ids) < wanted:
                break  # every hit has been read
            after_id, after_seq = ids[-1] + 1, 0  # fewer records than wanted: every site of these hits was read
        return found[:limit], len(found) > limit

    def _hits_query(self, name: str) -> tuple[str, object]:
        """The index query that narrows the search: bigrams for 2 characters (or no 3-character run without a
        wildcard), trigrams otherwise; the records query then checks the whole name."""
        if not self._dialect.sqlite:
            if len(name) == MIN_SEARCH:
                return self._dialect.hits_bigrams, name
            return self._dialect.hits_trigrams, like_pattern(name)
        run = max(name.replace("%", "_").split("_"), key=len)
        if len(name) > MIN_SEARCH and len(run) >= 3:
            return self._dialect.hits_trigrams, f"%{run}%"
        return self._dialect.hits_bigrams, " AND ".join(f'"{token}"' for token in bigram_tokens(name))

    def newest_change(self) -> NewestChange | None:
        rows = self._run()(self._dialect.newest_change, ())
        if not rows:
            return None
        return NewestChange(int(rows[0][0]), _utc(rows[0][1]))

    # -- rows -------------------------------------------------------------------------------------------
    def _keyed(self, row: Sequence[Any]) -> Keyed:
        return Keyed(row[1], row[2], self._record(row))

    def _record(self, row: Sequence[Any]) -> RegistryRecord:
        providers = self._providers.get(row[12])
        if providers is None:
            providers = tuple(json.loads(row[12]))
            if len(self._providers) > 10_000:
                self._providers.clear()
            self._providers[row[12]] = providers
        domains = row[13]
        return RegistryRecord(
            subject_name=row[3],
            subject_kind=row[4],
            subject_number=row[5],
            site_number=row[7],
            site_name=row[8],
            site_type=row[9],
            domains=tuple(sorted(domains.split(" "))) if domains else (),
            province_code=row[6],
            approved_at=_utc(row[10]),
            status=row[11],
            provider_ids=providers,
        )


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\', the text's own wildcards matching only themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def bigram_tokens(name: str) -> list[str]:
    """The SQLite bigram index's tokens of a text: hex of each 2-character window's UTF-8 bytes, ASCII letters
    lower-cased first (as SQLite's lower() and LIKE do), exactly as the triggers of store/search_index.py spell them."""
    lowered = name.translate(_ASCII_LOWER)
    return sorted({lowered[i : i + 2].encode().hex() for i in range(len(lowered) - 1)})


def _utc(value: Any) -> datetime:
    """An aware UTC datetime from a column: SQLite's naive ISO text (UTC by convention), PostgreSQL's datetime."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value + "+00:00")  # the stored form has no offset: parse it as UTC at once
        except ValueError:
            value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
