"""The public-security filing (公安备案) after approval: recorded within 30 days of approval (公安部令33号
art. 12), with a reminder before the deadline and a list of those overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from openbeian.domain.numbers import NumberKind, parse_number
from openbeian.domain.orders import Actor
from openbeian.domain.workflow import Role
from openbeian.errors import InvalidNumber, NotFound, PermissionDenied, Text, ValidationError
from openbeian.services.context import Context
from openbeian.store.registry import FiledSite

POLICE_FILING_DAYS = 30
REMINDER_DAYS_BEFORE = 7


@dataclass(frozen=True, slots=True)
class PoliceDue:
    site_number: str
    subject_number: str
    site_name: str
    approved_at: datetime
    due_at: datetime
    overdue: bool
    applicant_id: int | None


def police_due_at(approved_at: datetime) -> datetime:
    return approved_at + timedelta(days=POLICE_FILING_DAYS)


class PoliceFilingService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def record(self, actor: Actor, site_number: str, police_number: str) -> str:
        """The applicant (or an admin) records the site's police filing number; returns it canonical."""
        try:
            parsed = parse_number(police_number)
        except InvalidNumber as exc:
            raise ValidationError.for_field("police_number", exc.text.en, exc.text.zh) from None
        if parsed.kind is not NumberKind.POLICE_FILING:
            raise ValidationError.for_field(
                "police_number",
                "must be a public-security filing number (e.g. 京公网安备11010802020134号)",
                "须为公安备案号（如 京公网安备11010802020134号）",
            )
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            site = uow.registry.site_by_number(site_number.strip())
            if site is None or site.status != "active":
                raise NotFound(Text(f"no active site {site_number}", f"没有有效的网站 {site_number}"))
            if actor.role is not Role.ADMIN and site.applicant_id != actor.account_id:
                raise PermissionDenied(Text("only the site's applicant records it", "只有该网站的备案申请人可以登记"))
            subject = uow.registry.subject_by_number(site.subject_number)
            assert subject is not None
            if parsed.province is not None and parsed.province.code != subject.province_code:
                raise ValidationError.for_field(
                    "police_number",
                    f"the police filing is made in the subject's province ({subject.province_code})",
                    "公安备案号须为主体所在省份的号码",
                )
            uow.registry.set_police_number(site.id, parsed.canonical, now)
            uow.commit()
        return parsed.canonical

    def due(self, actor: Actor, within_days: int = REMINDER_DAYS_BEFORE) -> list[PoliceDue]:
        """Websites without a police number whose deadline is within `within_days` or past."""
        now = self.ctx.clock.now()
        approved_before = now - timedelta(days=POLICE_FILING_DAYS - within_days)
        if actor.role not in (Role.APPLICANT, Role.REVIEWER, Role.OFFICER, Role.ADMIN, Role.SYSTEM):
            return []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            sites = uow.registry.sites_without_police_number(
                approved_before,
                applicant_id=actor.account_id if actor.role is Role.APPLICANT else None,
                province_code=actor.province_code if actor.role is Role.OFFICER else None,
                provider_id=actor.provider_id if actor.role is Role.REVIEWER else None,
            )
        return [self._due(s, now) for s in sites]

    @staticmethod
    def _due(site: FiledSite, now: datetime) -> PoliceDue:
        due = police_due_at(site.approved_at)
        return PoliceDue(
            site.number, site.subject_number, site.name, site.approved_at, due, now > due, site.applicant_id
        )
