"""Import a registry file: streaming, in one transaction, idempotent, every bad row reported with its line.

How a file goes in:
1. Rows are read and checked one by one (checks.py) and gathered in batches (batches.py; for a large file in a
   helper process, while this one writes).
2. For a batch, one query finds the sites already filed (a second import skips them: "0 new") and one the
   subjects already filed (their sites are added under them; a row that disagrees with the filed subject is
   bad). Into a registry that had no site when the import began these lookups are skipped (see `load`).
3. The batch goes in at once inside a savepoint (SQLite executemany, PostgreSQL COPY), ids given by us (the
   transaction holds the registry's write lock: SQLite BEGIN IMMEDIATE; PostgreSQL a SHARE ROW EXCLUSIVE lock on
   the registry tables and the change log's advisory lock, so approvals wait and reads go on). If a unique
   constraint refuses it (a domain or a number filed twice, a document already filed as another subject), the
   savepoint is rolled back and the batch goes in row by row, each in its own savepoint, so that the rows at
   fault are found and told apart by their reason. A domain held by a cancelled site moves to the new active
   one, as an approval does.
4. At the end the transaction commits, unless a row was bad and `skip_bad` is off: then nothing is imported,
   and every bad row has been reported (the whole file was read and tried, so none is missed).

What is written, per site: its subject (once; serial, year and next_site_seq kept so that the registry's next
number continues after the imported ones), the site, its domains, its providers (registry_site_providers and the
equal `provider_ids` copy; providers are created by name when unknown) and the change log entries an approval
writes (services/issuing.py): "site_approved", then "site_cancelled" for a cancelled site and
"subject_cancelled" for a cancelled subject. Their `at` is the filing's own time (approval, cancellation), so
an imported history reads as it happened; their sequence numbers follow the file, as a follower needs.

The name-search index (store/search_index.py, migration 0005) is the one thing handled apart, in
`import_registry`: kept row by row, it costs about as much as the rest of a subject's import (SQLite: its
triggers compute each name's bigrams; PostgreSQL: two GIN indexes). When the file is large next to the registry
(an estimated row count, from the file's size, above `suspend_search_above` and above the subjects already
filed), the index is suspended (triggers / GIN indexes dropped) for the load and rebuilt over every name before
the commit, in the same transaction: a rolled-back import leaves the index as it was. (On PostgreSQL dropping
the GIN indexes takes an exclusive lock: searches wait for such an import.) Otherwise the triggers stay. The
other secondary indexes stay: the unique ones find the conflicts, and bench/registry_import.py measures what
dropping and re-creating the three others would change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openbeian.bulk.batches import BATCH, checked_batches
from openbeian.bulk.checks import BadRow, Filing
from openbeian.bulk.formats import FileFormat
from openbeian.bulk.sinks import Sink, open_sink
from openbeian.store import search_index
from openbeian.store.uow import Database

SUBJECT_COLUMNS = (
    "id", "subject_number", "province_code", "year", "serial", "name", "kind", "document_key", "next_site_seq",
    "status", "approved_at", "cancelled_at", "credit_code",
)  # fmt: skip
SITE_COLUMNS = (
    "id", "site_number", "subject_id", "seq", "name", "service_type", "app_id", "status", "provider_ids",
    "approved_at", "police_number", "cancelled_at", "home_url", "content_types", "leader_name", "limit_access",
)  # fmt: skip
LINK_COLUMNS = ("site_id", "provider_id", "ips")
DOMAIN_COLUMNS = ("domain", "site_id")
CHANGE_COLUMNS = ("at", "action", "subject_number", "site_number", "payload")
_NEXT_SEQ = "UPDATE registry_subjects SET next_site_seq = MAX(next_site_seq, %s) WHERE id = %s"


@dataclass
class ImportReport:
    rows: int = 0
    new_sites: int = 0
    existing_sites: int = 0
    new_subjects: int = 0
    new_providers: int = 0
    bad: list[BadRow] = field(default_factory=list)
    committed: bool = False


@dataclass(slots=True)
class _Subject:
    id: int
    name: str
    kind: str
    document_key: str
    cancelled: bool


@dataclass
class _Rows:
    """What one write puts into each table."""

    subjects: list[tuple[Any, ...]] = field(default_factory=list)
    sites: list[tuple[Any, ...]] = field(default_factory=list)
    links: list[tuple[Any, ...]] = field(default_factory=list)
    domains: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    next_seq: list[tuple[int, int]] = field(default_factory=list)
    created: dict[str, _Subject] = field(default_factory=dict)


BYTES_PER_ROW = 250  # about what a generated row takes: estimates a file's rows from its size
SUSPEND_SEARCH_ABOVE = 10_000


def import_registry(
    db: Database,
    path: Path,
    file_format: FileFormat,
    now: datetime,
    skip_bad: bool = False,
    progress: Callable[[int, int], None] | None = None,
    suspend_search_above: int = SUSPEND_SEARCH_ABOVE,
    parallel: bool | None = None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Import a registry file; `progress(bytes read, file size)` is called after each batch. `parallel`: read and
    check in a helper process (None: when the file is large, see batches.py)."""
    size = path.stat().st_size
    sink, raw = open_sink(db.engine)
    loader = _Loader(sink, now)
    committed = False
    try:
        estimate = size // BYTES_PER_ROW
        suspend = estimate > suspend_search_above and estimate > loader.subject_count()
        if suspend:
            search_index.suspend(sink.dialect, sink.script)
        with checked_batches(path, file_format, parallel, batch_size) as batches:
            for batch in batches:
                loader.report.rows += batch.rows
                loader.report.bad.extend(batch.bad)
                loader.load(batch.filings)
                if progress is not None:
                    progress(batch.position, size)
        if suspend:
            search_index.rebuild(sink.dialect, sink.script, sink.fetch_one)
    except BaseException:
        sink.finish(False, {})
        raise
    else:
        committed = skip_bad or not loader.report.bad
        sink.finish(committed, loader.last_ids())
    finally:
        raw.close()
    loader.report.bad.sort(key=lambda bad: bad.line)  # pure checks come per batch, conflicts as found
    loader.report.committed = committed
    return loader.report


class _Loader:
    def __init__(self, sink: Sink, now: datetime) -> None:
        self.sink = sink
        self.now = now
        self.report = ImportReport()
        self.providers = {str(name): int(i) for i, name in sink.query("SELECT id, name FROM providers")}
        self.subject_id = int(sink.query("SELECT COALESCE(MAX(id), 0) FROM registry_subjects")[0][0])
        self.site_id = int(sink.query("SELECT COALESCE(MAX(id), 0) FROM registry_sites")[0][0])
        self._first_ids = (self.subject_id, self.site_id)
        self.started_empty = self.site_id == 0
        self.recent: dict[str, _Subject] = {}  # the subjects of the previous batch

    def subject_count(self) -> int:
        return int(self.sink.query("SELECT COUNT(*) FROM registry_subjects")[0][0])

    def last_ids(self) -> dict[str, int]:
        ids = {}
        if self.subject_id > self._first_ids[0]:
            ids["registry_subjects"] = self.subject_id
        if self.site_id > self._first_ids[1]:
            ids["registry_sites"] = self.site_id
        return ids

    def load(self, batch: list[Filing]) -> None:
        if not batch:
            return
        # Into a registry that had no site when the import began, a batch goes in without looking anything up:
        # its subjects are new unless the previous batch had them (a file lists a subject's sites together),
        # and anything else (a subject listed apart, a site listed twice) makes the batch fail and be looked up.
        looked_up = not self.started_empty
        fresh, known = self._triage(batch, looked_up)
        if not fresh:
            return
        self._create_providers(fresh)
        try:
            with self.sink.savepoint():
                self._write(fresh, known)
        except self.sink.integrity_error:
            if not looked_up:
                fresh, known = self._triage(fresh, look_up=True)
            for filing in fresh:
                self._write_one(filing, known)
        self.recent = {number: subject for number, subject in known.items() if subject.id}

    def _triage(self, batch: list[Filing], look_up: bool) -> tuple[list[Filing], dict[str, _Subject]]:
        """The rows to write (sites not filed yet, agreeing with their subject) and the subjects known so far."""
        numbers = {f.subject_number for f in batch}
        if look_up:
            filed = {
                n
                for (n,) in self.sink.query_in(
                    "SELECT site_number FROM registry_sites WHERE site_number IN ({})", [f.site_number for f in batch]
                )
            }
            known = self._subjects(numbers)
        else:
            filed, known = set(), {n: s for n, s in self.recent.items() if n in numbers}
        fresh = []
        for f in batch:
            if self._agrees(f, known):  # a filed site says the same of its subject, or is bad
                if f.site_number in filed:
                    self.report.existing_sites += 1
                else:
                    fresh.append(f)
        return fresh, known

    # -- subjects ------------------------------------------------------------------------------------------
    def _subjects(self, numbers: set[str]) -> dict[str, _Subject]:
        rows = self.sink.query_in(
            "SELECT subject_number, id, name, kind, document_key, status FROM registry_subjects"
            " WHERE subject_number IN ({})",
            sorted(numbers),
        )
        return {str(r[0]): _Subject(int(r[1]), r[2], r[3], r[4], r[5] != "active") for r in rows}

    def _agrees(self, f: Filing, known: dict[str, _Subject]) -> bool:
        """A row of a subject met before (filed, or earlier in this batch) must describe the same subject."""
        subject = known.get(f.subject_number)
        if subject is None:
            known[f.subject_number] = _Subject(0, f.subject_name, f.kind, f.document_key, f.subject_cancelled)
            return True
        differs = [
            column
            for column, same in (
                ("unitName", subject.name == f.subject_name),
                ("natureName", subject.kind == f.kind),
                ("creditCode / documentKey", subject.document_key == f.document_key),
                ("mainStatus", subject.cancelled == f.subject_cancelled),
            )
            if not same
        ]
        if differs:
            self._bad(f, f"{', '.join(differs)}: differs from subject {f.subject_number} as filed or listed before")
            return False
        return True

    def _create_providers(self, filings: list[Filing]) -> None:
        for f in filings:
            for name in f.providers:
                if name not in self.providers:
                    self.providers[name] = self.sink.insert_returning_id(
                        "providers", ("name", "name_en", "created_at"), (name, name, self.sink.time(self.now))
                    )
                    self.report.new_providers += 1

    # -- writing -------------------------------------------------------------------------------------------
    def _write(self, filings: list[Filing], known: dict[str, _Subject]) -> None:
        rows = self._rows(filings, known)
        sink = self.sink
        sink.insert("registry_subjects", SUBJECT_COLUMNS, rows.subjects)
        sink.insert("registry_sites", SITE_COLUMNS, rows.sites)
        sink.insert("registry_site_providers", LINK_COLUMNS, rows.links)
        sink.insert("registry_domains", DOMAIN_COLUMNS, rows.domains)
        sink.insert("registry_changes", CHANGE_COLUMNS, rows.changes)
        if rows.next_seq:
            sink.execute_many(_NEXT_SEQ, rows.next_seq)
        for number, subject in rows.created.items():
            known[number] = subject
        self.report.new_subjects += len(rows.subjects)
        self.report.new_sites += len(rows.sites)

    def _rows(self, filings: list[Filing], known: dict[str, _Subject]) -> _Rows:
        rows = _Rows()
        time = self.sink.time
        next_seq: dict[str, int] = {}
        for f in filings:
            next_seq[f.subject_number] = max(next_seq.get(f.subject_number, 0), f.seq + 1)
        cancelled_subjects: list[Filing] = []
        for f in filings:
            approved, cancelled = time(f.approved_at), time(f.cancelled_at)
            subject = rows.created.get(f.subject_number) or known[f.subject_number]
            if subject.id == 0:  # first met in this write: file it
                self.subject_id += 1
                subject = _Subject(self.subject_id, f.subject_name, f.kind, f.document_key, f.subject_cancelled)
                rows.created[f.subject_number] = subject
                rows.subjects.append(
                    (
                        subject.id,
                        f.subject_number,
                        f.province_code,
                        f.year,
                        f.serial,
                        f.subject_name,
                        f.kind,
                        f.document_key,
                        next_seq.pop(f.subject_number),
                        "cancelled" if f.subject_cancelled else "active",
                        approved,
                        cancelled if f.subject_cancelled else None,
                        f.credit_code,
                    )
                )
                if f.subject_cancelled:
                    cancelled_subjects.append(f)
            self.site_id += 1
            site_id = self.site_id
            provider_ids = sorted({self.providers[name] for name in f.providers})
            rows.sites.append(
                (
                    site_id,
                    f.site_number,
                    subject.id,
                    f.seq,
                    f.site_name,
                    f.service_type.value,
                    f.app_id,
                    "active" if f.cancelled_at is None else "cancelled",
                    f"[{', '.join(map(str, provider_ids))}]",
                    approved,
                    f.police_number,
                    cancelled,
                    f.home_url,
                    f.content_types,
                    f.leader_name,
                    f.limit_access,
                )
            )
            rows.links.extend((site_id, p, "[]") for p in provider_ids)
            rows.domains.extend((d, site_id) for d in f.domains)
            # json.dumps' own text, written directly: ascii domains and ids need no escaping.
            domains = ", ".join([f'"{d}"' for d in f.domains])
            payload = (
                f'{{"domains": [{domains}], "provider_ids": [{", ".join(map(str, provider_ids))}],'
                f' "service_type": "{f.service_type.value}"}}'
            )
            rows.changes.append((approved, "site_approved", f.subject_number, f.site_number, payload))
            if f.cancelled_at is not None:
                rows.changes.append(
                    (
                        cancelled,
                        "site_cancelled",
                        f.subject_number,
                        f.site_number,
                        f'{{"domains": [{domains}]}}',
                    )
                )
        for f in cancelled_subjects:
            rows.changes.append((time(f.cancelled_at), "subject_cancelled", f.subject_number, None, "{}"))
        rows.next_seq = [(seq, known[number].id) for number, seq in next_seq.items()]
        return rows

    def _write_one(self, f: Filing, known: dict[str, _Subject]) -> None:
        """One row in its own savepoint (after its batch was refused), with the reason when it fails."""
        subject = known.get(f.subject_number)
        if subject is None or (subject.id == 0 and not self._subject_is_new(f)):
            return
        moving = self._domains_to_move(f)
        if moving is None:
            return
        try:
            with self.sink.savepoint():  # the domains move only if the row goes in
                if moving:
                    self.sink.execute_many("DELETE FROM registry_domains WHERE domain = %s", [(d,) for d in moving])
                self._write([f], known)
        except self.sink.integrity_error as exc:
            self._bad(f, self._why(f, exc))

    def _subject_is_new(self, f: Filing) -> bool:
        """A subject first met in a refused batch: is its document or serial taken by another one?"""
        holder = self.sink.query(
            "SELECT subject_number FROM registry_subjects WHERE document_key = ? AND status = 'active'",
            (f.document_key,),
        )
        if holder and not f.subject_cancelled:
            self._bad(f, f"creditCode / documentKey: this document is already filed as {holder[0][0]}")
            return False
        serial = self.sink.query(
            "SELECT subject_number FROM registry_subjects WHERE province_code = ? AND year = ? AND serial = ?",
            (f.province_code, f.year, f.serial),
        )
        if serial:
            self._bad(f, f"mainLicence: its serial is already filed as {serial[0][0]}")
            return False
        return True

    def _domains_to_move(self, f: Filing) -> list[str] | None:
        """The row's domains held by a cancelled site (they move to this active one); None, and the row is bad,
        when one is held by an active site (or the row is itself cancelled: it cannot take a domain)."""
        if not f.domains:
            return []
        holders = self.sink.query_in(
            "SELECT d.domain, s.site_number, s.status FROM registry_domains d"
            " JOIN registry_sites s ON s.id = d.site_id WHERE d.domain IN ({})",
            list(f.domains),
        )
        taken = [(d, n) for d, n, status in holders if status == "active" or f.cancelled_at is not None]
        if taken:
            self._bad(f, "domain: " + "; ".join(f"{d} is already filed as {n}" for d, n in taken))
            return None
        return [d for d, _, _ in holders]

    def _why(self, f: Filing, exc: Exception) -> str:
        if self.sink.query("SELECT 1 FROM registry_sites WHERE site_number = ?", (f.site_number,)):
            return f"serviceLicence: {f.site_number} is listed twice"
        same_seq = self.sink.query(
            "SELECT s.site_number FROM registry_sites s JOIN registry_subjects j ON j.id = s.subject_id"
            " WHERE j.subject_number = ? AND s.seq = ?",
            (f.subject_number, f.seq),
        )
        if same_seq:
            return f"serviceLicence: the sequence -{f.seq} of this subject is already filed as {same_seq[0][0]}"
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"refused by the database: {message}"

    def _bad(self, f: Filing, reason: str) -> None:
        self.report.bad.append(BadRow(f.line, (reason,)))
