"""The public registry query: by domain (either IDN form; a subdomain finds its registrable domain's
filing), by number (any accepted spelling), by subject name. The public view hides personal data."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from openbeian.domain.domains import parse_domain
from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.domain.orders import Actor
from openbeian.domain.subjects import SubjectKind, mask_person_name
from openbeian.errors import Text, ValidationError
from openbeian.services.context import Context
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
        domains=tuple(parse_domain(d).unicode for d in record.domains),
        province_code=record.province_code,
        approved_at=record.approved_at.isoformat(),
        status=record.status,
        providers=record.provider_ids,
    )


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
        domain = parse_domain(text, "domain")
        candidates = [domain.ascii] if domain.ascii == domain.registrable else [domain.ascii, domain.registrable]
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return [public(r) for r in uow.registry.by_domains(candidates)]

    def by_number(self, text: str) -> list[PublicRecord]:
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
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            if number.service_seq is not None:
                rows = uow.registry.by_site_number(number.canonical)
            else:
                rows = uow.registry.by_subject_number(number.canonical)
        return [public(r) for r in rows]

    def by_subject(self, name: str) -> list[PublicRecord]:
        name = " ".join(name.split())
        if len(name) < 2:
            raise ValidationError.for_field("subject", "give at least 2 characters", "请至少输入 2 个字符")
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return [public(r) for r in uow.registry.by_subject_name(name)]

    def query(
        self, domain: str | None = None, number: str | None = None, subject: str | None = None
    ) -> list[PublicRecord]:
        given = [(k, v) for k, v in (("domain", domain), ("number", number), ("subject", subject)) if v]
        if len(given) != 1:
            raise ValidationError(
                Text(
                    "give exactly one of domain, number or subject",
                    "请只填写域名、备案号或主办单位名称中的一项",
                ),
                {"query": Text("give exactly one of domain, number or subject", "请只填写一项查询条件")},
            )
        kind, value = given[0]
        assert value is not None
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
        """Like `query`, one page at a time: pass the page's `next_cursor` back for the next one."""
        limit = _check_limit(limit)
        start = _decode_cursor(cursor)
        records = self.query(domain, number, subject) if subject is None else self._search(subject)
        page = records[start : start + limit]
        more = start + limit < len(records)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            newest = uow.registry.changes_since(0, 1_000_000)
        as_of = newest[-1]["at"] if newest else self.ctx.clock.now()
        assert hasattr(as_of, "isoformat")
        return RegistryPage(page, _encode_cursor(start + limit) if more else None, as_of.isoformat())

    def _search(self, name: str) -> list[PublicRecord]:
        return self.by_subject(name)

    def batch(self, domains: Sequence[str] | None = None, numbers: Sequence[str] | None = None) -> list[BatchItem]:
        """Many domains or many numbers (at most 1,000) at once: one item per input, in input order; an item that
        does not parse carries its error instead of failing the whole batch."""
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
        lookup = self.by_domain if domains is not None else self.by_number
        result: list[BatchItem] = []
        for item in items:
            try:
                result.append(BatchItem(item, lookup(item), None))
            except ValidationError as exc:
                result.append(BatchItem(item, [], exc.text))
        return result


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError.for_field("limit", f"give a limit from 1 to {MAX_PAGE}", f"每页条数应为 1 到 {MAX_PAGE}")
    return limit


def _encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int:
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.isdigit():
            return int(text)
    except ValueError:
        pass
    raise ValidationError.for_field("cursor", "not a cursor from a previous page", "无效的翻页标记")
