"""What an approval does to the registry, per order kind: issue numbers, add or drop access, change or
cancel a filed subject or site. Every change goes to the registry's change log, which the gate follows.

Serials are sequential per province and year; the database's unique constraints make a number impossible
to issue twice, also when several processes approve at once (see RegistryRepository).
"""

from __future__ import annotations

from datetime import datetime

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import FilingOrder, IssuedNumbers
from openbeian.errors import Conflict, Text
from openbeian.store.registry import FiledSite, FiledSubject
from openbeian.store.uow import UnitOfWork


def check_domains_free(uow: UnitOfWork, order: FilingOrder) -> None:
    """New sites need domains that no active filing holds (domain conflict otherwise)."""
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


def apply_approval(uow: UnitOfWork, order: FilingOrder, at: datetime) -> IssuedNumbers:
    assert order.id is not None
    kind = order.kind
    if kind is OrderKind.FIRST_FILING:
        return _first_filing(uow, order, at)
    subject = _filed_subject(uow, order)
    if kind is OrderKind.ADD_SITE:
        check_domains_free(uow, order)
        return IssuedNumbers(subject.number, tuple(_add_sites(uow, order, subject, at)))
    if kind is OrderKind.CHANGE_SUBJECT:
        uow.registry.update_subject(
            subject.id, order.subject.name, order.subject.kind.value, order.subject_key, order.id
        )
        uow.registry.record_change(
            at, "subject_changed", subject.number, None, {"name": order.subject.name, "kind": order.subject.kind.value}
        )
    elif kind is OrderKind.CANCEL_SUBJECT:
        for site in uow.registry.sites_of_subject(subject.id):
            uow.registry.cancel_site(site.id, at)
            uow.registry.record_change(
                at, "site_cancelled", subject.number, site.number, {"domains": list(site.domains)}
            )
        uow.registry.cancel_subject(subject.id, at)
        uow.registry.record_change(at, "subject_cancelled", subject.number, None, {})
    else:
        for index, site in enumerate(_filed_sites(uow, order)):
            _apply_to_site(uow, order, index, site, at)
    return IssuedNumbers(subject.number, order.targets)


def _apply_to_site(uow: UnitOfWork, order: FilingOrder, index: int, site: FiledSite, at: datetime) -> None:
    assert order.id is not None
    provider = order.provider_id
    kind = order.kind
    if kind is OrderKind.ADD_ACCESS:
        uow.registry.add_access(site.id, provider, order.access.ips)
        uow.registry.record_change(
            at,
            "access_added",
            site.subject_number,
            site.number,
            {"provider_id": provider, "domains": list(site.domains)},
        )
    elif kind is OrderKind.CHANGE_ACCESS:
        uow.registry.add_access(site.id, provider, order.access.ips, order.id)
        uow.registry.record_change(
            at,
            "access_changed",
            site.subject_number,
            site.number,
            {"provider_id": provider, "ips": list(order.access.ips)},
        )
    elif kind is OrderKind.CANCEL_ACCESS:
        uow.registry.drop_access(site.id, provider)
        uow.registry.record_change(
            at,
            "access_cancelled",
            site.subject_number,
            site.number,
            {"provider_id": provider, "domains": list(site.domains)},
        )
    elif kind is OrderKind.CHANGE_SITE:
        new = order.sites[index]
        dropped = uow.registry.update_site(site.id, new.name, [d.ascii for d in new.domains], order.id)
        uow.registry.record_change(
            at, "site_changed", site.subject_number, site.number, {"name": new.name, "domains_removed": dropped}
        )
    elif kind is OrderKind.CANCEL_SITE:
        uow.registry.cancel_site(site.id, at)
        uow.registry.record_change(
            at, "site_cancelled", site.subject_number, site.number, {"domains": list(site.domains)}
        )
    else:  # pragma: no cover - the kinds above are every site-level kind
        raise AssertionError(kind)


def _first_filing(uow: UnitOfWork, order: FilingOrder, at: datetime) -> IssuedNumbers:
    assert order.id is not None
    existing = uow.registry.subject_for_document(order.subject_key)
    if existing is not None:
        raise Conflict(
            Text(
                f"this subject is already filed as {existing}; adding a site to it is a separate order kind",
                f"该主体已备案（{existing}），新增网站须使用其他备案类型",
            ),
            {"subject.document.number": Text(f"already filed as {existing}", f"已备案：{existing}")},
        )
    check_domains_free(uow, order)
    year = at.astimezone(CHINA_TZ).year
    issued = uow.registry.issue_subject(
        order.province_code, year, order.subject.name, order.subject.kind.value, order.subject_key, at, order.id
    )
    subject = FiledSubject(
        issued.id,
        issued.number,
        order.subject.name,
        order.subject.kind.value,
        order.province_code,
        order.subject_key,
        "active",
        order.id,
    )
    return IssuedNumbers(issued.number, tuple(_add_sites(uow, order, subject, at)))


def _add_sites(uow: UnitOfWork, order: FilingOrder, subject: FiledSubject, at: datetime) -> list[str]:
    assert order.id is not None
    numbers = []
    for site in order.sites:
        domains = [d.ascii for d in site.domains]
        number = uow.registry.add_site(
            subject.issued,
            site.name,
            site.service_type,
            site.app_id,
            domains,
            order.provider_id,
            order.access.ips,
            at,
            order.id,
            order.applicant_id,
        )
        numbers.append(number)
        uow.registry.record_change(
            at,
            "site_approved",
            subject.number,
            number,
            {"domains": domains, "provider_ids": [order.provider_id], "service_type": site.service_type.value},
        )
    return numbers


def _filed_subject(uow: UnitOfWork, order: FilingOrder) -> FiledSubject:
    subject = uow.registry.subject_by_number(order.subject_number or "")
    if subject is None or subject.status != "active":
        raise Conflict(
            Text(
                f"subject {order.subject_number} is no longer active in the registry",
                f"主体 {order.subject_number} 在备案库中已不是有效状态",
            )
        )
    return subject


def _filed_sites(uow: UnitOfWork, order: FilingOrder) -> list[FiledSite]:
    sites = []
    for number in order.targets:
        site = uow.registry.site_by_number(number)
        if site is None or site.status != "active":
            raise Conflict(
                Text(f"site {number} is no longer active in the registry", f"网站 {number} 在备案库中已不是有效状态")
            )
        sites.append(site)
    return sites
