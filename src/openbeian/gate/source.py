"""Where the gate's state comes from: the registry database, read by raw streaming SQL (never the service's
per-call unit of work), and the JSON the change feed and the snapshot carry.

- `load_index(database_url | engine)`: a GateIndex built from the registry, consistent at a change-log sequence
  number (one read transaction), ready to follow the change log from there.
- `snapshot_lines(engine)`: the same state as JSON Lines (what `GET /api/v1/registry/snapshot` streams): a header
  `{"seq", "providers"}`, then one `{"site": ...}` line per filed site and one `{"domain": ...}` line per domain
  blacklisted or held by an order in review.
- `with_states(conn, changes)`: each change of the change log with the absolute state of what it touched
  (`"gate": {"sites": [...], "domains": [...]}`), read at serving time: a replica applies it without a database,
  and since the state is at least as new as the change, applying changes in order converges on the registry.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from openbeian.gate.decision import BadHost, Decision, Verdict, normalise_host, parents
from openbeian.gate.index import DomainState, GateIndex, Review, SiteState
from openbeian.store.database import create_db_engine
from openbeian.store.registry import RegistryRepository

IN_REVIEW = ("provider_review", "verification", "sms_check", "regulator_review")
_REVIEW_STAGES = ", ".join(f"'{s}'" for s in IN_REVIEW)

_SITE_ROWS = """
SELECT s.id, s.site_number, s.status, s.provider_ids, j.document_key, j.status AS subject_status,
       (SELECT n.due_at FROM cleanup_notices n WHERE n.number = s.site_number AND n.resolved IS NULL) AS due_at
FROM registry_sites s JOIN registry_subjects j ON j.id = s.subject_id
{where}
"""
_DOMAIN_ROWS = """
SELECT d.domain, s.id, s.site_number, s.status, s.provider_ids, j.document_key, j.status AS subject_status,
       (SELECT n.due_at FROM cleanup_notices n WHERE n.number = s.site_number AND n.resolved IS NULL) AS due_at
FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id JOIN registry_subjects j ON j.id = s.subject_id
"""
_REVIEWS = f"""
SELECT od.domain, o.provider_id, o.kind, o.stage FROM order_domains od JOIN orders o ON o.id = od.order_id
WHERE o.stage IN ({_REVIEW_STAGES})
"""


def engine_for(database: str | Engine) -> Engine:
    return create_db_engine(database) if isinstance(database, str) else database


def _read(conn: Connection) -> Connection:
    """One consistent read: SQLite's deferred BEGIN takes its snapshot at the first read; PostgreSQL repeatable read."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ", readonly=True)
    return conn.execution_options(readonly=True)


# -- small tables ---------------------------------------------------------------------------------------------
def current_seq(conn: Connection) -> int:
    return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM registry_changes")).scalar_one())


def providers(conn: Connection) -> dict[int, tuple[str, str]]:
    """id -> (name, English name)."""
    return {int(i): (str(n), str(e)) for i, n, e in conn.execute(text("SELECT id, name, name_en FROM providers"))}


def provider_id(conn: Connection, name: str) -> int | None:
    """A provider by its name, English name or id (as typed on the command line)."""
    row = conn.execute(
        text("SELECT id FROM providers WHERE name = :n OR name_en = :n OR CAST(id AS VARCHAR(20)) = :n"), {"n": name}
    ).first()
    return None if row is None else int(row[0])


def blacklisted_subjects(conn: Connection) -> set[str]:
    return {str(v) for (v,) in conn.execute(text("SELECT value FROM blacklist WHERE kind = 'subject'"))}


def blacklisted_domains(conn: Connection) -> set[str]:
    return {str(v) for (v,) in conn.execute(text("SELECT value FROM blacklist WHERE kind = 'domain'"))}


def reviews(conn: Connection, domains: Iterable[str] | None = None) -> dict[str, Review]:
    query = _REVIEWS
    params: dict[str, Any] = {}
    wanted = None if domains is None else list(domains)
    if wanted is not None:
        if not wanted:
            return {}
        query += " AND od.domain IN (" + ", ".join(f":d{i}" for i in range(len(wanted))) + ")"
        params = {f"d{i}": d for i, d in enumerate(wanted)}
    return {
        str(domain): Review(int(provider), kind == "add_access" and stage != "provider_review")
        for domain, provider, kind, stage in conn.execute(text(query), params)
    }


def access_ips(conn: Connection, site_ids: Iterable[int] | None = None) -> dict[int, dict[int, tuple[str, ...]]]:
    query = "SELECT site_id, provider_id, ips FROM registry_site_providers"
    params: dict[str, Any] = {}
    if site_ids is not None:
        ids = list(site_ids)
        if not ids:
            return {}
        query += " WHERE site_id IN (" + ", ".join(f":s{i}" for i in range(len(ids))) + ")"
        params = {f"s{i}": s for i, s in enumerate(ids)}
    out: dict[int, dict[int, tuple[str, ...]]] = {}
    for site_id, provider, ips in conn.execute(text(query), params):
        out.setdefault(int(site_id), {})[int(provider)] = tuple(json.loads(ips))
    return out


# -- site states ------------------------------------------------------------------------------------------------
class _Sites:
    """Turns site rows into SiteStates, parsing each distinct provider list once."""

    def __init__(self, blacklisted: set[str], ips: Mapping[int, Mapping[int, tuple[str, ...]]] | None) -> None:
        self.blacklisted = blacklisted
        self.ips = ips
        self._providers: dict[str, dict[int, tuple[str, ...]]] = {}

    def state(self, row: Any, domains: tuple[str, ...]) -> SiteState:
        site_id, number, status, provider_ids, document_key, subject_status, due_at = row[:7]
        if status == "active" and subject_status != "active":
            status = "cancelled"
        if status == "active" and document_key in self.blacklisted:
            status = "suspended"
        if self.ips is not None:
            access: Mapping[int, tuple[str, ...]] = self.ips.get(int(site_id), {})
        else:
            access = self._providers.get(provider_ids) or self._providers.setdefault(
                provider_ids, {int(p): () for p in json.loads(provider_ids)}
            )
        return SiteState(str(number), str(status), domains, access, _epoch(due_at))


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def site_states(conn: Connection, numbers: Iterable[str] = (), subject_numbers: Iterable[str] = ()) -> list[SiteState]:
    """The absolute states of these sites and of every site of these subjects."""
    wanted, subjects = sorted(set(numbers)), sorted(set(subject_numbers))
    if not wanted and not subjects:
        return []
    clauses, params = [], {}
    if wanted:
        clauses.append("s.site_number IN (" + ", ".join(f":n{i}" for i in range(len(wanted))) + ")")
        params.update({f"n{i}": n for i, n in enumerate(wanted)})
    if subjects:
        clauses.append("j.subject_number IN (" + ", ".join(f":j{i}" for i in range(len(subjects))) + ")")
        params.update({f"j{i}": n for i, n in enumerate(subjects)})
    rows = conn.execute(text(_SITE_ROWS.format(where="WHERE " + " OR ".join(clauses))), params).all()
    if not rows:
        return []
    ids = [int(r[0]) for r in rows]
    domains: dict[int, list[str]] = {}
    marks = ", ".join(f":s{i}" for i in range(len(ids)))
    found = conn.execute(
        text(f"SELECT site_id, domain FROM registry_domains WHERE site_id IN ({marks}) ORDER BY domain"),
        {f"s{i}": s for i, s in enumerate(ids)},
    )
    for site_id, domain in found:
        domains.setdefault(int(site_id), []).append(str(domain))
    maker = _Sites(blacklisted_subjects(conn), access_ips(conn, ids))
    return [maker.state(r, tuple(domains.get(int(r[0]), ()))) for r in rows]


def domain_states(conn: Connection, domains: Iterable[str]) -> list[DomainState]:
    wanted = sorted(set(domains))
    if not wanted:
        return []
    marks = ", ".join(f":d{i}" for i in range(len(wanted)))
    params = {f"d{i}": d for i, d in enumerate(wanted)}
    held = {
        str(d): str(n)
        for d, n in conn.execute(
            text(
                "SELECT d.domain, s.site_number FROM registry_domains d JOIN registry_sites s ON s.id = d.site_id"
                f" WHERE d.domain IN ({marks})"
            ),
            params,
        )
    }
    listed = {
        str(v)
        for (v,) in conn.execute(
            text(f"SELECT value FROM blacklist WHERE kind = 'domain' AND value IN ({marks})"), params
        )
    }
    in_review = reviews(conn, wanted)
    return [DomainState(d, held.get(d), d in listed, in_review.get(d)) for d in wanted]


# -- JSON -------------------------------------------------------------------------------------------------------
def site_json(state: SiteState) -> dict[str, Any]:
    return {
        "number": state.number,
        "status": state.status,
        "domains": list(state.domains),
        "providers": {str(p): list(ips) for p, ips in state.providers.items()},
        "notice_due": state.notice_due,
    }


def domain_json(state: DomainState) -> dict[str, Any]:
    review = state.review
    return {
        "domain": state.domain,
        "site": state.site,
        "blacklisted": state.blacklisted,
        "review": None
        if review is None
        else {"provider_id": review.provider_id, "access_passed": review.access_passed},
    }


def site_from_json(data: Mapping[str, Any]) -> SiteState:
    return SiteState(
        str(data["number"]),
        str(data["status"]),
        tuple(data["domains"]),
        {int(p): tuple(ips) for p, ips in data["providers"].items()},
        data.get("notice_due"),
    )


def domain_from_json(data: Mapping[str, Any]) -> DomainState:
    review = data.get("review")
    return DomainState(
        str(data["domain"]),
        data.get("site"),
        bool(data.get("blacklisted")),
        None if review is None else Review(int(review["provider_id"]), bool(review["access_passed"])),
    )


# -- the change feed ------------------------------------------------------------------------------------------
def with_states(conn: Connection, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add to each change the absolute state of the sites and domains it touched (see the module docstring)."""
    numbers, subjects, domains = set(), set(), set()
    for change in changes:
        payload = change["payload"]
        if change["site_number"]:
            numbers.add(change["site_number"])
        elif change["action"] in ("subject_cancelled", "blacklisted") and change["subject_number"]:
            subjects.add(change["subject_number"])
        domains.update(_touched_domains(payload))
    sites = site_states(conn, numbers, subjects)
    by_number = {s.number: s for s in sites}
    by_subject: dict[str, list[SiteState]] = {}
    if subjects:
        rows = conn.execute(
            text(
                "SELECT j.subject_number, s.site_number FROM registry_sites s"
                " JOIN registry_subjects j ON j.id = s.subject_id WHERE j.subject_number IN ("
                + ", ".join(f":j{i}" for i in range(len(subjects)))
                + ")"
            ),
            {f"j{i}": n for i, n in enumerate(sorted(subjects))},
        )
        for subject, number in rows:
            if number in by_number:
                by_subject.setdefault(str(subject), []).append(by_number[number])
    states = {d.domain: d for d in domain_states(conn, domains)}
    for change in changes:
        touched_sites = []
        if change["site_number"] in by_number:
            touched_sites.append(by_number[change["site_number"]])
        elif change["action"] in ("subject_cancelled", "blacklisted"):
            touched_sites.extend(by_subject.get(change["subject_number"], []))
        touched_domains = [states[d] for d in _touched_domains(change["payload"]) if d in states]
        change["gate"] = {
            "sites": [site_json(s) for s in touched_sites],
            "domains": [domain_json(d) for d in touched_domains],
        }
    return changes


def _touched_domains(payload: Mapping[str, Any]) -> list[str]:
    out = [str(d) for key in ("domains", "domains_removed") for d in payload.get(key, ()) or ()]
    if "domain" in payload:
        out.append(str(payload["domain"]))
    return out


def apply_feed_change(index: GateIndex, change: Mapping[str, Any]) -> None:
    gate = change.get("gate") or {}
    index.apply_change(
        int(change["seq"]),
        [site_from_json(s) for s in gate.get("sites", ())],
        [domain_from_json(d) for d in gate.get("domains", ())],
    )


def read_changes(engine: Engine, since: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """The newest sequence number and the changes after `since` with their states, in one read transaction."""
    with engine.connect() as raw:
        conn = raw.execution_options(readonly=True)
        with conn.begin():
            newest = current_seq(conn)
            if since >= newest:
                return newest, []
            changes = with_states(conn, RegistryRepository(conn).changes_since(since, limit))
    for change in changes:
        at = change["at"]
        change["at"] = at.isoformat() if isinstance(at, datetime) else str(at)
    return newest, changes


def newest_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        return current_seq(conn)


# -- the whole state ------------------------------------------------------------------------------------------
def load_index(database: str | Engine, strict: bool = False, clock: Callable[[], float] = time.time) -> GateIndex:
    """Build the index from the registry in one read transaction (two streaming passes over the domains)."""
    engine = engine_for(database)
    index = GateIndex(strict, clock)
    with engine.connect() as raw, _read(raw).begin():
        conn = raw
        index.seq = current_seq(conn)
        index.provider_names = providers(conn)
        maker = _Sites(blacklisted_subjects(conn), access_ips(conn) if strict else None)

        def keys() -> Iterator[str]:
            for (domain,) in conn.execution_options(stream_results=True).execute(
                text("SELECT domain FROM registry_domains")
            ):
                yield str(domain)

        def entries() -> Iterator[tuple[str, int]]:
            words: dict[str, int] = {}
            rows = conn.execution_options(stream_results=True).execute(text(_DOMAIN_ROWS))
            for row in rows:
                number = row[2]
                word = words.get(number)
                if word is None:
                    state = maker.state(tuple(row[1:]), ())
                    word = index.pack(state)
                    if len(words) > 100_000:
                        words.clear()
                    words[number] = word
                yield str(row[0]), word

        index.load(keys(), entries())
        for state in domain_states(conn, blacklisted_domains(conn) | set(reviews(conn))):
            index.apply_domain(state)
    return index


def snapshot_lines(engine: Engine) -> Iterator[str]:
    """The decision state as JSON Lines, consistent at the header's seq (one read transaction; three cursors over
    the sites, their domains and their access records, merged by site id, so memory stays flat)."""
    with engine.connect() as raw, _read(raw).begin():
        conn = raw
        yield json.dumps(
            {"seq": current_seq(conn), "providers": {str(k): list(v) for k, v in providers(conn).items()}},
            ensure_ascii=False,
        )
        maker = _Sites(blacklisted_subjects(conn), None)
        stream = conn.execution_options(stream_results=True)
        rows = stream.execute(text(_SITE_ROWS.format(where="") + " ORDER BY s.id"))
        domains = _Merged(stream.execute(text("SELECT site_id, domain FROM registry_domains ORDER BY site_id, domain")))
        access = _Merged(
            stream.execute(text("SELECT site_id, provider_id, ips FROM registry_site_providers ORDER BY site_id"))
        )
        for row in rows:
            site_id = int(row[0])
            state = maker.state(row, tuple(str(d) for (d,) in domains.take(site_id)))
            data = site_json(state)
            data["providers"] = {str(p): json.loads(ips) for p, ips in access.take(site_id)}
            yield json.dumps({"site": data}, ensure_ascii=False)
        listed = blacklisted_domains(conn)
        in_review = reviews(conn)
        held = {d.domain: d.site for d in domain_states(conn, listed | set(in_review))}
        for domain in sorted(listed | set(in_review)):
            entry = DomainState(domain, held.get(domain), domain in listed, in_review.get(domain))
            yield json.dumps({"domain": domain_json(entry)})


class _Merged:
    """Rows of a cursor ordered by site id, taken site by site alongside the sites' own cursor."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self._rows = iter(rows)
        self._next: Any = next(self._rows, None)

    def take(self, site_id: int) -> list[tuple[Any, ...]]:
        out = []
        while self._next is not None and int(self._next[0]) < site_id:
            self._next = next(self._rows, None)
        while self._next is not None and int(self._next[0]) == site_id:
            out.append(tuple(self._next[1:]))
            self._next = next(self._rows, None)
        return out


# -- a few hosts, straight from the database (`gate check`, the provider console) ------------------------------
def check_host(
    database: str | Engine,
    host: str,
    provider: int | None = None,
    server_addr: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Verdict:
    """The decision for one host read from the registry now, without building the whole index."""
    try:
        name = normalise_host(host)
    except BadHost as err:
        return Verdict(Decision.UNKNOWN, err.reason, None, host)
    return decide_many(database, [name], provider, server_addr, clock)[0]


def decide_many(
    database: str | Engine,
    names: list[str],
    provider: int | None = None,
    server_addr: str | None = None,
    clock: Callable[[], float] = time.time,
) -> list[Verdict]:
    """Decisions for normalised names read from the registry now: the states of the names and their parents go
    into an empty index, which then decides as the full one would."""
    engine = engine_for(database)
    index = GateIndex(server_addr is not None, clock)
    candidates = sorted({c for name in names for c in parents(name)})
    with engine.connect() as raw, _read(raw).begin():
        conn = raw
        held = []
        for start in range(0, len(candidates), 500):
            held += domain_states(conn, candidates[start : start + 500])
        for state in held:
            index.apply_domain(state)
        numbers = sorted({d.site for d in held if d.site})
        for start in range(0, len(numbers), 500):
            for site in site_states(conn, numbers[start : start + 500]):
                index.apply_site(site)
    return [index.decide_name(name, provider, server_addr) for name in names]


def provider_domains(conn: Connection, provider: int, limit: int = 5000) -> list[str]:
    """The domains a provider hosts or has hosted (filed sites with its access record) and those of its orders in
    flight, in name order."""
    rows = conn.execute(
        text(
            "SELECT d.domain FROM registry_site_providers p JOIN registry_domains d ON d.site_id = p.site_id"
            " WHERE p.provider_id = :p"
            " UNION SELECT od.domain FROM order_domains od JOIN orders o ON o.id = od.order_id"
            " WHERE o.provider_id = :p ORDER BY 1 LIMIT :limit"
        ),
        {"p": provider, "limit": limit},
    )
    return [str(d) for (d,) in rows]
