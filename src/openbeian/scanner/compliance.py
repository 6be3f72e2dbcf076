"""A provider's compliance run: every active website filed through the provider, its home page scanned and
verified, its domain checked for an empty shell by DNS; results stored in `scan_results` for the console.

`run_compliance` runs it on demand; `run_due_compliance` is the scheduled run: call it from a background loop
(e.g. every hour) and it runs each provider whose last run is older than `every`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from openbeian.errors import NotFound, Text
from openbeian.scanner.dns_check import DnsChecker, DnsResult
from openbeian.scanner.fetch import FetchOptions
from openbeian.scanner.registry import LocalRegistry, Registry
from openbeian.scanner.scan import PageReport, ScanTarget, scan
from openbeian.services.context import Context
from openbeian.store.schema import (
    instances,
    providers,
    registry_domains,
    registry_site_providers,
    registry_sites,
    scan_results,
)

__all__ = [
    "ComplianceOptions",
    "ComplianceRun",
    "DomainResult",
    "StoredResult",
    "latest_results",
    "provider_id_by_name",
    "run_compliance",
    "run_due_compliance",
]


@dataclass(frozen=True, slots=True)
class ComplianceOptions:
    url_template: str = "http://{domain}/"  # how a filed domain's home page is fetched
    fetch: FetchOptions = field(default_factory=FetchOptions)
    concurrency: int = 20
    dns: DnsChecker | None = None  # None: no empty-shell check
    registry: Registry | None = None  # None: the local database
    verify: bool = True  # False: display rules and DNS only, no registry checks


@dataclass(frozen=True, slots=True)
class DomainResult:
    domain: str
    site_number: str
    report: PageReport
    dns: DnsResult | None

    @property
    def outcome(self) -> str:
        if not self.report.status.ok:
            return "unreachable"
        return "compliant" if self.report.compliant else "non_compliant"


@dataclass(frozen=True, slots=True)
class ComplianceRun:
    run_id: str
    provider_id: int
    scanned_at: datetime
    results: tuple[DomainResult, ...]

    def counts(self) -> dict[str, int]:
        counts = {"compliant": 0, "non_compliant": 0, "unreachable": 0}
        for result in self.results:
            counts[result.outcome] += 1
        return counts


@dataclass(frozen=True, slots=True)
class StoredResult:
    """One row of scan_results, as the console shows it."""

    run_id: str
    domain: str
    site_number: str | None
    url: str
    fetch_status: str
    outcome: str
    dns_status: str | None
    numbers: list[dict[str, Any]]
    findings: list[dict[str, str]]  # {"code", "severity", "en", "zh"}
    scanned_at: datetime


# -- reading the registry and the provider's resources ------------------------------------------------------


def provider_id_by_name(ctx: Context, name: str) -> int:
    with ctx.db.engine.connect() as conn:
        row = conn.execute(
            select(providers.c.id).where(or_(providers.c.name == name, providers.c.name_en == name))
        ).first()
    if row is None:
        raise NotFound(
            Text(f"no provider named {name!r}", f"没有名为「{name}」的接入商"), {"provider": Text(name, name)}
        )
    return int(row[0])


def filed_domains(conn: Connection, provider_id: int) -> list[tuple[str, str]]:
    """(domain, site number) of every active website the provider gives access to."""
    rows = conn.execute(
        select(registry_domains.c.domain, registry_sites.c.site_number)
        .join(registry_sites, registry_sites.c.id == registry_domains.c.site_id)
        .join(registry_site_providers, registry_site_providers.c.site_id == registry_sites.c.id)
        .where(
            and_(
                registry_site_providers.c.provider_id == provider_id,
                registry_sites.c.status == "active",
                registry_sites.c.service_type == "website",
            )
        )
        .order_by(registry_domains.c.domain)
    )
    return [(d, n) for d, n in rows]


def access_ips(conn: Connection, provider_id: int) -> set[str]:
    """Every public IP of the provider's instances."""
    ips: set[str] = set()
    for (text,) in conn.execute(select(instances.c.ips).where(instances.c.provider_id == provider_id)):
        ips.update(json.loads(text))
    return ips


# -- the run --------------------------------------------------------------------------------------------------


async def run_compliance(
    ctx: Context,
    provider_id: int,
    options: ComplianceOptions | None = None,
    on_result: Callable[[DomainResult], None] | None = None,
) -> ComplianceRun:
    """Scan every filed website of the provider, store the results, and return them."""
    options = options or ComplianceOptions()
    with ctx.db.engine.connect() as conn:
        conn = conn.execution_options(readonly=True)
        with conn.begin():
            domains = filed_domains(conn, provider_id)
            ips = access_ips(conn, provider_id)
    site_of = dict(domains)
    targets = [
        ScanTarget(source=domain, url=options.url_template.format(domain=domain), domain=domain)
        for domain, _ in domains
    ]
    registry = (options.registry or LocalRegistry(ctx)) if options.verify else None
    now = ctx.clock.now()
    results: list[DomainResult] = []
    async for report in scan(
        targets, now=now, registry=registry, options=options.fetch, concurrency=options.concurrency
    ):
        dns_result = await options.dns.check(report.source, ips) if options.dns else None
        if dns_result is not None and (extra := dns_result.finding()) is not None:
            report = replace(report, findings=(*report.findings, extra))
        result = DomainResult(report.source, site_of[report.source], report, dns_result)
        results.append(result)
        if on_result is not None:
            on_result(result)
    run = ComplianceRun(uuid.uuid4().hex, provider_id, now, tuple(results))
    _store(ctx, run)
    return run


def _store(ctx: Context, run: ComplianceRun) -> None:
    if not run.results:
        return
    rows = [
        {
            "run_id": run.run_id,
            "provider_id": run.provider_id,
            "domain": r.domain,
            "site_number": r.site_number,
            "url": r.report.final_url or r.domain,
            "fetch_status": r.report.status.value,
            "outcome": r.outcome,
            "dns_status": r.dns.status.value if r.dns else "not_checked",
            "numbers": json.dumps([n.to_dict() for n in r.report.numbers], ensure_ascii=False),
            "findings": json.dumps(
                [
                    {"code": f.code, "severity": f.severity.value, "en": f.text.en, "zh": f.text.zh}
                    for f in r.report.findings
                ],
                ensure_ascii=False,
            ),
            "scanned_at": run.scanned_at,
        }
        for r in run.results
    ]
    with ctx.db.engine.begin() as conn:
        conn.execute(scan_results.insert(), rows)


def latest_results(ctx: Context, provider_id: int) -> list[StoredResult]:
    """The results of the provider's most recent run (empty before the first)."""
    with ctx.db.engine.connect() as conn:
        conn = conn.execution_options(readonly=True)
        with conn.begin():
            last = conn.execute(
                select(scan_results.c.run_id)
                .where(scan_results.c.provider_id == provider_id)
                .order_by(scan_results.c.scanned_at.desc(), scan_results.c.id.desc())
                .limit(1)
            ).scalar()
            if last is None:
                return []
            rows = conn.execute(
                select(scan_results).where(scan_results.c.run_id == last).order_by(scan_results.c.domain)
            ).all()
    return [
        StoredResult(
            run_id=r.run_id,
            domain=r.domain,
            site_number=r.site_number,
            url=r.url,
            fetch_status=r.fetch_status,
            outcome=r.outcome,
            dns_status=r.dns_status,
            numbers=json.loads(r.numbers),
            findings=json.loads(r.findings),
            scanned_at=r.scanned_at,
        )
        for r in rows
    ]


def _last_runs(ctx: Context) -> dict[int, datetime]:
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            select(scan_results.c.provider_id, func.max(scan_results.c.scanned_at)).group_by(scan_results.c.provider_id)
        )
        return {int(p): at for p, at in rows}


async def run_due_compliance(
    ctx: Context, every: timedelta = timedelta(days=1), options: ComplianceOptions | None = None
) -> list[ComplianceRun]:
    """The scheduled run: each provider whose last compliance run is older than `every` (or never ran) is run
    now, one provider after the other. Call it from a background loop; it returns the runs that scanned something."""
    with ctx.db.engine.connect() as conn:
        provider_ids = [int(p) for (p,) in conn.execute(select(providers.c.id).order_by(providers.c.id))]
    last = _last_runs(ctx)
    now = ctx.clock.now()
    runs = []
    for provider_id in provider_ids:
        at = last.get(provider_id)
        if at is not None and now - _aware(at) < every:
            continue
        run = await run_compliance(ctx, provider_id, options)
        if run.results:  # a provider without filed websites has nothing to store and nothing to report
            runs.append(run)
    return runs


def _aware(at: datetime) -> datetime:
    """func.max() comes back without the column type: naive on SQLite, aware on PostgreSQL."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at if at.tzinfo else at.replace(tzinfo=UTC)
