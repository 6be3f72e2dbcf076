"""Fetching against real HTTP servers on 127.0.0.1: one clear status per URL."""

from __future__ import annotations

import asyncio

from openbeian.scanner.fetch import Fetcher, FetchOptions, FetchResult, FetchStatus

from .conftest import FixtureSites

QUICK = FetchOptions(timeout=1.0, max_bytes=1_000_000, retries=2, backoff=0.01)


def fetch(url: str, options: FetchOptions = QUICK) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(options) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


def test_an_html_page_is_fetched_with_its_body_and_content_type(sites: FixtureSites) -> None:
    result = fetch(sites.url("/ok"))
    assert (result.status, result.http_status, result.attempts) == (FetchStatus.FETCHED, 200, 1)
    assert "京ICP备2023007649号-1" in result.body.decode()
    assert result.content_type == "text/html; charset=utf-8"


def test_up_to_five_redirects_are_followed_and_a_sixth_is_refused(sites: FixtureSites) -> None:
    five = fetch(sites.url("/redirect/5/"))
    assert five.status is FetchStatus.FETCHED
    assert five.final_url == sites.url("/ok")
    assert fetch(sites.url("/redirect/6/")).status is FetchStatus.TOO_MANY_REDIRECTS


def test_a_slow_page_times_out_after_its_retries(sites: FixtureSites) -> None:
    result = fetch(sites.url("/slow"), FetchOptions(timeout=0.3, retries=1, backoff=0.01))
    assert (result.status, result.attempts) == (FetchStatus.TIMEOUT, 2)


def test_a_page_over_the_size_cap_is_too_large_announced_or_streamed(sites: FixtureSites) -> None:
    assert fetch(sites.url("/huge")).status is FetchStatus.TOO_LARGE
    assert fetch(sites.url("/huge-chunked")).status is FetchStatus.TOO_LARGE


def test_other_content_is_not_html(sites: FixtureSites) -> None:
    result = fetch(sites.url("/pdf"))
    assert (result.status, result.detail) == (FetchStatus.NOT_HTML, "application/pdf")


def test_a_missing_page_is_an_http_error_with_its_code_and_no_retry(sites: FixtureSites) -> None:
    result = fetch(sites.url("/nowhere"))
    assert (result.status, result.http_status, result.attempts) == (FetchStatus.HTTP_ERROR, 404, 1)


def test_a_transient_503_is_retried_with_backoff(sites: FixtureSites) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def go() -> FetchResult:
        async with Fetcher(QUICK, sleep=sleep) as fetcher:
            return await fetcher.fetch(sites.url("/flaky"))

    result = asyncio.run(go())
    assert (result.status, result.attempts) == (FetchStatus.FETCHED, 2)
    assert slept == [0.01]


def test_a_server_asking_to_retry_later_is_given_the_time_it_asks(sites: FixtureSites) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def go() -> FetchResult:
        async with Fetcher(QUICK, sleep=sleep) as fetcher:
            return await fetcher.fetch(sites.url("/busy"))

    result = asyncio.run(go())
    assert (result.status, result.http_status, result.attempts) == (FetchStatus.HTTP_ERROR, 429, 3)
    assert slept == [7.0, 7.0]


def test_a_closed_port_is_refused_without_retrying(closed_port: int) -> None:
    result = fetch(f"http://127.0.0.1:{closed_port}/")
    assert (result.status, result.attempts) == (FetchStatus.REFUSED, 1)


def test_only_http_urls_are_fetched() -> None:
    assert fetch("ftp://example.cn/").status is FetchStatus.INVALID_URL
    assert fetch("file:///etc/passwd").status is FetchStatus.INVALID_URL
