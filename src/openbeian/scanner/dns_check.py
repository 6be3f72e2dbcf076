"""The empty-shell check by DNS (dnspython): a filed domain that no longer resolves to any of its access
provider's IPs is a site without access (空壳网站), which the regulator publishes and cancels.

    status       meaning
    resolves     at least one A / AAAA address is one of the provider's access IPs
    empty_shell  it resolves, but only to addresses elsewhere (the site moved to another provider)
    no_address   NXDOMAIN or no A / AAAA record at all
    dns_error    no usable answer (timeout, SERVFAIL): not judged
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import dns.asyncresolver
import dns.exception
import dns.resolver

from openbeian.scanner.findings import Finding, Severity, finding

__all__ = ["DnsChecker", "DnsResult", "DnsStatus"]


class DnsStatus(StrEnum):
    RESOLVES = "resolves"
    EMPTY_SHELL = "empty_shell"
    NO_ADDRESS = "no_address"
    DNS_ERROR = "dns_error"


@dataclass(frozen=True, slots=True)
class DnsResult:
    domain: str
    status: DnsStatus
    addresses: tuple[str, ...] = ()
    detail: str = ""

    def finding(self) -> Finding | None:
        if self.status is DnsStatus.EMPTY_SHELL:
            shown = ", ".join(self.addresses)
            return finding(
                "empty_shell",
                Severity.ERROR,
                f"{self.domain} resolves to {shown}, none of the provider's access IPs: an empty shell (空壳网站)",
                f"{self.domain} 解析到 {shown}，不是本接入商的接入 IP：空壳网站",
            )
        if self.status is DnsStatus.NO_ADDRESS:
            return finding(
                "empty_shell",
                Severity.ERROR,
                f"{self.domain} does not resolve ({self.detail}): a site without access (空壳网站)",
                f"{self.domain} 无法解析（{self.detail}）：空壳网站",
            )
        if self.status is DnsStatus.DNS_ERROR:
            return finding(
                "dns_error",
                Severity.WARNING,
                f"{self.domain}: no DNS answer ({self.detail}); the empty-shell check could not run",
                f"{self.domain}：DNS 无应答（{self.detail}），无法进行空壳检查",
            )
        return None


def _normalise(ip: str) -> str:
    return str(ipaddress.ip_address(ip))


class DnsChecker:
    """Resolves with the system's resolvers, or with `nameservers` (e.g. ["127.0.0.1"], port=5353)."""

    def __init__(self, nameservers: Iterable[str] | None = None, port: int = 53, timeout: float = 3.0) -> None:
        servers = list(nameservers or [])
        self.resolver = dns.asyncresolver.Resolver(configure=not servers)
        if servers:
            self.resolver.nameservers = servers
        self.resolver.port = port
        self.resolver.lifetime = timeout
        self.resolver.timeout = timeout

    async def _addresses(self, domain: str, rdtype: str) -> tuple[list[str], str]:
        """(addresses, problem): problem is "" on an answer, "nxdomain" / "no answer" / an error otherwise."""
        try:
            answer = await self.resolver.resolve(domain, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return [], "nxdomain"
        except dns.resolver.NoAnswer:
            return [], "no answer"
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.LifetimeTimeout) as exc:
            return [], f"error: {type(exc).__name__}"
        except dns.exception.DNSException as exc:
            return [], f"error: {exc}"
        return [r.to_text() for r in answer], ""

    async def check(self, domain: str, access_ips: Iterable[str]) -> DnsResult:
        (v4, p4), (v6, p6) = await asyncio.gather(self._addresses(domain, "A"), self._addresses(domain, "AAAA"))
        addresses = tuple(sorted({_normalise(a) for a in (*v4, *v6)}))
        if not addresses:
            errors = [p for p in (p4, p6) if p.startswith("error")]
            if errors and p4 != "nxdomain":
                return DnsResult(domain, DnsStatus.DNS_ERROR, detail=errors[0].removeprefix("error: "))
            return DnsResult(domain, DnsStatus.NO_ADDRESS, detail=p4 or p6)
        ours = {_normalise(ip) for ip in access_ips}
        status = DnsStatus.RESOLVES if ours.intersection(addresses) else DnsStatus.EMPTY_SHELL
        return DnsResult(domain, status, addresses)
