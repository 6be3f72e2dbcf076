"""The facts document: what it accepts, how bad input is reported (path, accepted values, both languages), and
its JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest

from openbeian.errors import ValidationError
from openbeian.rules.facts import CONTENT, DOCUMENT_TYPES, facts_json_schema, load_facts, parse_facts


def problems_of(data: Any) -> dict[str, tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        parse_facts(data)
    return {path: (text.en, text.zh) for path, text in caught.value.fields.items()}


def test_the_issue_example_document_parses(company: dict[str, Any]) -> None:
    facts = parse_facts(company)
    assert facts.province == "110000" and facts.subject.kind == "enterprise"
    assert facts.sites is not None and facts.sites[0].domains[0].name == "example.cn"


@pytest.mark.parametrize("text", ["京", "110000", "11", "北京", "北京市", "Beijing"])
def test_province_takes_an_abbreviation_a_code_or_a_name(text: str) -> None:
    assert parse_facts({"province": text}).province == "110000"


def test_the_alias_spellings_of_a_prefix_are_accepted() -> None:
    assert parse_facts({"province": "川"}).province == parse_facts({"province": "蜀"}).province == "510000"


def test_an_empty_document_is_all_missing() -> None:
    facts = parse_facts({})
    assert facts.province is None and facts.subject.kind is None and facts.sites is None


def test_a_domain_may_be_a_string_or_an_object() -> None:
    facts = parse_facts({"sites": [{"domains": ["a.cn", {"name": "b.cn", "expires": "2027-01-01"}]}]})
    assert facts.sites is not None
    assert [d.name for d in facts.sites[0].domains] == ["a.cn", "b.cn"]
    assert str(facts.sites[0].domains[1].expires) == "2027-01-01"


def test_unknown_fields_are_reported_with_their_path_not_ignored() -> None:
    problems = problems_of({"provnce": "京", "subject": {"kind": "individual", "favourite_colour": "red"}})
    assert set(problems) == {"provnce", "subject.favourite_colour"}
    en, zh = problems["subject.favourite_colour"]
    assert "not a known field" in en and "nationality" in en
    assert "不是可识别的字段" in zh


def test_an_unknown_enum_value_answers_with_the_accepted_values_in_both_languages() -> None:
    problems = problems_of({"sites": [{"content": ["blog", "gambling"]}]})
    en, zh = problems["sites[0].content[1]"]
    assert "'gambling' is not one of the accepted values" in en
    assert all(value in en and value in zh for value in CONTENT)
    assert "不是可选值" in zh


def test_wrong_types_are_reported_with_the_field_path() -> None:
    problems = problems_of(
        {
            "subject": {"age": "thirty", "foreign_ownership_percent": 150, "documents": {"type": "passport"}},
            "hosting": {"provider_chinese": "yes"},
            "sites": "example.cn",
        }
    )
    assert problems["subject.age"] == ("must be an integer", "应为整数")
    assert problems["subject.foreign_ownership_percent"][0] == "must be between 0 and 100"
    assert problems["subject.documents"] == ("must be a list", "应为数组（列表）")
    assert problems["hosting.provider_chinese"][1].strip() == "应为 true 或 false"
    assert problems["sites"] == ("must be a list", "应为数组（列表）")


def test_an_unknown_province_or_document_type_is_refused_with_what_is_accepted() -> None:
    problems = problems_of({"province": "火星", "subject": {"documents": [{"type": "library_card"}]}})
    assert "GB/T 2260" in problems["province"][0] and "火星" in problems["province"][1]
    assert all(t in problems["subject.documents[0].type"][0] for t in DOCUMENT_TYPES)


def test_a_bad_date_and_a_missing_required_field_are_reported() -> None:
    problems = problems_of({"sites": [{"domains": [{"expires": "2027-13-01"}], "pre_approvals": [{}]}]})
    assert problems["sites[0].domains[0].expires"][0] == "must be a date written YYYY-MM-DD"
    assert problems["sites[0].domains[0].name"] == ("is required", "必填")
    assert problems["sites[0].pre_approvals[0].category"] == ("is required", "必填")


def test_the_document_itself_must_be_an_object_and_valid_json() -> None:
    assert problems_of([1, 2]) == {"(document)": ("must be an object", "应为对象")}
    with pytest.raises(ValidationError) as caught:
        load_facts(b"{not json")
    assert "not valid JSON" in caught.value.text.en and "不是有效的 JSON" in caught.value.text.zh


def test_the_message_counts_every_problem_in_both_languages() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_facts({"a": 1, "b": 2})
    assert caught.value.text.en == "the facts document has 2 problems"
    assert caught.value.text.zh == "事实文档中有 2 处问题"


def test_the_json_schema_describes_the_same_fields_and_values() -> None:
    schema = facts_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["additionalProperties"] is False
    subject = schema["properties"]["subject"]["properties"]
    assert subject["kind"]["enum"] == [
        "individual",
        "enterprise",
        "government",
        "public_institution",
        "social_organization",
    ]
    assert subject["documents"]["items"]["properties"]["type"]["enum"] == list(DOCUMENT_TYPES)
    site = schema["properties"]["sites"]["items"]["properties"]
    assert site["content"]["items"]["enum"] == list(CONTENT)
    assert schema["properties"]["hosting"]["properties"]["region"]["enum"] == [
        "mainland",
        "hong_kong",
        "macao",
        "taiwan",
        "overseas",
    ]
    assert "oneOf" in site["domains"]["items"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"subject": {"age": NaN}}', "NaN is not a number JSON allows"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"subject": {"name": "\\ud800"}}', "lone surrogate"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_json_that_cannot_be_checked_or_echoed_back_is_refused(text: bytes, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        load_facts(text)
    assert reason in caught.value.text.en and "不是有效的 JSON" in caught.value.text.zh


def test_escaped_surrogate_pairs_and_a_byte_order_mark_are_fine() -> None:
    facts = load_facts('\ufeff{"sites": [{"name": "\\ud83d\\ude00示例网站"}]}'.encode())
    assert facts.sites is not None and facts.sites[0].name == "😀示例网站"
