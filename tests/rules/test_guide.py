"""The seed guide's situations give the answers the guide gives (the issue's "Done when")."""

from __future__ import annotations

from datetime import date
from typing import Any

from openbeian.rules import evaluate, is_ok, parse_facts
from openbeian.rules.engine import Finding, Severity

from .conftest import HE_ID, HE_MOBILE, domain

DAY = date(2026, 3, 10)


def blocks(data: dict[str, Any]) -> list[Finding]:
    return [f for f in evaluate(parse_facts(data), DAY) if f.severity is Severity.BLOCK]


def test_a_foreign_business_without_a_chinese_presence_cannot_file(company: dict[str, Any]) -> None:
    company["subject"] |= {
        "name": "Example Inc.",
        "nationality": "US",
        "documents": [{"type": "foreign_company_registration", "number": "C1234567"}],
    }
    company["sites"][0]["domains"] = [domain("example.cn", "Example Inc.")]
    found = blocks(company)
    assert {f.rule for f in found} == {"WHO-FOREIGN-COMPANY-NO-PRESENCE", "DOC-TYPE-FITS-SUBJECT"}
    found = [f for f in found if f.rule.startswith("WHO")]
    assert "no legal presence in China" in found[0].message.en and "营业执照" in found[0].message.zh


def test_a_foreign_owned_business_with_a_chinese_licence_can_file(company: dict[str, Any]) -> None:
    company["subject"]["foreign_ownership_percent"] = 100
    assert is_ok(evaluate(parse_facts(company), DAY))


def test_a_foreigner_not_residing_in_china_cannot_file(person: dict[str, Any]) -> None:
    person["subject"] |= {
        "name": "John Smith",
        "nationality": "US",
        "documents": [{"type": "passport", "number": "X1234567"}],
    }
    person["sites"][0] |= {"name": "约翰的个人博客", "domains": [domain("johnsmith.cn", "John Smith")]}
    found = blocks(person)
    assert "WHO-FOREIGNER-NOT-RESIDENT" in [f.rule for f in found]
    assert [f.rule for f in found if f.rule.startswith("WHO")] == ["WHO-FOREIGNER-NOT-RESIDENT"]


def test_a_foreigner_residing_in_china_can_file_in_shanghai_but_not_in_hebei(person: dict[str, Any]) -> None:
    person["subject"] |= {
        "name": "John Smith",
        "nationality": "US",
        "residence_province": "310000",
        "documents": [
            {"type": "passport", "number": "X1234567"},
            {"type": "residence_permit", "number": "SH0012345", "issued_in": "310000"},
        ],
        "leader": {"mobile": "+8613512345678"},
    }
    person["sites"][0] |= {"name": "约翰的个人博客", "domains": [domain("johnsmith.cn", "John Smith")]}
    assert not blocks(person | {"province": "沪"})
    assert "PROV-FOREIGNER" in [f.rule for f in blocks(person | {"province": "冀"})]


def test_hebei_refuses_a_non_resident_individual(person: dict[str, Any]) -> None:
    person["province"] = "冀"
    person["subject"]["leader"]["mobile"] = HE_MOBILE
    found = blocks(person)
    assert [f.rule for f in found] == ["PROV-NON-LOCAL-INDIVIDUAL"]
    assert "Hebei does not accept" in found[0].message.en and "河北管局不接受非本地个人备案" in found[0].message.zh


def test_beijing_accepts_a_non_resident_individual_so_a_hebei_resident_can_file_there(person: dict[str, Any]) -> None:
    person["subject"] |= {"documents": [{"type": "resident_id", "number": HE_ID}], "residence_province": "130000"}
    assert person["province"] == "京"
    assert is_ok(evaluate(parse_facts(person), DAY))


def test_an_individual_cannot_have_a_forum(person: dict[str, Any]) -> None:
    person["sites"][0]["content"] = ["blog", "forum"]
    found = blocks(person)
    assert [(f.rule, f.path) for f in found] == [("CONTENT-INDIVIDUAL-PRE-APPROVAL", "sites[0].content[1]")]
    assert "论坛" in found[0].message.zh and "个人无法申请" in found[0].message.zh


def test_a_business_forum_needs_its_pre_approval(company: dict[str, Any]) -> None:
    company["sites"][0]["content"] = ["company", "forum"]
    found = blocks(company)
    assert [(f.rule, f.path) for f in found] == [("CONTENT-PRE-APPROVAL-MISSING", "sites[0].content[1]")]
    company["sites"][0]["pre_approvals"] = [{"category": "forum", "document_number": "京通信管BBS[2026]001号"}]
    assert not blocks(company)


def test_a_commercial_licence_with_majority_foreign_ownership_is_refused(company: dict[str, Any]) -> None:
    company["province"] = "冀"
    company["licence"] = "commercial"
    company["subject"] |= {
        "foreign_ownership_percent": 60,
        "documents": [{"type": "business_license", "number": "91130102MA0ABCDEF8", "issued_in": "130000"}],
        "leader": {"mobile": HE_MOBILE, "is_legal_representative": True},
    }
    found = blocks(company)
    assert [f.rule for f in found] == ["LIC-FOREIGN-MAJORITY"]
    assert "at most 50 %" in found[0].message.en


def test_a_commercial_licence_with_minority_foreign_ownership_is_allowed_but_warned(company: dict[str, Any]) -> None:
    company["licence"] = "commercial"
    company["subject"]["foreign_ownership_percent"] = 30
    findings = evaluate(parse_facts(company), DAY)
    assert is_ok(findings)
    assert [f.rule for f in findings if f.severity is Severity.WARN] == ["LIC-FOREIGN-MINORITY"]


def test_hong_kong_hosting_cannot_be_filed_and_needs_no_filing(company: dict[str, Any]) -> None:
    company["hosting"]["region"] = "hong_kong"
    found = blocks(company)
    assert [f.rule for f in found] == ["HOST-MAINLAND"]
    assert "cannot be filed, and needs no filing" in found[0].message.en
    assert "香港服务器无法备案，也不需要备案" in found[0].message.zh
