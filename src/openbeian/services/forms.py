"""The order form: a JSON-like document (API body, page form) parsed into domain objects.

All field errors are collected, so a face can show every one beside its field at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from openbeian.domain.provinces import find as find_province
from openbeian.domain.sites import Site, parse_site
from openbeian.domain.subjects import DocumentType, IdDocument, Person, Subject, SubjectKind
from openbeian.errors import Text, ValidationError

T = TypeVar("T")
MAX_SITES = 10


@dataclass(frozen=True, slots=True)
class OrderDraft:
    service_number: str
    subject: Subject
    sites: tuple[Site, ...]


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, Text] = {}

    def attempt(self, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ValidationError as exc:
            self.fields.update(exc.fields or {"": exc.text})
            return None

    def add(self, field: str, en: str, zh: str) -> None:
        self.fields[field] = Text(en, zh)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields))
            count = len(self.fields)
            raise ValidationError(
                Text(
                    f"{count} field(s) need attention, first {first}: {self.fields[first].en}",
                    f"有 {count} 处需要修改，首先是 {first}：{self.fields[first].zh}",
                ),
                self.fields,
            )


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _map(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _person(data: Mapping[str, Any], field: str) -> Person:
    doc = _map(data, "document")
    return Person.parse(
        _str(data, "name"),
        _str(doc, "type") or "resident_id",
        _str(doc, "number"),
        _str(data, "mobile"),
        _str(data, "email"),
        field,
    )


def parse_order_form(data: Mapping[str, Any]) -> OrderDraft:
    errors = _Errors()
    service_number = "".join(_str(data, "service_number").split()).upper()  # typed by hand: case and spaces vary
    if not service_number:
        errors.add(
            "service_number",
            "is required: get one from your provider's console",
            "必填：请在接入商控制台获取备案服务号",
        )

    s = _map(data, "subject")
    kind = errors.attempt(lambda: _kind(_str(s, "kind")))
    province = find_province(_str(s, "province"))
    if province is None:
        errors.add("subject.province", "choose one of the 31 mainland provinces", "请选择 31 个省级行政区之一")
    document = errors.attempt(
        lambda: IdDocument.parse(
            _str(_map(s, "document"), "type"), _str(_map(s, "document"), "number"), "subject.document"
        )
    )
    leader = errors.attempt(lambda: _person(_map(s, "leader"), "subject.leader"))
    subject = None
    if kind is not None and province is not None and document is not None and leader is not None:
        name = " ".join(_str(s, "name").split()) or (leader.name if kind is SubjectKind.INDIVIDUAL else "")
        subject = errors.attempt(
            lambda: Subject(kind, name, province.code, document, leader, " ".join(_str(s, "address").split()))
        )

    raw_sites = data.get("sites")
    sites: list[Site] = []
    if not isinstance(raw_sites, list) or not raw_sites:
        errors.add("sites", "add at least one site", "至少添加一个网站或 App")
    elif len(raw_sites) > MAX_SITES:
        errors.add("sites", f"at most {MAX_SITES} sites per order", f"每个订单最多 {MAX_SITES} 个网站")
    else:
        for i, raw in enumerate(raw_sites):
            site_data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
            site = errors.attempt(partial(_site, site_data, i, leader))
            if site is not None:
                sites.append(site)
        seen: dict[str, int] = {}
        for i, site in enumerate(sites):
            for domain in site.domains:
                if domain.ascii in seen:
                    errors.add(
                        f"sites[{i}].domains",
                        f"{domain.unicode} is already in site {seen[domain.ascii] + 1}",
                        f"{domain.unicode} 已在第 {seen[domain.ascii] + 1} 个网站中",
                    )
                seen[domain.ascii] = i

    errors.raise_if_any()
    assert subject is not None
    return OrderDraft(service_number, subject, tuple(sites))


def _site(data: Mapping[str, Any], index: int, subject_leader: Person | None) -> Site | None:
    """One site; its leader defaults to the subject's leader."""
    leader = _person(_map(data, "leader"), f"sites[{index}].leader") if _map(data, "leader") else subject_leader
    domains = data.get("domains") or []
    if isinstance(domains, str):
        domains = domains.replace(",", "\n").split()
    service_type = _str(data, "service_type") or "website"
    site = parse_site(
        index,
        _str(data, "name"),
        service_type,
        [str(x) for x in domains],
        leader or _NO_LEADER,
        _str(data, "app_id") or None,
        _str(data, "platform") or None,
        _str(data, "signing_fingerprint") or None,
    )
    return None if leader is None else site  # without a valid leader the site's fields are only checked


# Stands in for a leader whose own fields failed, so that the site's fields are still checked and reported.
_NO_LEADER = Person("", IdDocument(DocumentType.PASSPORT, ""), "", "")


def _kind(text: str) -> SubjectKind:
    try:
        return SubjectKind(text)
    except ValueError:
        raise ValidationError.for_field(
            "subject.kind",
            f"must be one of {', '.join(k.value for k in SubjectKind)}",
            "请选择主体性质",
        ) from None


def person_form(p: Person) -> dict[str, Any]:
    return {
        "name": p.name,
        "document": {"type": p.document.type.value, "number": p.document.number},
        "mobile": p.mobile,
        "email": p.email,
    }


def content_form(subject: Subject, sites: tuple[Site, ...], service_number: str = "") -> dict[str, Any]:
    """The form that parses back into this content: the starting point of a change order."""
    return {
        "service_number": service_number,
        "subject": {
            "kind": subject.kind.value,
            "name": subject.name,
            "province": subject.province_code,
            "document": {"type": subject.document.type.value, "number": subject.document.number},
            "leader": person_form(subject.leader),
            "address": subject.address,
        },
        "sites": [
            {
                "name": s.name,
                "service_type": s.service_type.value,
                "domains": [d.unicode for d in s.domains],
                "leader": person_form(s.leader),
                "app_id": s.app_id,
                "platform": s.platform,
                "signing_fingerprint": s.signing_fingerprint,
            }
            for s in sites
        ],
    }
