"""The display rules: what is shown, where, and how it is linked, as stable finding codes."""

from __future__ import annotations

from openbeian.scanner.extract import extract
from openbeian.scanner.findings import Severity, judge_display

from .fixture_pages import MIIT, MPS, footer_page


def codes(html: str) -> list[str]:
    return [f.code for f in judge_display(extract(html))]


def test_a_compliant_footer_has_no_findings() -> None:
    assert codes(footer_page()) == []


def test_a_page_without_any_filing_number_misses_it() -> None:
    assert codes("<footer>© 2026</footer>") == ["icp_missing"]
    assert codes('<footer><a href="https://beian.mps.gov.cn/">京公网安备11010802020134号</a></footer>') == [
        "icp_missing"
    ]


def test_a_number_only_in_a_comment_or_hidden_is_not_shown() -> None:
    assert codes("<footer><!-- 京ICP备2023007649号 --></footer>") == ["icp_hidden"]
    finding = judge_display(extract("<footer><span hidden>京ICP备2023007649号</span></footer>"))[0]
    assert (finding.code, finding.severity) == ("icp_hidden", Severity.ERROR)
    assert "hidden element" in finding.text.en


def test_the_link_must_go_to_the_miit_system() -> None:
    assert codes("<footer>京ICP备2023007649号</footer>") == ["icp_not_linked"]
    assert codes('<footer><a href="http://www.miibeian.gov.cn">京ICP备2023007649号</a></footer>') == [
        "icp_link_outdated"
    ]
    assert codes('<footer><a href="https://icp.chinaz.com/">京ICP备2023007649号</a></footer>') == ["icp_link_wrong"]
    outdated = judge_display(extract('<footer><a href="http://www.miibeian.gov.cn">京ICP备2023007649号</a></footer>'))
    assert outdated[0].severity is Severity.WARNING
    assert "旧地址" in outdated[0].text.zh


def test_a_number_away_from_the_footer_is_a_warning() -> None:
    page = f'<div id="banner"><a href="{MIIT}">京ICP备2023007649号</a></div>' + "<p>news</p>" * 60 + "<footer></footer>"
    assert codes(page) == ["icp_not_in_footer"]


def test_the_police_number_should_link_to_the_mps_system() -> None:
    page = footer_page().replace(MPS, "http://www.beian.gov.cn/portal/registerSystemInfo?recordcode=11010802020134")
    assert codes(page) == ["police_link_outdated"]
    assert codes(footer_page().replace(MPS, "/police")) == ["police_not_linked"]


def test_placeholders_and_malformed_numbers_are_errors() -> None:
    assert codes(footer_page(icp="京ICP备XXXXXXXX号")) == ["placeholder", "icp_missing"]
    assert codes(footer_page(icp="京ICP备202300764号")) == ["number_invalid", "icp_missing"]
