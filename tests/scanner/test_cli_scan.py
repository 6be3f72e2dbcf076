"""`openbeian scan`: the CLI contract of the issue (JSON lines, CSV, HTML report, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner

from openbeian.cli import main
from openbeian.services.context import Context
from openbeian.simulate.driver import PROVIDER_NAME

from .conftest import FixtureDns, FixtureSites
from .fixture_pages import footer_page
from .test_verify import website

if TYPE_CHECKING:
    from conftest import Filings

NUMBER_KEYS = {"canonical", "kind", "valid", "displayed", "linked", "href", "in_footer"}


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_object_per_page_in_the_issue_shape(sites: FixtureSites) -> None:
    code, out, err = run("scan", "--no-verify", "--json", sites.url("/ok"), sites.url("/gbk"))
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [set(obj) for obj in lines] == [{"source", "status", "numbers", "findings"}] * 2
    assert lines[0]["source"] == sites.url("/ok") and lines[0]["status"] == "fetched"
    assert all(set(n) == NUMBER_KEYS for obj in lines for n in obj["numbers"])
    assert [n["canonical"] for n in lines[1]["numbers"]] == ["京ICP备2023007649号-1", "京公网安备11010802020134号"]
    assert lines[0]["numbers"][0]["href"] == "https://beian.miit.gov.cn/"
    assert all(set(f) == {"code", "severity", "message"} for obj in lines for f in obj["findings"])


def test_a_non_compliant_page_exits_1_and_placeholders_stay_out_of_numbers(sites: FixtureSites) -> None:
    sites.add("/cli-placeholder", footer_page(icp="粤ICP备XXXXXXXX号-1"))
    code, out, _ = run("scan", "--no-verify", "--json", sites.url("/cli-placeholder"))
    assert code == 1
    (obj,) = [json.loads(line) for line in out.splitlines()]
    assert [n["kind"] for n in obj["numbers"]] == ["police_filing"]
    assert {"placeholder", "icp_missing"} <= {f["code"] for f in obj["findings"]}


def test_unreachable_pages_get_a_status_and_exit_1(sites: FixtureSites, closed_port: int) -> None:
    code, out, _ = run("scan", "--no-verify", "--json", "--retries", "0", f"http://127.0.0.1:{closed_port}/")
    assert code == 1
    assert json.loads(out)["status"] == "refused"


def test_urls_come_from_a_file_or_stdin_and_html_files_are_read(sites: FixtureSites, tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my sites\n{sites.url('/ok')}\n\n{sites.url('/big5')}\n", encoding="utf-8")
    page = tmp_path / "home.html"
    page.write_text(footer_page(), encoding="utf-8")
    code, out, _ = run("scan", "--no-verify", "--json", "--from", str(listing), "--html", str(page))
    assert code == 0
    assert [json.loads(line)["source"] for line in out.splitlines()] == [
        sites.url("/ok"),
        sites.url("/big5"),
        str(page),
    ]
    code, out, _ = run("scan", "--no-verify", "--json", "--from", "-", stdin=sites.url("/ok") + "\n")
    assert code == 0 and len(out.splitlines()) == 1


def test_csv_and_html_report_outputs(sites: FixtureSites, tmp_path: Path) -> None:
    code, out, _ = run("scan", "--no-verify", "--csv", sites.url("/ok"), sites.url("/pdf"))
    assert code == 1
    header, ok_row, pdf_row = out.splitlines()
    assert header == "source,status,compliant,numbers,errors,warnings,findings"
    assert ok_row.startswith(f"{sites.url('/ok')},fetched,yes,京ICP备2023007649号-1 | 京公网安备11010802020134号,0,0,")
    assert pdf_row.startswith(f"{sites.url('/pdf')},not_html,no,,1,0,fetch_failed")
    report = tmp_path / "report.html"
    code, out, _ = run("scan", "--no-verify", "--report", str(report), sites.url("/ok"))
    assert code == 0
    html = report.read_text(encoding="utf-8")
    assert "1 / 1 pages compliant" in html and "京ICP备2023007649号-1" in html
    assert "1 page(s): 1 compliant, 0 not compliant" in out


def test_bad_arguments_exit_2_with_one_line(tmp_path: Path) -> None:
    for args in (
        ("scan",),
        ("scan", "--json", "--csv", "http://example.cn/"),
        ("scan", "--html", str(tmp_path / "missing.html")),
        ("scan", "--from", str(tmp_path / "missing.txt")),
        ("scan", "--report", str(tmp_path / "report.txt"), "http://example.cn/"),
        ("scan", "--concurrency", "0", "http://example.cn/"),
        ("scan", "--provider", "x", "http://example.cn/"),
    ):
        code, out, err = run(*args)
        assert code == 2, args
        assert out == "" and err.strip() and "Traceback" not in err, args


def test_verify_asks_the_local_database_by_default(ctx: Context, filings: Filings, sites: FixtureSites) -> None:
    number, _ = website(filings.approved()[1])
    sites.add("/cli-copy", footer_page(icp=number))
    code, out, _ = run("--database", ctx.db.url, "scan", "--json", sites.url("/cli-copy"))
    # A filed number passes (127.0.0.1 is no domain, so ownership is not judged) ...
    assert json.loads(out)["findings"] == []
    assert code == 0
    # ... and a number the registry lacks does not.
    sites.add("/cli-unknown", footer_page(icp="京ICP备2025999999号-1"))
    code, out, _ = run("--database", ctx.db.url, "scan", "--json", sites.url("/cli-unknown"))
    assert code == 1
    assert [f["code"] for f in json.loads(out)["findings"]] == ["not_in_registry"]


def test_a_provider_run_from_the_command_line(
    ctx: Context, filings: Filings, sites: FixtureSites, dns_server: FixtureDns
) -> None:
    _, order = filings.approved()
    number, domain = website(order)
    sites.add(f"/cli-sites/{domain}/", footer_page(icp=number))
    dns_server.zone[domain] = list(order.access.ips)
    args = ["--database", ctx.db.url, "scan", "--provider", PROVIDER_NAME, "--json"]
    args += ["--url-template", sites.url("/cli-sites/{domain}/"), "--dns-server", f"127.0.0.1:{dns_server.port}"]
    code, out, err = run(*args)
    assert (code, err) == (0, "")
    assert [json.loads(line)["source"] for line in out.splitlines()] == [domain]
    code, _, err = run("--database", ctx.db.url, "scan", "--provider", "no such provider")
    assert code == 2 and "no such provider" in err
