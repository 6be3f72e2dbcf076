"""The public registry query: by domain (either IDN form, subdomains), by number (any spelling), by subject name;
and what a public record must not show."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from openbeian.domain.orders import FilingOrder
from openbeian.errors import ValidationError
from openbeian.services.registry import PublicRecord

if TYPE_CHECKING:
    from conftest import Filings

IDN = "例子.中国"
IDN_ASCII = "xn--fsqu00a.xn--fiqs8s"


def file_sites(
    filings: Filings, province: str, sites: list[dict[str, object]], kind: str = "enterprise"
) -> FilingOrder:
    applicant, order = filings.draft(filings.form(province, kind, sites))
    order = filings.drive(applicant, order)
    assert order.issued is not None
    return order


@pytest.fixture
def idn_order(filings: Filings) -> FilingOrder:
    return file_sites(
        filings,
        "110000",
        [
            {"name": "例子中文站", "service_type": "website", "domains": [IDN]},
            {"name": "例子英文站", "service_type": "website", "domains": ["Example-Site.COM.CN", "example-site.net"]},
        ],
    )


def site_numbers(records: list[PublicRecord]) -> list[str]:
    return [r.site_number for r in records]


# -- by domain -------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [IDN, IDN_ASCII, IDN_ASCII.upper(), "例子。中国", f"https://{IDN}/about?x=1"])
def test_an_idn_site_is_found_by_either_form_of_its_domain(
    filings: Filings, idn_order: FilingOrder, query: str
) -> None:
    assert idn_order.issued is not None
    records = filings.registry.by_domain(query)
    assert site_numbers(records) == [idn_order.issued.site_numbers[0]]
    assert records[0].domains == (IDN,)  # the public record shows the unicode form


@pytest.mark.parametrize(
    "query", [f"www.{IDN}", f"www.{IDN_ASCII}", "www.example-site.com.cn", "blog.example-site.net"]
)
def test_a_subdomain_finds_the_filing_of_its_registrable_domain(
    filings: Filings, idn_order: FilingOrder, query: str
) -> None:
    assert idn_order.issued is not None
    records = filings.registry.by_domain(query)
    assert len(records) == 1
    assert records[0].site_number in idn_order.issued.site_numbers


def test_a_site_with_several_domains_is_found_by_each_and_lists_them_all(
    filings: Filings, idn_order: FilingOrder
) -> None:
    assert idn_order.issued is not None
    for domain in ("example-site.com.cn", "EXAMPLE-SITE.NET"):
        records = filings.registry.by_domain(domain)
        assert site_numbers(records) == [idn_order.issued.site_numbers[1]]
        assert records[0].domains == ("example-site.com.cn", "example-site.net")


def test_an_unfiled_domain_finds_nothing(filings: Filings, idn_order: FilingOrder) -> None:
    assert filings.registry.by_domain("not-filed.cn") == []
    assert filings.registry.by_domain("例子.cn") == []


def test_a_domain_that_is_not_a_domain_is_refused_on_the_domain_field(filings: Filings) -> None:
    with pytest.raises(ValidationError) as caught:
        filings.registry.by_domain("1.2.3.4")
    assert "domain" in caught.value.fields


# -- by number -------------------------------------------------------------------------------------


def test_a_site_is_found_by_its_number_in_any_spelling(filings: Filings) -> None:
    order = file_sites(filings, "510000", [{"name": "蜀中旅行", "service_type": "website", "domains": ["shuzhong.cn"]}])
    assert order.issued is not None
    number = order.issued.site_numbers[0]
    assert number == "蜀ICP备2026000001号-1"
    spellings = [
        number,
        "川ICP备2026000001号-1",  # Sichuan's other prefix
        " 蜀 ICP 备 2026 000001 号 - 1 ",
        "蜀ＩＣＰ备２０２６０００００１号－１",  # full width
        "蜀icp备2026000001-1",  # lower case, no 号
    ]
    for spelling in spellings:
        assert site_numbers(filings.registry.by_number(spelling)) == [number], spelling


def test_a_subject_number_finds_every_site_of_the_subject(filings: Filings, idn_order: FilingOrder) -> None:
    assert idn_order.issued is not None
    subject_number = idn_order.issued.subject_number
    assert site_numbers(filings.registry.by_number(subject_number)) == list(idn_order.issued.site_numbers)
    assert site_numbers(filings.registry.by_number(subject_number.replace("号", ""))) == list(
        idn_order.issued.site_numbers
    )


def test_a_letter_suffix_finds_the_app_of_that_number(filings: Filings) -> None:
    order = file_sites(
        filings,
        "110000",
        [
            {"name": "云启官网", "service_type": "website", "domains": ["yunqi-app.cn"]},
            {"name": "云启助手", "service_type": "app", "app_id": "cn.yunqi.helper", "signing_fingerprint": "CD" * 32},
        ],
    )
    assert order.issued is not None
    app_number = order.issued.site_numbers[1]
    assert app_number.endswith("-2A")
    records = filings.registry.by_number(app_number.replace("A", "a"))
    assert [(r.site_number, r.site_type, r.domains) for r in records] == [(app_number, "app", ())]


def test_an_unissued_number_finds_nothing(filings: Filings, idn_order: FilingOrder) -> None:
    assert filings.registry.by_number("京ICP备2026000099号") == []
    assert filings.registry.by_number("京ICP备2026000001号-9") == []


@pytest.mark.parametrize("text", ["京ICP备XXXXXXXX号", "京公网安备11010802020134号", "粤B2-20090059"])
def test_a_number_the_registry_does_not_hold_is_refused_on_the_number_field(filings: Filings, text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        filings.registry.by_number(text)
    assert "number" in caught.value.fields


# -- by subject name -------------------------------------------------------------------------------


def test_a_subject_is_found_by_its_name_or_part_of_it(filings: Filings, idn_order: FilingOrder) -> None:
    assert idn_order.issued is not None
    name = idn_order.subject.name
    assert set(site_numbers(filings.registry.by_subject(name))) == set(idn_order.issued.site_numbers)
    assert set(site_numbers(filings.registry.by_subject(name[2:6]))) >= set(idn_order.issued.site_numbers)
    assert filings.registry.by_subject("没有这个单位") == []


def test_like_wildcards_in_a_subject_query_match_only_themselves(filings: Filings, idn_order: FilingOrder) -> None:
    assert filings.registry.by_subject("%%") == []
    assert filings.registry.by_subject("__") == []


def test_the_query_takes_exactly_one_of_domain_number_or_subject(filings: Filings, idn_order: FilingOrder) -> None:
    assert idn_order.issued is not None
    assert site_numbers(filings.registry.query(domain=IDN)) == [idn_order.issued.site_numbers[0]]
    for bad in ({}, {"domain": IDN, "number": idn_order.issued.subject_number}):
        with pytest.raises(ValidationError) as caught:
            filings.registry.query(**bad)
        assert "query" in caught.value.fields


# -- what the public sees --------------------------------------------------------------------------


def test_an_individuals_name_is_masked_and_no_document_or_phone_is_shown(filings: Filings) -> None:
    applicant, order = filings.draft(
        filings.form("110000", "individual", [{"name": "读书笔记", "service_type": "website", "domains": ["dushu.cn"]}])
    )
    order = filings.drive(applicant, order)
    assert order.issued is not None
    name, leader = order.subject.name, order.subject.leader
    for records in (
        filings.registry.by_domain("dushu.cn"),
        filings.registry.by_number(order.issued.subject_number),
        filings.registry.by_subject(name),
    ):
        assert len(records) == 1
        record = records[0].to_dict()
        assert record["subject_name"] == name[0] + "*" * (len(name) - 1)
        assert record["subject_kind"] == "individual"
        shown = repr(record)
        for secret in (name, order.subject.document.number, leader.mobile, leader.mobile[3:], leader.email):
            assert secret not in shown


def test_an_organisations_name_is_shown_in_full(filings: Filings, idn_order: FilingOrder) -> None:
    record = filings.registry.by_domain(IDN)[0]
    assert record.subject_name == idn_order.subject.name
    assert idn_order.subject.document.number not in repr(record.to_dict())
    assert idn_order.subject.leader.name not in repr(record.to_dict())


def test_a_public_record_names_the_access_provider_and_the_approval_time(
    filings: Filings, idn_order: FilingOrder
) -> None:
    record = filings.registry.by_domain(IDN)[0].to_dict()
    assert record["providers"] == [idn_order.provider_id]
    assert record["approved_at"] == "2026-03-10T01:00:00+00:00"
    assert record["status"] == "active"
    assert record["province_code"] == "110000"


def test_a_subject_query_ignores_the_case_of_latin_letters(filings: Filings) -> None:
    form = filings.form(
        "110000", "enterprise", [{"name": "科技官网", "service_type": "website", "domains": ["ob-tech.cn"]}]
    )
    form["subject"]["name"] = "北京OpenBeian科技有限公司"
    applicant, order = filings.draft(form)
    order = filings.drive(applicant, order)
    for query in ("OpenBeian", "openbeian", "OPENBEIAN科技"):
        assert len(filings.registry.by_subject(query)) == 1, query
