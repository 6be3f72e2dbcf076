"""The empty-shell DNS check against a local DNS server, and a provider's compliance run end to end."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from openbeian.clock import FixedClock
from openbeian.scanner.compliance import (
    ComplianceOptions,
    latest_results,
    provider_id_by_name,
    run_compliance,
    run_due_compliance,
)
from openbeian.scanner.dns_check import DnsChecker, DnsStatus
from openbeian.scanner.fetch import FetchOptions
from openbeian.services.context import Context
from openbeian.simulate.driver import PROVIDER_NAME

from .conftest import FixtureDns, FixtureSites
from .fixture_pages import footer_page
from .test_verify import website

if TYPE_CHECKING:
    from conftest import Filings


def test_the_dns_check_tells_access_elsewhere_and_no_address(dns_server: FixtureDns) -> None:
    dns_server.zone.update(
        {"here.cn": ["47.95.1.2"], "moved.cn": ["203.0.113.9"], "v6.cn": ["2001:db8::1", "203.0.113.10"]}
    )
    checker = DnsChecker(["127.0.0.1"], dns_server.port, timeout=2)
    ours = {"47.95.1.2", "2001:0db8:0000::1"}

    async def go() -> list[tuple[DnsStatus, tuple[str, ...]]]:
        results = [await checker.check(d, ours) for d in ("here.cn", "moved.cn", "v6.cn", "gone.cn")]
        return [(r.status, r.addresses) for r in results]

    assert asyncio.run(go()) == [
        (DnsStatus.RESOLVES, ("47.95.1.2",)),
        (DnsStatus.EMPTY_SHELL, ("203.0.113.9",)),
        (DnsStatus.RESOLVES, ("2001:db8::1", "203.0.113.10")),
        (DnsStatus.NO_ADDRESS, ()),
    ]


def test_a_dns_server_that_does_not_answer_is_an_error_not_an_empty_shell(closed_port: int) -> None:
    checker = DnsChecker(["127.0.0.1"], closed_port, timeout=0.3)
    result = asyncio.run(checker.check("here.cn", {"47.95.1.2"}))
    assert result.status is DnsStatus.DNS_ERROR
    finding = result.finding()
    assert finding is not None and finding.severity.value == "warning"


def test_a_provider_run_scans_every_filed_domain_and_stores_the_results(
    ctx: Context, filings: Filings, sites: FixtureSites, dns_server: FixtureDns
) -> None:
    orders = [filings.approved()[1] for _ in range(3)]
    (good_number, good), (moved_number, moved), (_, gone) = (website(o) for o in orders)
    sites.add(f"/sites/{good}/", footer_page(icp=good_number))
    sites.add(f"/sites/{moved}/", footer_page(icp=moved_number))
    dns_server.zone.update({good: list(orders[0].access.ips), moved: ["203.0.113.9"]})
    provider_id = provider_id_by_name(ctx, PROVIDER_NAME)
    options = ComplianceOptions(
        url_template=sites.url("/sites/{domain}/"),
        fetch=FetchOptions(timeout=2, retries=0),
        dns=DnsChecker(["127.0.0.1"], dns_server.port, timeout=2),
    )

    run = asyncio.run(run_compliance(ctx, provider_id, options))

    outcomes = {r.domain: (r.outcome, r.dns.status.value if r.dns else None) for r in run.results}
    assert outcomes[good] == ("compliant", "resolves")
    assert outcomes[moved] == ("non_compliant", "empty_shell")
    assert outcomes[gone] == ("unreachable", "no_address")
    stored = {r.domain: r for r in latest_results(ctx, provider_id)}
    assert set(stored) == {r.domain for r in run.results}
    assert stored[good].site_number == good_number
    assert stored[good].numbers[0]["canonical"] == good_number
    assert "empty_shell" in [f["code"] for f in stored[moved].findings]
    assert all(r.run_id == run.run_id for r in stored.values())


def test_the_scheduled_run_runs_each_provider_once_per_period(
    ctx: Context, filings: Filings, sites: FixtureSites
) -> None:
    filings.approved()
    options = ComplianceOptions(url_template=sites.url("/sites/{domain}/"), fetch=FetchOptions(timeout=2, retries=0))
    first = asyncio.run(run_due_compliance(ctx, timedelta(days=1), options))
    assert [r.provider_id for r in first] == [provider_id_by_name(ctx, PROVIDER_NAME)]
    assert asyncio.run(run_due_compliance(ctx, timedelta(days=1), options)) == []
    assert isinstance(ctx.clock, FixedClock)
    ctx.clock.advance(timedelta(days=1, minutes=1))
    again = asyncio.run(run_due_compliance(ctx, timedelta(days=1), options))
    assert [r.provider_id for r in again] == [provider_id_by_name(ctx, PROVIDER_NAME)]
