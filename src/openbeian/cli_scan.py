"""`openbeian scan`: the footer scanner's command. Exit 0 when every page is compliant, 1 otherwise, 2 on bad
arguments (one line on stderr)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from openbeian.clisupport import emit_json, fail, handles_errors, lang, state
from openbeian.errors import Text

if TYPE_CHECKING:  # the scanner (httpx, DNS: about 8 MiB) is imported when a scan runs, not with every command
    from openbeian.scanner.dns_check import DnsChecker
    from openbeian.scanner.registry import Registry
    from openbeian.scanner.scan import PageReport


def _lines(source: str) -> Iterator[str]:
    stream = sys.stdin if source == "-" else None
    try:
        handle = stream or open(source, encoding="utf-8-sig")  # noqa: SIM115 (closed below)
    except OSError as exc:
        fail(f"--from: cannot read {source}: {exc.strerror}")
        return
    with handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def _dns_checker(server: str | None) -> DnsChecker:
    from openbeian.scanner.dns_check import DnsChecker

    if not server:
        return DnsChecker()
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
    if not host:
        host, port = server, ""
    if port and not port.isdigit():
        fail(f"--dns-server: {server!r} is not HOST or HOST:PORT")
    return DnsChecker([host], int(port or 53))


def _progress(total: int | None) -> AbstractContextManager[Progress | None]:
    if not sys.stderr.isatty():
        return nullcontext()
    return Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


def _describe(report: PageReport, language: str) -> str:
    """A page for people: the verdict, each number with where it sits, each finding."""

    def say(en: str, zh: str) -> str:
        return Text(en, zh).get(language)

    verdict = say("compliant", "合规") if report.compliant else say("NOT compliant", "不合规")
    lines = [f"{report.source}  {report.status.value}  {verdict}"]
    for n in report.numbers:
        where = [n.kind.value, say("valid", "有效") if n.valid else say("invalid", "无效")]
        where.append(
            say("displayed", "显示") if n.displayed else say(f"hidden ({n.hidden_by})", f"未显示（{n.hidden_by}）")
        )
        if n.href:
            where.append(say(f"linked {n.href}", f"链接 {n.href}"))
        else:
            where.append(say("linked", "有链接") if n.linked else say("not linked", "无链接"))
        where.append(say("footer", "页脚") if n.in_footer else say("not in footer", "不在页脚"))
        lines.append(f"  {n.canonical}  " + ", ".join(where))
    lines += [f"  {f.severity.value}: {f.text.get(language)} [{f.code}]" for f in report.findings]
    return "\n".join(lines)


@click.command()
@click.argument("urls", nargs=-1, metavar="[URL...]")
@click.option("--from", "from_file", metavar="FILE", help="Read URLs (or domains) from FILE, one a line; - for stdin.")
@click.option(
    "--html", "html_files", multiple=True, metavar="FILE", help="Scan a saved HTML file (repeatable); no fetching."
)
@click.option("--concurrency", default=20, show_default=True, type=click.IntRange(1, 1000), metavar="N")
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Check numbers against the registry: the local database, or --registry URL.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page, one a line.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per page.")
@click.option("--report", "report_path", metavar="PATH.html", help="Write an HTML report to PATH.html.")
@click.option("--registry", "registry_url", metavar="URL", help="Verify against another OpenBeian's public API.")
@click.option("--timeout", default=15.0, show_default=True, type=click.FloatRange(0.1, 600), metavar="SECONDS")
@click.option("--max-bytes", default=5_000_000, show_default=True, type=click.IntRange(1024), metavar="N")
@click.option("--retries", default=2, show_default=True, type=click.IntRange(0, 10), metavar="N")
@click.option("--provider", metavar="NAME", help="Compliance run over every domain the provider gives access to.")
@click.option(
    "--url-template",
    default="http://{domain}/",
    show_default=True,
    metavar="TEMPLATE",
    help="With --provider: the home-page URL of a filed domain.",
)
@click.option(
    "--dns/--no-dns", "dns_check", default=True, show_default=True, help="With --provider: the empty-shell DNS check."
)
@click.option(
    "--dns-server", metavar="HOST[:PORT]", help="With --provider: ask this DNS server (default: the system's)."
)
@handles_errors
def scan(
    urls: tuple[str, ...],
    from_file: str | None,
    html_files: tuple[str, ...],
    concurrency: int,
    verify: bool,
    as_json: bool,
    as_csv: bool,
    report_path: str | None,
    registry_url: str | None,
    timeout: float,
    max_bytes: int,
    retries: int,
    provider: str | None,
    url_template: str,
    dns_check: bool,
    dns_server: str | None,
) -> None:
    """Find every ICP filing, licence, telecom licence and police number on home pages; check where it is shown,
    how it is linked, and (with --verify) that the registry has it, active, for that domain.

    Exit 0 when every page is compliant, 1 otherwise, 2 on bad arguments.
    """
    from openbeian.scanner.compliance import ComplianceOptions, provider_id_by_name, run_compliance
    from openbeian.scanner.fetch import FetchOptions
    from openbeian.scanner.registry import LocalRegistry, RemoteRegistry
    from openbeian.scanner.scan import ScanTarget, target_for
    from openbeian.scanner.scan import scan as scan_pages

    if sum((as_json, as_csv, report_path is not None)) > 1:
        fail("give at most one of --json, --csv, --report")
    if provider and (urls or from_file or html_files):
        fail("--provider scans the provider's filed domains: give no URL, --from or --html with it")
    if not (urls or from_file or html_files or provider):
        fail("nothing to scan: give URLs, --from FILE, --html FILE or --provider NAME")
    if report_path is not None and not report_path.lower().endswith((".html", ".htm")):
        fail("--report: the path must end in .html")
    if "{domain}" not in url_template:
        fail("--url-template must contain {domain}")
    for path in html_files:
        if not Path(path).is_file():
            fail(f"--html: no such file: {path}")
    if provider or (verify and not registry_url):
        # Close the database's pooled connections however the command ends (also between in-process runs).
        click.get_current_context().call_on_close(lambda: state().ctx.db.dispose())
    fetch_options = FetchOptions(timeout=timeout, max_bytes=max_bytes, retries=retries)
    language = lang()
    registry: Registry | None = None
    if verify:
        registry = RemoteRegistry(registry_url, timeout=timeout) if registry_url else LocalRegistry(state().ctx)

    if provider:
        ctx = state().ctx
        provider_id = provider_id_by_name(ctx, provider)
        options = ComplianceOptions(
            url_template=url_template,
            fetch=fetch_options,
            concurrency=concurrency,
            dns=_dns_checker(dns_server) if dns_check else None,
            registry=registry,
            verify=verify,
        )

        async def provider_reports() -> AsyncIterator[PageReport]:
            run = await run_compliance(ctx, provider_id, options)
            for result in run.results:
                yield result.report

        reports_source: Callable[[], AsyncIterator[PageReport]] = provider_reports
        total: int | None = None
    else:
        targets: list[ScanTarget] = [target_for(u) for u in urls]
        if from_file:
            targets += [target_for(line) for line in _lines(from_file)]
        targets += [ScanTarget(source=path, path=Path(path)) for path in html_files]
        now = state().ctx.clock.now() if verify and not registry_url else datetime.now(UTC)

        def url_reports() -> AsyncIterator[PageReport]:
            return scan_pages(targets, now=now, registry=registry, options=fetch_options, concurrency=concurrency)

        reports_source, total = url_reports, len(targets)

    all_compliant = asyncio.run(_run(reports_source, total, as_json, as_csv, report_path, language, registry))
    sys.exit(0 if all_compliant else 1)


async def _run(
    reports_source: Callable[[], AsyncIterator[PageReport]],
    total: int | None,
    as_json: bool,
    as_csv: bool,
    report_path: str | None,
    language: str,
    registry: Registry | None,
) -> bool:
    from openbeian.scanner.registry import RemoteRegistry
    from openbeian.scanner.report import csv_header, csv_row, html_report

    collected: list[PageReport] = []
    compliant = pages = 0
    if as_csv:
        click.echo(csv_header(), nl=False)
    try:
        with _progress(total) as progress:
            task = progress.add_task("scan", total=total) if progress is not None else None
            async for report in reports_source():
                pages += 1
                compliant += report.compliant
                if progress is not None and task is not None:
                    progress.advance(task)
                if as_json:
                    emit_json(report.to_json(language))
                elif as_csv:
                    click.echo(csv_row(report, language), nl=False)
                elif report_path is not None:
                    collected.append(report)
                else:
                    click.echo(_describe(report, language))
    finally:
        if isinstance(registry, RemoteRegistry):
            await registry.aclose()
    if report_path is not None:
        try:
            Path(report_path).write_text(html_report(collected, datetime.now(UTC), language), encoding="utf-8")
        except OSError as exc:
            fail(f"--report: cannot write {report_path}: {exc.strerror}")
    if not as_json and not as_csv:
        summary = Text(
            f"{pages} page(s): {compliant} compliant, {pages - compliant} not compliant",
            f"共 {pages} 个页面：{compliant} 个合规，{pages - compliant} 个不合规",
        )
        click.echo(summary.get(language))
    return compliant == pages
