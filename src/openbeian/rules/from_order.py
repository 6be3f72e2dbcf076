"""Facts from a filing order: what the order knows, and nothing it does not (those facts stay missing, so the
rules report them as info for the reviewer)."""

from __future__ import annotations

from datetime import date

from openbeian.domain.orders import FilingOrder
from openbeian.domain.subjects import DocumentType, SubjectKind
from openbeian.rules.engine import Finding, evaluate
from openbeian.rules.facts import Document, DomainFact, Facts, Hosting, Leader, SiteFact, Subject

# What a document says about its holder's nationality; a passport or a Hong Kong / Macao permit alone does not say.
_NATIONALITY = {DocumentType.RESIDENT_ID: "CN", DocumentType.TAIWAN_PASS: "TW"}


def facts_from_order(order: FilingOrder) -> Facts:
    """The facts of an order. Every order is a non-commercial filing (备案) on a server bound by a service number,
    which only an access provider in the system issues for its mainland instances."""
    subject = order.subject
    document = subject.document
    # An organisation's document in the system is a Chinese certificate.
    nationality = _NATIONALITY.get(document.type) if subject.kind is SubjectKind.INDIVIDUAL else "CN"
    return Facts(
        province=order.province_code,
        licence="filing",
        hosting=Hosting(region="mainland", provider_chinese=True),
        subject=Subject(
            kind=subject.kind.value,
            name=subject.name,
            nationality=nationality,
            documents=(Document(type=document.type.value, number=document.number),),
            leader=Leader(mobile=subject.leader.mobile),
        ),
        sites=tuple(
            SiteFact(
                name=site.name,
                kind=site.service_type.value,
                domains=tuple(DomainFact(name=d.unicode) for d in site.domains),
            )
            for site in order.sites
        ),
    )


def order_findings(order: FilingOrder, day: date) -> list[Finding]:
    """Every finding on the order as of `day`, blocks first; `engine.is_ok` of them decides whether it may leave
    the draft. Meant for orders that file something new (first filing, a new site); a cancellation has nothing
    for these rules to check."""
    return evaluate(facts_from_order(order), day)
