"""The public registry query: by domain (either IDN form; a subdomain finds its registrable domain's
filing), by number (any accepted spelling), by part of a subject's name; one at a time, a page at a time (opaque
keyset cursors) or in batches. The public view hides personal data.

Reads go through the database's RegistryReader (store/reader.py): no unit of work per query."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import idna

from openbeian.domain.domains import parse_domain
from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.domain.orders import Actor
from openbeian.domain.subjects import SubjectKind, mask_person_name
from openbeian.errors import Text, ValidationError
from openbeian.services.context import Context
from openbeian.store.reader import Keyed
from openbeian.store.registry import FiledSite, RegistryRecord


@dataclass(frozen=True, slots=True)
class PublicRecord:
    subject_name: str
    subject_kind: str
    subject_number: str
    site_number: str
    site_name: str
    site_type: str
    domains: tuple[str, ...]  # unicode form
    province_code: str
    approved_at: str  # ISO 8601, UTC
    status: str
    providers: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "subject_name": self.subject_name,
            "subject_kind": self.subject_kind,
            "subject_number": self.subject_number,
            "site_number": self.site_number,
            "site_name": self.site_name,
            "site_type": self.site_type,
            "domains": list(self.domains),
            "province_code": self.province_code,
            "approved_at": self.approved_at,
            "status": self.status,
            "providers": list(self.providers),
        }


def public(record: RegistryRecord) -> PublicRecord:
    name = record.subject_name
    if record.subject_kind == SubjectKind.INDIVIDUAL.value:
        name = mask_person_name(name)
    return PublicRecord(
        subject_name=name,
        subject_kind=record.subject_kind,
        subject_number=record.subject_number,
        site_number=record.site_number,
        site_name=record.site_name,
        site_type=record.site_type,
        domains=tuple(_unicode(d) if "xn--" in d else d for d in record.domains),
        province_code=record.province_code,
        approved_at=record.approved_at.isoformat(),
        status=record.status,
        providers=record.provider_ids,
    )


@lru_cache(maxsize=4096)
def _unicode(ascii_domain: str) -> str:
    """The U-label form of a filed (canonical A-label) domain: what parse_domain(d).unicode gives."""
    return idna.decode(ascii_domain)


@dataclass(frozen=True, slots=True)
class RegistryPage:
    """One page of a registry query: `next_cursor` fetches the next page (None on the last), `as_of` is the time
    of the newest registry change the answer reflects (ISO 8601, UTC)."""

    records: list[PublicRecord]
    next_cursor: str | None
    as_of: str


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The answer to one item of a batch query, in input order: its records, or why the item was refused."""

    query: str
    records: list[PublicRecord]
    error: Text | None


MAX_BATCH = 1000
MAX_PAGE = 200
SEARCH_LIMIT = 50  # records of a one-shot name search (by_subject)
SUBJECT_LIMIT = 200  # sites of a subject in a one-shot number query


class RegistryService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def filed_by(self, actor: Actor) -> list[FiledSite]:
        """The sites an applicant account filed (its "my filings"), with their full registry record."""
        if actor.account_id is None:
            return []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.registry.sites_of_applicant(actor.account_id)

    def by_domain(self, text: str) -> list[PublicRecord]:
        return [public(r) for r in self.ctx.db.reader.by_domains(_candidates(text))]

    def by_number(self, text: str) -> list[PublicRecord]:
        number, is_site = _filing_number(text)
        reader = self.ctx.db.reader
        if is_site:
            return [public(r) for r in reader.by_site_number(number)]
        return [public(k.record) for k in reader.by_subject_number(number, limit=SUBJECT_LIMIT)]

    def by_subject(self, name: str) -> list[PublicRecord]:
        keyed, _ = self.ctx.db.reader.search(_search_text(name), limit=SEARCH_LIMIT)
        return [public(k.record) for k in keyed]

    def query(
        self, domain: str | None = None, number: str | None = None, subject: str | None = None
    ) -> list[PublicRecord]:
        kind, value = _one_query(domain, number, subject)
        if kind == "domain":
            return self.by_domain(value)
        if kind == "number":
            return self.by_number(value)
        return self.by_subject(value)

    def query_page(
        self,
        domain: str | None = None,
        number: str | None = None,
        subject: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> RegistryPage:
        """Like `query`, one page at a time: pass the page's `next_cursor` back for the next one. A domain or a
        site number has one record; a subject number pages through its sites, a name through its matches."""
        kind, value = _one_query(domain, number, subject)
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError.for_field(
                "limit", f"give a limit from 1 to {MAX_PAGE}", f"每页条数应为 1 到 {MAX_PAGE}"
            )
        after = _decode_cursor(cursor, kind)
        reader = self.ctx.db.reader
        keyed: list[Keyed] = []
        more = False
        if kind == "domain":
            records = [] if after else self.by_domain(value)
        elif kind == "number":
            canonical, is_site = _filing_number(value)
            if is_site:
                records = [] if after else [public(r) for r in reader.by_site_number(canonical)]
            else:
                keyed = reader.by_subject_number(canonical, after_seq=after[1] if after else 0, limit=limit + 1)
                more, keyed = len(keyed) > limit, keyed[:limit]
                records = [public(k.record) for k in keyed]
        else:
            keyed, more = reader.search(_search_text(value), after or (0, 0), limit)
            records = [public(k.record) for k in keyed]
        next_cursor = _encode_cursor(kind, keyed[-1]) if more else None
        return RegistryPage(records, next_cursor, self.as_of())

    def as_of(self) -> str:
        """The time of the newest registry change (what every answer reflects), ISO 8601 UTC; now when none."""
        newest = self.ctx.db.reader.newest_change()
        return (newest.at if newest is not None else self.ctx.clock.now()).isoformat()

    def batch(self, domains: Sequence[str] | None = None, numbers: Sequence[str] | None = None) -> list[BatchItem]:
        """Many domains or many numbers (at most 1,000) at once: one item per input, in input order; an item that
        does not parse carries its error instead of failing the whole batch. Two round trips at most."""
        if (domains is None) == (numbers is None):
            raise ValidationError(
                Text("give either domains or numbers", "请提供域名列表或备案号列表之一"),
                {"query": Text("give either domains or numbers", "请只提供一种列表")},
            )
        field, items = ("domains", domains) if domains is not None else ("numbers", numbers)
        assert items is not None
        if len(items) > MAX_BATCH:
            raise ValidationError.for_field(
                field, f"at most {MAX_BATCH} items in one batch", f"一次最多查询 {MAX_BATCH} 项"
            )
        if domains is not None:
            return self._batch_domains(domains)
        return self._batch_numbers(items)

    def _batch_domains(self, items: Sequence[str]) -> list[BatchItem]:
        parsed: list[list[str] | Text] = []
        for item in items:
            try:
                parsed.append(_candidates(item))
            except ValidationError as exc:
                parsed.append(exc.text)
        lists = [p for p in parsed if not isinstance(p, Text)]
        found = iter(self.ctx.db.reader.by_domains_many(lists))
        return [
            BatchItem(item, [], p) if isinstance(p, Text) else BatchItem(item, [public(r) for r in next(found)], None)
            for item, p in zip(items, parsed, strict=True)
        ]

    def _batch_numbers(self, items: Sequence[str]) -> list[BatchItem]:
        parsed: list[tuple[str, bool] | Text] = []
        for item in items:
            try:
                parsed.append(_filing_number(item))
            except ValidationError as exc:
                parsed.append(exc.text)
        sites = [p[0] for p in parsed if not isinstance(p, Text) and p[1]]
        subjects = [p[0] for p in parsed if not isinstance(p, Text) and not p[1]]
        found = self.ctx.db.reader.by_numbers(sites, subjects)
        return [
            BatchItem(item, [], p)
            if isinstance(p, Text)
            else BatchItem(item, [public(r) for r in found.get(p[0], [])], None)
            for item, p in zip(items, parsed, strict=True)
        ]


def _candidates(text: str) -> list[str]:
    """The ascii names to look up for a typed domain: itself, then its registrable domain."""
    domain = parse_domain(text, "domain")
    return [domain.ascii] if domain.ascii == domain.registrable else [domain.ascii, domain.registrable]


def _filing_number(text: str) -> tuple[str, bool]:
    """The canonical ICP filing number typed, and whether it is a site's (else a subject's)."""
    try:
        number = parse_number(text)
    except ValidationError as exc:
        raise ValidationError(exc.text, {"number": exc.text}) from None
    if number.kind is not NumberKind.ICP_FILING:
        raise ValidationError.for_field(
            "number",
            "the registry holds ICP filing numbers (…ICP备…号)",
            "备案系统只能查询 ICP 备案号（…ICP备…号）",
        )
    return number.canonical, number.service_seq is not None


def _search_text(name: str) -> str:
    name = " ".join(name.split())
    if len(name) < 2:
        raise ValidationError.for_field("subject", "give at least 2 characters", "请至少输入 2 个字符")
    return name


def _one_query(domain: str | None, number: str | None, subject: str | None) -> tuple[str, str]:
    given = [(k, v) for k, v in (("domain", domain), ("number", number), ("subject", subject)) if v]
    if len(given) != 1:
        raise ValidationError(
            Text("give exactly one of domain, number or subject", "请只填写域名、备案号或主办单位名称中的一项"),
            {"query": Text("give exactly one of domain, number or subject", "请只填写一项查询条件")},
        )
    return given[0]


# Cursors: "<kind>:<subject id>:<seq>" (the last record's position), base64url without padding; opaque to clients.
def _encode_cursor(kind: str, last: Keyed) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last.subject_id}:{last.seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, kind: str) -> tuple[int, int] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        tag, subject_id, seq = text.split(":")
        if tag == kind and subject_id.isdigit() and seq.isdigit() and len(subject_id) < 19 and len(seq) < 10:
            return int(subject_id), int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ValidationError.for_field("cursor", "not a cursor of this query's pages", "无效的翻页标记")
