"""The engine: verdicts, dates, severities, messages in both languages, missing facts, the data's dating."""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

import pytest

from openbeian.domain.provinces import all_provinces
from openbeian.rules import eligibility, evaluate, is_ok, parse_facts, report
from openbeian.rules.cases import case_files, load
from openbeian.rules.data import TABLES, table, tables_at
from openbeian.rules.engine import Severity, all_rules, rules_at
from openbeian.rules.facts import Facts

DAY = date(2026, 3, 10)
HAN = re.compile(r"[\u4e00-\u9fff]")


def all_case_facts() -> list[tuple[str, date, dict[str, Any]]]:
    return [
        (data["rule"], date.fromisoformat(case["at"]), case["facts"])
        for data in (load(f) for f in case_files())
        for case in data["cases"]
    ]


def test_a_complete_company_that_breaks_no_rule_is_ok_with_only_info_findings(company: dict[str, Any]) -> None:
    result = report(parse_facts(company), DAY)
    assert result["ok"] is True
    assert {f["severity"] for f in result["findings"]} <= {"info"}


def test_ok_is_false_exactly_when_a_block_finding_exists() -> None:
    for _, day, facts in all_case_facts():
        findings = evaluate(parse_facts(facts), day)
        assert is_ok(findings) is not any(f.severity is Severity.BLOCK for f in findings)


def test_findings_come_blocks_first() -> None:
    findings = evaluate(parse_facts({"hosting": {"region": "overseas"}}), DAY)
    ranks = [f.severity.rank for f in findings]
    assert ranks == sorted(ranks) and findings[0].severity is Severity.BLOCK


def test_no_rule_gives_a_finding_more_severe_than_it_declares() -> None:
    declared = {r.id: r.severity for r in all_rules()}
    for _, day, facts in all_case_facts():
        for finding in evaluate(parse_facts(facts), day):
            assert finding.severity.rank >= declared[finding.rule].rank, finding


def test_every_message_reads_in_english_and_chinese_and_every_finding_has_a_source_and_path() -> None:
    seen = 0
    for _, day, facts in all_case_facts():
        for f in evaluate(parse_facts(facts), day):
            assert f.message.en and f.message.en != f.message.zh
            assert HAN.search(f.message.zh), f.message.zh
            assert f.source and f.path
            seen += 1
    assert seen > 200


def test_missing_facts_never_crash_a_rule_and_give_info_only() -> None:
    findings = evaluate(Facts(), DAY)
    assert findings and all(f.severity is Severity.INFO for f in findings)
    assert {f.path for f in findings} >= {"province", "hosting.region", "subject.kind", "licence", "subject.documents"}


@pytest.mark.parametrize("part", ["province", "licence", "hosting", "subject", "sites"])
def test_leaving_out_any_part_of_a_complete_document_never_crashes(company: dict[str, Any], part: str) -> None:
    del company[part]
    findings = evaluate(parse_facts(company), DAY)
    assert all(f.severity is not Severity.BLOCK for f in findings)
    assert any(f.severity is Severity.INFO and f.path.startswith(part.rstrip("s")) for f in findings)


def test_the_same_facts_checked_at_two_dates_give_different_answers(company: dict[str, Any]) -> None:
    company["licence"] = "commercial"
    company["subject"]["foreign_ownership_percent"] = 60
    facts = parse_facts(company)
    before, after = evaluate(facts, date(2024, 1, 15)), evaluate(facts, date(2025, 3, 1))
    assert not is_ok(before) and is_ok(after)
    assert [f.severity for f in before if f.rule == "LIC-FOREIGN-MAJORITY"] == [Severity.BLOCK]
    assert [f.severity for f in after if f.rule == "LIC-FOREIGN-MAJORITY"] == [Severity.WARN]


def test_every_rule_has_a_stable_upper_case_id_a_source_and_a_case_file() -> None:
    ids = [r.id for r in all_rules()]
    files = {f.name.removesuffix(".json") for f in case_files()}
    assert len(ids) == len(set(ids)) >= 30
    assert all(re.fullmatch(r"[A-Z]+(-[A-Z]+)+", i) for i in ids)
    assert set(ids) == files
    assert all(r.source and r.title.en and HAN.search(r.title.zh) for r in all_rules())


def test_every_family_has_rules() -> None:
    families = {r.family.value for r in all_rules()}
    assert families == {"who", "licence", "province", "hosting", "domains", "names", "content", "documents"}


def test_rules_in_force_depend_on_the_date() -> None:
    assert len(rules_at(DAY)) == len(all_rules())
    assert rules_at(date(1999, 1, 1)) == ()


def _entries(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [e for item in node for e in _entries(item)]
    if isinstance(node, dict):
        if "valid_from" in node:
            return [node]
        return [e for key, value in node.items() if not key.startswith("_") for e in _entries(value)]
    return []


@pytest.mark.parametrize("name", TABLES)
def test_every_data_entry_is_dated_and_sourced(name: str) -> None:
    entries = _entries({k: v for k, v in table(name).items() if k != "version"})
    assert entries
    for entry in entries:
        start = date.fromisoformat(entry["valid_from"])
        if entry.get("valid_to"):
            assert date.fromisoformat(entry["valid_to"]) > start
        assert entry["source"]


def test_the_province_policy_table_covers_all_31_provinces_without_overlap() -> None:
    rows = table("provinces")["policies"]
    codes = {p.code for p in all_provinces()}
    assert {r["province"] for r in rows} == codes
    assert set(tables_at(DAY).policies) == codes and set(tables_at(date(2018, 1, 1)).policies) == codes
    for code in codes:
        periods = sorted((r["valid_from"], r.get("valid_to") or "9999") for r in rows if r["province"] == code)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(periods))


def test_zhejiang_gives_30_review_days_and_the_table_agrees_with_the_province_module() -> None:
    policies = tables_at(DAY).policies
    assert policies["330000"].review_days == 30
    assert all(policies[p.code].review_days == p.review_days for p in all_provinces())


def test_recommendations_name_provinces_and_documents(person: dict[str, Any]) -> None:
    person["subject"]["documents"][0]["number"] = "130124199001010013"
    person["subject"]["residence_province"] = "130000"
    person["subject"]["leader"]["mobile"] = "+8613932100000"
    person["province"] = "冀"
    result = eligibility(parse_facts(person), DAY)
    codes = [p["code"] for p in result["recommendations"]["provinces"]]
    assert result["ok"] is True
    assert "130000" in codes and "140000" not in codes  # Shanxi takes local ID cards only
    ids = [d["id"] for d in result["recommendations"]["documents"]]
    assert ids[0] == "subject_document" and "commitment" in ids and "domain_certificate" in ids


def test_no_province_is_recommended_when_a_block_holds_everywhere() -> None:
    facts = parse_facts({"subject": {"kind": "individual", "nationality": "US", "documents": [{"type": "passport"}]}})
    assert eligibility(facts, DAY)["recommendations"]["provinces"] == []


def test_an_organisation_is_recommended_only_the_province_of_its_licence(company: dict[str, Any]) -> None:
    result = eligibility(parse_facts(company), DAY)
    assert [p["abbr"] for p in result["recommendations"]["provinces"]] == ["京"]
    assert result["recommendations"]["provinces"][0]["name"] == {"en": "Beijing", "zh": "北京市"}


def test_docs_rules_md_lists_every_rule() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert all(f"`{r.id}`" in text for r in all_rules())
