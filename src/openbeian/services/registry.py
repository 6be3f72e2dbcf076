"""The public registry query: by domain (either IDN form; a subdomain finds its registrable domain's
filing), by number (any accepted spelling), by subject name. The public view hides personal data."""

from __future__ import annotations

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
