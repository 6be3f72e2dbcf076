"""The scan pipeline: fetch (or read) each page, extract its numbers, judge the display rules, verify against a
registry; one `PageReport` per page, yielded in the order the targets came, with bounded concurrency.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from openbeian.domain.domains import parse_domain
from openbeian.errors import ValidationError
from openbeian.scanner.extract import FoundNumber, PageExtraction, extract
from openbeian.scanner.fetch import Fetcher, FetchOptions, FetchResult, FetchStatus
from openbeian.scanner.findings import Finding, Severity, fetch_failed, finding, judge_display, police_shown
from openbeian.scanner.registry import CachedRegistry, Registry, verify

__all__ = ["PageReport", "ScanTarget", "scan", "target_for"]


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """A page to scan: a URL to fetch or an HTML file to read. `domain` overrides the URL's host for the
    registry checks (a provider run fetches through a URL template but judges the filed domain)."""

    source: str
    url: str | None = None
    path: Path | None = None
    domain: str | None = None


def target_for(text: str) -> ScanTarget:
    """A target for what a user typed: a URL, or a bare domain (fetched as http://DOMAIN/)."""
    text = text.strip()
    url = text if "://" in text else f"http://{text}/"
    return ScanTarget(source=text, url=url)


@dataclass(frozen=True, slots=True)
class PageReport:
    source: str
    status: FetchStatus
    final_url: str | None = None
    http_status: int | None = None
    domain: str | None = None
    title: str = ""
    encoding: str | None = None
    numbers: tuple[FoundNumber, ...] = ()
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def compliant(self) -> bool:
        return self.status.ok and not any(f.severity is Severity.ERROR for f in self.findings)

    def to_json(self, lang: str = "en") -> dict[str, object]:
        """The `scan --json` object: {"source", "status", "numbers": [...], "findings": [...]}."""
        return {
            "source": self.source,
            "status": self.status.value,
            "numbers": [n.to_dict() for n in self.numbers],
            "findings": [f.to_dict(lang) for f in self.findings],
        }


def _domain_of(target: ScanTarget, final_url: str | None) -> str | None:
    """The domain whose filing the page must carry: the target's, else the final URL's host (not an IP)."""
    candidate = target.domain or (urlsplit(final_url).hostname if final_url else None)
    if not candidate:
        return None
    try:
        return parse_domain(candidate).ascii
    except ValidationError:
        return None


async def _read(target: ScanTarget) -> FetchResult:
    assert target.path is not None
    try:
        body = await asyncio.to_thread(target.path.read_bytes)
    except OSError as exc:
        return FetchResult(target.source, FetchStatus.UNREADABLE, target.source, detail=exc.strerror or str(exc))
    return FetchResult(target.source, FetchStatus.READ, target.source, body=body)


async def _judge(target: ScanTarget, fetched: FetchResult, registry: Registry | None, now: datetime) -> PageReport:
    final_url = fetched.final_url if target.url else None
    domain = _domain_of(target, final_url)

    def report(findings: list[Finding], page: PageExtraction | None = None) -> PageReport:
        return PageReport(
            target.source,
            fetched.status,
            final_url=final_url,
            http_status=fetched.http_status,
            domain=domain,
            title=page.title if page else "",
            encoding=page.encoding if page else None,
            numbers=page.numbers if page else (),
            findings=tuple(findings),
        )

    if not fetched.status.ok:
        return report([fetch_failed(fetched.status, fetched.detail)])
    page = extract(fetched.body, fetched.content_type)  # about 1 ms per 100 KB: cheaper inline than in a thread
    findings = judge_display(page)
    if registry is not None:
        findings += await verify(page, domain, registry, now)
    elif not police_shown(page):
        findings.append(
            finding(
                "police_not_shown",
                Severity.INFO,
                "no police filing number (due within 30 days of the site opening; not verified)",
                "未显示公安备案号（网站开通后 30 日内须办理；未核验）",
            )
        )
    return report(findings, page)


async def scan(
    targets: Iterable[ScanTarget],
    *,
    now: datetime,
    registry: Registry | None = None,
    options: FetchOptions | None = None,
    concurrency: int = 20,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[PageReport]:
    """Scan every target, at most `concurrency` at once; reports come in the targets' order."""
    cached = CachedRegistry(registry) if registry is not None else None
    gate = asyncio.Semaphore(concurrency)
    async with Fetcher(options, concurrency, transport) as fetcher:

        async def one(target: ScanTarget) -> PageReport:
            async with gate:
                fetched = await _read(target) if target.path is not None else await fetcher.fetch(target.url or "")
                return await _judge(target, fetched, cached, now)

        pending: deque[asyncio.Task[PageReport]] = deque()
        try:
            for target in targets:
                pending.append(asyncio.create_task(one(target)))
                if len(pending) >= concurrency * 4:
                    yield await pending.popleft()
            while pending:
                yield await pending.popleft()
        finally:
            for task in pending:
                task.cancel()
