"""Verification against a registry: the local database (`LocalRegistry`, through RegistryService) or another
OpenBeian by URL (`RemoteRegistry`, through its GET /api/v1/registry).

For each valid ICP filing number a page displays: it exists, it is active, and it belongs to the scanned
domain's registrable domain (phishing sites copy real numbers). The police number must be shown once the
domain's filing is more than 30 days old. Answers are cached per run: a crawl asks once per number.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from openbeian.domain.domains import parse_domain
from openbeian.domain.numbers import NumberKind
from openbeian.errors import OpenBeianError, Text, ValidationError
from openbeian.scanner.extract import PageExtraction
from openbeian.scanner.findings import Finding, Severity, finding, police_shown
from openbeian.services.context import Context
from openbeian.services.registry import PublicRecord, RegistryService

__all__ = ["POLICE_DUE", "LocalRegistry", "Registry", "RegistryEntry", "RemoteRegistry", "verify"]

POLICE_DUE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    site_number: str
    subject_number: str
    status: str
    domains: tuple[str, ...]  # registrable domains, ascii
    approved_at: datetime


class Registry(Protocol):
    async def by_number(self, canonical: str) -> list[RegistryEntry]: ...

    async def by_domain(self, domain: str) -> list[RegistryEntry]: ...


def _registrable(domain: str) -> str:
    try:
        return parse_domain(domain).registrable
    except ValidationError:
        return domain.lower()


def _entry(record: dict[str, Any]) -> RegistryEntry:
    return RegistryEntry(
        site_number=str(record["site_number"]),
        subject_number=str(record["subject_number"]),
        status=str(record["status"]),
        domains=tuple(sorted({_registrable(str(d)) for d in record.get("domains", [])})),
        approved_at=datetime.fromisoformat(str(record["approved_at"])),
    )


def _entries(records: list[PublicRecord]) -> list[RegistryEntry]:
    return [_entry(r.to_dict()) for r in records]


class LocalRegistry:
    """The registry of this OpenBeian's own database."""

    def __init__(self, ctx: Context) -> None:
        self._service = RegistryService(ctx)

    async def by_number(self, canonical: str) -> list[RegistryEntry]:
        return _entries(await asyncio.to_thread(self._service.by_number, canonical))

    async def by_domain(self, domain: str) -> list[RegistryEntry]:
        return _entries(await asyncio.to_thread(self._service.by_domain, domain))


class RemoteRegistry:
    """Another OpenBeian's public registry API, e.g. RemoteRegistry("https://beian.example.org")."""

    def __init__(self, base_url: str, client: httpx.AsyncClient | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._owns_client = client is None

    async def _query(self, **params: str) -> list[RegistryEntry]:
        try:
            response = await self._client.get(f"{self.base_url}/api/v1/registry", params=params)
        except httpx.HTTPError as exc:
            raise OpenBeianError(
                Text(f"the registry at {self.base_url} cannot be reached: {exc}", f"无法访问备案系统 {self.base_url}")
            ) from None
        if response.status_code == 422:
            return []
        if response.status_code != 200:
            raise OpenBeianError(
                Text(
                    f"the registry at {self.base_url} answered HTTP {response.status_code}",
                    f"备案系统 {self.base_url} 返回 HTTP {response.status_code}",
                )
            )
        return [_entry(r) for r in response.json().get("records", [])]

    async def by_number(self, canonical: str) -> list[RegistryEntry]:
        return await self._query(number=canonical)

    async def by_domain(self, domain: str) -> list[RegistryEntry]:
        return await self._query(domain=domain)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


class CachedRegistry:
    """One answer per question for the length of a run, also when many pages ask at once."""

    def __init__(self, inner: Registry) -> None:
        self.inner = inner
        self._numbers: dict[str, asyncio.Task[list[RegistryEntry]]] = {}
        self._domains: dict[str, asyncio.Task[list[RegistryEntry]]] = {}

    async def by_number(self, canonical: str) -> list[RegistryEntry]:
        if canonical not in self._numbers:
            self._numbers[canonical] = asyncio.ensure_future(self.inner.by_number(canonical))
        return await asyncio.shield(self._numbers[canonical])

    async def by_domain(self, domain: str) -> list[RegistryEntry]:
        if domain not in self._domains:
            self._domains[domain] = asyncio.ensure_future(self.inner.by_domain(domain))
        return await asyncio.shield(self._domains[domain])


def _unavailable(exc: Exception) -> Finding:
    message = exc.text if isinstance(exc, OpenBeianError) else Text(str(exc), str(exc))
    return Finding(
        "registry_unavailable",
        Severity.WARNING,
        Text(f"not verified: {message.en}", f"未能核验：{message.zh}"),
    )


async def _verify_number(canonical: str, registrable: str | None, registry: Registry) -> list[Finding]:
    entries = await registry.by_number(canonical)
    if not entries:
        return [
            finding(
                "not_in_registry",
                Severity.ERROR,
                f"{canonical} is not in the registry",
                f"备案系统中没有 {canonical}",
            )
        ]
    active = [e for e in entries if e.status == "active"]
    if not active:
        return [
            finding(
                "not_active",
                Severity.ERROR,
                f"{canonical} is {entries[0].status}, not active",
                f"{canonical} 已{'注销' if entries[0].status == 'cancelled' else '撤销'}，不是有效备案",
            )
        ]
    if registrable is not None and not any(registrable in e.domains for e in active):
        filed = ", ".join(sorted({d for e in active for d in e.domains})) or "-"
        return [
            finding(
                "not_for_domain",
                Severity.ERROR,
                f"{canonical} is filed for {filed}, not for {registrable}",
                f"{canonical} 的备案域名是 {filed}，不是 {registrable}",
            )
        ]
    return []


async def _verify_police(domain: str, registry: Registry, now: datetime) -> list[Finding]:
    entries = [e for e in await registry.by_domain(domain) if e.status == "active"]
    if not entries:
        return []
    approved = min(e.approved_at for e in entries)
    due = approved + POLICE_DUE
    if now > due:
        return [
            finding(
                "police_missing",
                Severity.ERROR,
                f"no police filing number, due since {due.date().isoformat()} (30 days after approval)",
                f"未显示公安备案号，应于 {due.date().isoformat()} 前完成（备案通过后 30 日内）",
            )
        ]
    return [
        finding(
            "police_due",
            Severity.INFO,
            f"no police filing number yet; due by {due.date().isoformat()}",
            f"尚未显示公安备案号，应于 {due.date().isoformat()} 前完成",
        )
    ]


async def verify(page: PageExtraction, domain: str | None, registry: Registry, now: datetime) -> list[Finding]:
    """The registry findings of a page from `domain` (None: the ownership and police checks are skipped)."""
    registrable = _registrable(domain) if domain else None
    numbers = sorted({n.canonical for n in page.of_kind(NumberKind.ICP_FILING) if n.valid})
    findings: list[Finding] = []
    try:
        for canonical in numbers:
            findings.extend(await _verify_number(canonical, registrable, registry))
        if domain and not police_shown(page):
            findings.extend(await _verify_police(domain, registry, now))
    except (OpenBeianError, httpx.HTTPError, ValueError, KeyError) as exc:
        findings.append(_unavailable(exc))
    return findings
