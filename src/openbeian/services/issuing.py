"""Number issuing on approval: the subject number and one `-n` per site, written to the registry.

The serial is sequential per province and year; the database's unique constraints make a number
impossible to issue twice, also when several processes approve at once (see RegistryRepository).
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from openbeian.clock import CHINA_TZ
from openbeian.domain.orders import FilingOrder, IssuedNumbers
from openbeian.domain.subjects import IdDocument
from openbeian.errors import Conflict, Text
from openbeian.store.uow import UnitOfWork


def document_key(document: IdDocument) -> str:
    return hashlib.sha256(f"{document.type.value}:{document.number}".encode()).hexdigest()


def check_not_filed(uow: UnitOfWork, order: FilingOrder) -> None:
    """A first filing needs a subject and domains that the registry does not hold yet."""
    existing = uow.registry.subject_for_document(document_key(order.subject.document))
    if existing is not None:
        raise Conflict(
            Text(
                f"this subject is already filed as {existing}; adding a site to it is a separate order kind",
                f"该主体已备案（{existing}），新增网站须使用其他备案类型",
            ),
            {"subject.document.number": Text(f"already filed as {existing}", f"已备案：{existing}")},
        )
    filed = uow.registry.filed_domains(order.domains)
    if filed:
        fields = {}
        for i, site in enumerate(order.sites):
            for j, domain in enumerate(site.domains):
                if domain.ascii in filed:
                    fields[f"sites[{i}].domains[{j}]"] = Text(
                        f"{domain.unicode} is already filed as {filed[domain.ascii]}",
                        f"{domain.unicode} 已备案：{filed[domain.ascii]}",
                    )
        raise Conflict(Text("a domain is already filed (domain conflict)", "域名已备案（域名冲突）"), fields)


def issue_numbers(uow: UnitOfWork, order: FilingOrder, at: datetime) -> IssuedNumbers:
    assert order.id is not None
    check_not_filed(uow, order)
    year = at.astimezone(CHINA_TZ).year
    subject = uow.registry.issue_subject(
        order.province_code,
        year,
        order.subject.name,
        order.subject.kind.value,
        document_key(order.subject.document),
        at,
        order.id,
    )
    site_numbers = []
    for site in order.sites:
        domains = [d.ascii for d in site.domains]
        number = uow.registry.add_site(
            subject, site.name, site.service_type, site.app_id, domains, [order.provider_id], at, order.id
        )
        site_numbers.append(number)
        uow.registry.record_change(
            at,
            "site_approved",
            subject.number,
            number,
            {
                "domains": domains,
                "provider_ids": [order.provider_id],
                "service_type": site.service_type.value,
            },
        )
    return IssuedNumbers(subject.number, tuple(site_numbers))
