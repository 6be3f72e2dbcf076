"""The regulator's cleanup (空壳清理): empty subjects (no active site) and empty sites (no access left) are
listed, given a notice, and cancelled by `tick` when the notice runs out and they are still empty.
Blacklisted subjects and domains cannot start new orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.domains import parse_domain
from openbeian.domain.orders import Actor
from openbeian.domain.subjects import IdDocument
from openbeian.domain.workflow import Role
from openbeian.errors import PermissionDenied, Text, ValidationError
from openbeian.services.context import Context
from openbeian.store.lifecycle import BlacklistEntry, CleanupNotice
from openbeian.store.uow import UnitOfWork

# How long a published notice runs before the cancellation; the regulators publish lists and give
# owners a period to restore access. Our choice: 10 working days (no national figure is published).
NOTICE_WORKING_DAYS = 10


@dataclass(frozen=True, slots=True)
class EmptyShell:
    number: str
    reason: str  # empty_subject | empty_site
    name: str
    province_code: str
    notice: CleanupNotice | None


def _officer(actor: Actor) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN, Role.SYSTEM):
        raise PermissionDenied(Text("only the regulator does this", "只有管局可以执行此操作"))


class CleanupService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def empty_shells(self, actor: Actor) -> list[EmptyShell]:
        _officer(actor)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return self._shells(uow, actor.province_code)

    @staticmethod
    def _shells(uow: UnitOfWork, province_code: str | None) -> list[EmptyShell]:
        out = [
            EmptyShell(s.number, "empty_subject", s.name, s.province_code, uow.lifecycle.notice_for(s.number))
            for s in uow.registry.empty_subjects(province_code)
        ]
        for site in uow.registry.empty_sites(province_code):
            subject = uow.registry.subject_by_number(site.subject_number)
            assert subject is not None
            out.append(
                EmptyShell(
                    site.number, "empty_site", site.name, subject.province_code, uow.lifecycle.notice_for(site.number)
                )
            )
        return out

    def notice_all(self, actor: Actor) -> list[CleanupNotice]:
        """Publish a notice for every empty shell in the officer's province that has none open."""
        _officer(actor)
        now = self.ctx.clock.now()
        due = self.ctx.calendar.add_working_days(now.astimezone(CHINA_TZ), NOTICE_WORKING_DAYS)
        noticed = []
        with self.ctx.db.unit_of_work() as uow:
            for shell in self._shells(uow, actor.province_code):
                notice = uow.lifecycle.add_notice(shell.number, shell.reason, now, due)
                if notice is not None:
                    noticed.append(notice)
                    _record_site_notice(uow, now, "cleanup_noticed", notice)
            uow.commit()
        return noticed

    def enforce(self, at: datetime) -> list[str]:
        """Cancel what is still empty when its notice ran out; a shell that got a site or access back is cured,
        and one whose subject has an order in flight (a new site or access on its way) waits for that order.
        Idempotent: a resolved notice is never acted on again."""
        cancelled = []
        with self.ctx.db.unit_of_work() as uow:
            for notice in uow.lifecycle.open_notices(due_before=at):
                if not uow.registry.is_empty_shell(notice.number, notice.reason):
                    uow.lifecycle.resolve_notice(notice.id, "cured", at)
                    _record_site_notice(uow, at, "cleanup_cured", notice)
                    continue
                site = uow.registry.site_by_number(notice.number) if notice.reason == "empty_site" else None
                subject = uow.registry.subject_by_number(site.subject_number if site else notice.number)
                assert subject is not None
                if uow.lifecycle.order_in_flight_for_subject(subject.document_key) is not None:
                    continue
                if notice.reason == "empty_subject":
                    uow.registry.cancel_subject(subject.id, at)
                    uow.registry.record_change(
                        at, "subject_cancelled", subject.number, None, {"reason": "empty_subject"}
                    )
                else:
                    assert site is not None
                    uow.registry.cancel_site(site.id, at)
                    uow.registry.record_change(
                        at,
                        "site_cancelled",
                        site.subject_number,
                        site.number,
                        {"reason": "empty_site", "domains": list(site.domains)},
                    )
                uow.lifecycle.resolve_notice(notice.id, "cancelled", at)
                cancelled.append(notice.number)
            uow.commit()
        return cancelled

    # -- blacklists -----------------------------------------------------------------------------------
    def blacklist_subject(self, actor: Actor, document_type: str, document_number: str, reason: str) -> BlacklistEntry:
        _officer(actor)
        document = IdDocument.parse(document_type, document_number, "document")
        return self._blacklist("subject", document.key, reason)

    def blacklist_domain(self, actor: Actor, domain: str, reason: str) -> BlacklistEntry:
        _officer(actor)
        return self._blacklist("domain", parse_domain(domain, "domain").ascii, reason)

    def _blacklist(self, kind: str, value: str, reason: str) -> BlacklistEntry:
        if not reason.strip():
            raise ValidationError.for_field("reason", "give the reason", "请填写原因")
        with self.ctx.db.unit_of_work() as uow:
            entry = uow.lifecycle.blacklist_add(kind, value, reason.strip(), self.ctx.clock.now())
            # The gates block what is blacklisted: a domain, or every site of a filed subject (by number only: the
            # document key stays out of the public change log).
            if kind == "domain":
                uow.registry.record_change(entry.created_at, "blacklisted", "", None, {"domain": value})
            elif (subject := uow.registry.subject_by_document(value)) is not None:
                uow.registry.record_change(entry.created_at, "blacklisted", subject.number, None, {"kind": "subject"})
            uow.commit()
        return entry

    def blacklist(self, actor: Actor) -> list[BlacklistEntry]:
        _officer(actor)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.lifecycle.blacklist_entries()


def _record_site_notice(uow: UnitOfWork, at: datetime, action: str, notice: CleanupNotice) -> None:
    """A notice on an empty site suspends it at the gates when it runs out: log it (and its cure) for them."""
    if notice.reason != "empty_site":
        return
    site = uow.registry.site_by_number(notice.number)
    if site is not None:
        payload: dict[str, object] = {"due_at": notice.due_at.isoformat()}
        uow.registry.record_change(at, action, site.subject_number, site.number, payload)
