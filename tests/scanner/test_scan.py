"""The scan pipeline against fixture sites: in order, bounded, one report per page with its verdict."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from openbeian.scanner.fetch import FetchOptions, FetchStatus
from openbeian.scanner.scan import PageReport, ScanTarget, scan, target_for

from .conftest import FixtureSites
from .fixture_pages import footer_page

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
QUICK = FetchOptions(timeout=0.5, retries=0, max_bytes=1_000_000)


def run(targets: list[ScanTarget], concurrency: int = 4) -> list[PageReport]:
    async def go() -> list[PageReport]:
        return [r async for r in scan(targets, now=NOW, options=QUICK, concurrency=concurrency)]

    return asyncio.run(go())


def test_reports_come_in_the_order_of_the_targets_whatever_finishes_first(sites: FixtureSites) -> None:
    paths = ["/slow", "/ok", "/gbk", "/gbk-header", "/big5", "/broken", "/pdf", "/huge", "/redirect/2/", "/nowhere"]
    reports = run([target_for(sites.url(p)) for p in paths], concurrency=3)
    assert [r.source for r in reports] == [sites.url(p) for p in paths]
    assert [r.status.value for r in reports] == [
        "timeout",
        "fetched",
        "fetched",
        "fetched",
        "fetched",
        "fetched",
        "not_html",
        "too_large",
        "fetched",
        "http_error",
    ]


def test_gbk_big5_and_broken_pages_yield_their_numbers(sites: FixtureSites) -> None:
    reports = run([target_for(sites.url(p)) for p in ("/gbk", "/gbk-header", "/big5", "/broken")])
    for report in reports:
        assert [n.kind.value for n in report.numbers] == ["icp_filing", "police_filing"], report.source
    assert reports[0].encoding == "gb18030"
    assert reports[2].encoding == "big5hkscs"
    assert reports[3].numbers[0].canonical == "粤ICP备2023007649号-3"


def test_a_page_that_cannot_be_fetched_is_not_compliant_and_says_why(sites: FixtureSites) -> None:
    (report,) = run([target_for(sites.url("/nowhere"))])
    assert not report.compliant
    assert report.to_json()["findings"] == [
        {"code": "fetch_failed", "severity": "error", "message": "the page could not be fetched: http_error (HTTP 404)"}
    ]


def test_the_json_shape_holds_only_real_numbers(sites: FixtureSites) -> None:
    sites.add("/placeholder", footer_page(icp="京ICP备XXXXXXXX号"))
    (report,) = run([target_for(sites.url("/placeholder"))])
    data = report.to_json()
    assert set(data) == {"source", "status", "numbers", "findings"}
    assert [n["canonical"] for n in data["numbers"]] == ["京公网安备11010802020134号"]  # type: ignore[index]
    assert set(data["numbers"][0]) == {"canonical", "kind", "valid", "displayed", "linked", "href", "in_footer"}  # type: ignore[index]
    assert {"placeholder", "icp_missing"} <= {f["code"] for f in data["findings"]}  # type: ignore[index,union-attr]


def test_a_saved_html_file_is_read_not_fetched(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "home.html"
    path.write_text(footer_page(), encoding="utf-8")
    (report, missing) = run([ScanTarget(str(path), path=path), ScanTarget("gone.html", path=path.with_name("gone"))])
    assert (report.status, report.compliant) == (FetchStatus.READ, True)
    assert (missing.status, missing.compliant) == (FetchStatus.UNREADABLE, False)


def test_a_bare_domain_is_fetched_over_http() -> None:
    assert target_for("example.cn").url == "http://example.cn/"
    assert target_for(" https://example.cn/x ").url == "https://example.cn/x"
