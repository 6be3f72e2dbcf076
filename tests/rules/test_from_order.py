"""facts_from_order: what a filing order knows becomes facts; what it does not know stays missing."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime

from openbeian.clock import CHINA_TZ
from openbeian.domain.access import AccessRecord
from openbeian.domain.domains import parse_domain
from openbeian.domain.orders import FilingOrder, OrderKind
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Stage
from openbeian.rules import evaluate, is_ok
from openbeian.rules.engine import Severity
from openbeian.rules.from_order import facts_from_order, order_findings
from openbeian.services.forms import parse_order_form
from openbeian.simulate import synth

AT = datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)


def make_order(kind: str, province: str = "110000", seed: int = 7) -> FilingOrder:
    form = synth.applicant(random.Random(seed), "x", by_code(province), kind).form
    draft = parse_order_form(form | {"service_number": "X"})
    return FilingOrder(
        id=1,
        kind=OrderKind.FIRST_FILING,
        stage=Stage.DRAFT,
        applicant_id=1,
        province_code=draft.subject.province_code,
        subject=draft.subject,
        sites=draft.sites,
        access=AccessRecord(provider_id=1, instance_id=1, ips=("47.95.1.2",)),
        service_number=draft.service_number,
        created_at=AT,
        updated_at=AT,
    )


def test_an_enterprise_order_maps_its_subject_documents_and_sites() -> None:
    order = make_order("enterprise")
    facts = facts_from_order(order)
    assert facts.province == order.province_code and facts.licence == "filing"
    assert facts.hosting.region == "mainland" and facts.hosting.provider_chinese is True
    assert facts.subject.kind == "enterprise" and facts.subject.name == order.subject.name
    assert facts.subject.documents is not None
    assert facts.subject.documents[0].type == "business_license"
    assert facts.subject.documents[0].number == order.subject.document.number
    assert facts.subject.leader.mobile == order.subject.leader.mobile
    assert facts.sites is not None and len(facts.sites) == len(order.sites)
    assert [d.name for d in facts.sites[0].domains] == list(order.sites[0].domain_names)


def test_what_the_order_does_not_know_stays_missing_and_is_reported_as_info() -> None:
    facts = facts_from_order(make_order("enterprise"))
    assert facts.sites is not None and facts.sites[0].content is None
    assert facts.subject.foreign_ownership_percent is None and facts.subject.leader.is_legal_representative is None
    findings = evaluate(facts, date(2026, 3, 10))
    info_paths = {f.path for f in findings if f.severity is Severity.INFO}
    assert "sites[0].content" in info_paths
    assert "sites[0].domains[0].real_name_verified" in info_paths


def test_an_individual_order_with_a_resident_id_is_a_chinese_national() -> None:
    order = make_order("individual", "440000")
    facts = facts_from_order(order)
    assert facts.subject.kind == "individual" and facts.subject.nationality == "CN"
    assert facts.subject.documents is not None and facts.subject.documents[0].type == "resident_id"


def test_an_order_with_an_unfileable_domain_is_blocked() -> None:
    order = make_order("enterprise")
    site = dataclasses.replace(order.sites[0], domains=(parse_domain("example.io"),))
    blocked = dataclasses.replace(order, sites=(site, *order.sites[1:]))
    findings = evaluate(facts_from_order(blocked), date(2026, 3, 10))
    assert not is_ok(findings)
    assert ("DOMAIN-TLD-NOT-FILEABLE", "sites[0].domains[0]") in {(f.rule, f.path) for f in findings}


def test_synthetic_orders_of_every_kind_and_province_never_crash_the_rules() -> None:
    kinds = ("individual", "enterprise")
    for i, province in enumerate(("110000", "130000", "310000", "440000", "330000", "650000")):
        for kind in kinds:
            facts = facts_from_order(make_order(kind, province, seed=i))
            assert evaluate(facts, date(2026, 3, 10))


def test_order_findings_are_the_findings_of_the_orders_facts() -> None:
    order = make_order("individual", "440000")
    day = date(2026, 3, 10)
    assert order_findings(order, day) == evaluate(facts_from_order(order), day)
