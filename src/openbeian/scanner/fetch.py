"""Fetching home pages with httpx, async: a deadline per attempt, at most 5 redirects, a size cap, retries with
exponential backoff for transient failures (timeouts, dropped connections, HTTP 429 / 502 / 503 / 504; a numeric
Retry-After is honoured up to 30 s), and one clear status per URL.

    status               meaning                                              retried
    fetched              an HTML page (or one without a content type that looks like HTML)
    timeout              no complete answer within the deadline               yes
    connection_error     the connection dropped or the answer was malformed  yes
    refused              nothing listens on that address and port             no
    dns_error            the name does not resolve                            no
    tls_error            the TLS handshake failed (certificate ...)           no
    too_many_redirects   more than the allowed redirects                      no
    too_large            larger than the size cap (announced or read)         no
    not_html             a content type other than HTML                       no
    http_error           HTTP 4xx / 5xx (the code is in http_status)          429, 502, 503, 504
    invalid_url          not an http(s) URL                                   no
"""

from __future__ import annotations

import asyncio
import errno
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

import httpx

from openbeian import __version__

__all__ = ["FetchOptions", "FetchResult", "FetchStatus", "Fetcher"]


class FetchStatus(StrEnum):
    FETCHED = "fetched"
    READ = "read"  # an HTML file given with --html
    UNREADABLE = "unreadable"
    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    REFUSED = "refused"
    DNS_ERROR = "dns_error"
    TLS_ERROR = "tls_error"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    NOT_HTML = "not_html"
    HTTP_ERROR = "http_error"
    INVALID_URL = "invalid_url"

    @property
    def ok(self) -> bool:
        return self in (FetchStatus.FETCHED, FetchStatus.READ)


_TRANSIENT_STATUS = frozenset({FetchStatus.TIMEOUT, FetchStatus.CONNECTION_ERROR})
_TRANSIENT_HTTP = frozenset({429, 502, 503, 504})
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_MAX_RETRY_AFTER = 30.0  # a server asking for longer waits than this is not waited for longer


@dataclass(frozen=True, slots=True)
class FetchOptions:
    timeout: float = 15.0  # seconds per attempt, connecting and reading included
    max_redirects: int = 5
    max_bytes: int = 5_000_000
    retries: int = 2  # extra attempts after a transient failure
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    user_agent: str = f"OpenBeian-footer-scanner/{__version__}"


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: FetchStatus
    final_url: str
    http_status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    attempts: int = 1
    detail: str = ""
    retry_after: float | None = None  # seconds the server asked for (Retry-After on 429 / 503)


def _connect_status(exc: httpx.ConnectError) -> FetchStatus:
    cause: BaseException | None = exc
    text = str(exc).lower()
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return FetchStatus.TLS_ERROR
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return FetchStatus.REFUSED
        cause = cause.__cause__ or cause.__context__
    if "refused" in text:
        return FetchStatus.REFUSED
    if any(s in text for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")):
        return FetchStatus.DNS_ERROR
    if "ssl" in text or "certificate" in text:
        return FetchStatus.TLS_ERROR
    return FetchStatus.CONNECTION_ERROR


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<html" in head or b"<body" in head


class Fetcher:
    """An HTTP client for one run: `async with Fetcher(options) as fetcher: result = await fetcher.fetch(url)`."""

    def __init__(
        self,
        options: FetchOptions | None = None,
        concurrency: int = 20,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.options = options or FetchOptions()
        self._client = httpx.AsyncClient(
            follow_redirects=True,
            max_redirects=self.options.max_redirects,
            timeout=httpx.Timeout(self.options.timeout),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={
                "user-agent": self.options.user_agent,
                "accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            },
            transport=transport,
        )
        self._sleep = sleep or asyncio.sleep

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> FetchResult:
        """Fetch one URL, retrying transient failures; never raises for network trouble."""
        if not url.lower().startswith(("http://", "https://")):
            return FetchResult(url, FetchStatus.INVALID_URL, url, detail="only http:// and https:// URLs")
        attempt = 0
        while True:
            attempt += 1
            result = await self._attempt(url, attempt)
            transient = result.status in _TRANSIENT_STATUS or (
                result.status is FetchStatus.HTTP_ERROR and result.http_status in _TRANSIENT_HTTP
            )
            if not transient or attempt > self.options.retries:
                return result
            delay = self.options.backoff * 2 ** (attempt - 1)
            if result.retry_after is not None:
                delay = min(max(delay, result.retry_after), _MAX_RETRY_AFTER)
            await self._sleep(delay)

    async def _attempt(self, url: str, attempt: int) -> FetchResult:
        try:
            async with asyncio.timeout(self.options.timeout):
                return await self._get(url, attempt)
        except (TimeoutError, httpx.TimeoutException):
            return FetchResult(url, FetchStatus.TIMEOUT, url, attempts=attempt, detail=f"{self.options.timeout:g} s")
        except httpx.TooManyRedirects:
            detail = f"more than {self.options.max_redirects}"
            return FetchResult(url, FetchStatus.TOO_MANY_REDIRECTS, url, attempts=attempt, detail=detail)
        except httpx.ConnectError as exc:
            return FetchResult(url, _connect_status(exc), url, attempts=attempt, detail=str(exc)[:200])
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return FetchResult(url, FetchStatus.INVALID_URL, url, attempts=attempt, detail=str(exc)[:200])
        except httpx.HTTPError as exc:
            detail = str(exc)[:200] or type(exc).__name__
            return FetchResult(url, FetchStatus.CONNECTION_ERROR, url, attempts=attempt, detail=detail)

    async def _get(self, url: str, attempt: int) -> FetchResult:
        cap = self.options.max_bytes
        async with self._client.stream("GET", url) as response:
            content_type = response.headers.get("content-type")

            def result(status: FetchStatus, detail: str = "", body: bytes = b"") -> FetchResult:
                final, code = str(response.url), response.status_code
                wait = response.headers.get("retry-after", "").strip()
                retry_after = float(wait) if wait.isdigit() else None
                return FetchResult(url, status, final, code, content_type, body, attempt, detail, retry_after)

            if response.status_code >= 400:
                return result(FetchStatus.HTTP_ERROR, f"HTTP {response.status_code}")
            media = (content_type or "").split(";")[0].strip().lower()
            if media and media not in _HTML_TYPES:
                return result(FetchStatus.NOT_HTML, media)
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > cap:
                return result(FetchStatus.TOO_LARGE, f"{announced} bytes announced, the cap is {cap}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    return result(FetchStatus.TOO_LARGE, f"over the cap of {cap} bytes")
                chunks.append(chunk)
            body = b"".join(chunks)
            if not media and not _looks_like_html(body):
                return result(FetchStatus.NOT_HTML, "no content type, not HTML")
            return result(FetchStatus.FETCHED, body=body)
