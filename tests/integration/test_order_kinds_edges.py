"""Edges of the order kinds found by review: who may build on a filed subject, which provider reviews a change or
cancellation, subject changes onto a filed document, blacklisted owners cancelling, subject-level orders and
domains, the SMS notice under a moving clock, cleanup and police lists beyond their first page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Stage
from openbeian.errors import Conflict, PermissionDenied
from openbeian.services.cleanup import CleanupService
from openbeian.services.police import PoliceFilingService

if TYPE_CHECKING:
    from conftest import Filings


def site(domain: str, name: str = "云启科技官网") -> list[dict[str, Any]]:
    return [{"name": name, "service_type": "website", "domains": [domain]}]


def filed(filings: Filings, domain: str, kind: str = "enterprise") -> tuple[Actor, FilingOrder, dict[str, Any]]:
    form = filings.form("110000", kind, site(domain, "张三的读书笔记" if kind == "individual" else "云启科技官网"))
    applicant, order = filings.draft(form)
    order = filings.drive(applicant, order)
    assert order.issued is not None
    return applicant, order, form


def test_another_account_cannot_add_a_site_under_a_filed_subject(filings: Filings) -> None:
    _, _, form = filed(filings, "edge-owner.cn")
    stranger = filings.applicant()
    with pytest.raises(PermissionDenied) as caught:
        filings.draft({**form, "sites": site("edge-stranger.cn", "云启科技商城")}, stranger)
    assert "subject.document.number" in caught.value.fields
    assert "SUBJECT-OTHER-ACCOUNT" in caught.value.text.en


def test_an_individual_turned_company_can_still_cancel_its_site(filings: Filings) -> None:
    applicant, base, _ = filed(filings, "edge-person.cn", "individual")
    assert base.issued is not None
    company = filings.form("110000", "enterprise", site("edge-unused.cn"))["subject"]
    change = filings.orders.create(
        applicant, {"action": "change", "target": base.issued.subject_number, "subject": company}
    )
    assert filings.drive(applicant, change).stage is Stage.APPROVED
    cancel = filings.orders.create(applicant, {"action": "cancel", "target": base.issued.site_numbers[0]})
    assert cancel.kind is OrderKind.CANCEL_SITE and cancel.subject.kind.value == "enterprise"


def test_a_subject_change_onto_a_filed_document_is_a_conflict_not_a_crash(filings: Filings) -> None:
    applicant, base, _ = filed(filings, "edge-a.cn")
    _, _, other_form = filed(filings, "edge-b.cn")
    assert base.issued is not None
    with pytest.raises(Conflict) as caught:
        filings.orders.create(
            applicant, {"action": "change", "target": base.issued.subject_number, "subject": other_form["subject"]}
        )
    assert "subject.document.number" in caught.value.fields


def test_a_cancellation_goes_to_a_provider_that_still_hosts_the_site(filings: Filings) -> None:
    applicant, base, form = filed(filings, "edge-move.cn")
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    first, second = filings.cast.reviewer.provider_id, filings.cast.other_reviewer.provider_id
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    filings.drive(applicant, filings.orders.create(applicant, {**form, "service_number": number}))
    leave = {"action": "cancel", "target": target, "scope": "access", "provider_id": first}
    filings.drive(applicant, filings.orders.create(applicant, leave))
    cancel = filings.orders.create(applicant, {"action": "cancel", "target": target})
    assert cancel.provider_id == second


def test_a_blacklisted_owner_can_still_cancel(filings: Filings) -> None:
    applicant, base, _ = filed(filings, "edge-black.cn")
    assert base.issued is not None
    CleanupService(filings.ctx).blacklist_domain(filings.cast.officers["110000"], "edge-black.cn", "违规")
    cancel = filings.orders.create(applicant, {"action": "cancel", "target": base.issued.subject_number})
    assert cancel.kind is OrderKind.CANCEL_SUBJECT


def test_a_subject_level_order_holds_no_domain(filings: Filings) -> None:
    applicant, base, form = filed(filings, "edge-free.cn")
    assert base.issued is not None
    filings.orders.create(
        applicant, {"action": "change", "target": base.issued.subject_number, "subject": form["subject"]}
    )
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.lifecycle.orders_in_flight_for_domains(["edge-free.cn"]) == {}


def test_the_sms_notice_is_recorded_when_the_clock_moves_between_calls(filings: Filings) -> None:
    class Ticking(FixedClock):
        def now(self) -> datetime:
            self.set(super().now() + timedelta(milliseconds=1))
            return super().now()

    filings.ctx.clock = Ticking(filings.ctx.clock.now())
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.lifecycle.notifications_about(f"sms:{order.id}:")


def test_an_officer_sees_police_deadlines_of_its_own_province_only(filings: Filings, clock: FixedClock) -> None:
    filed(filings, "edge-bj.cn")
    form = filings.form("230000", "enterprise", site("edge-hlj.cn"))
    applicant, order = filings.draft(form)
    filings.drive(applicant, order)
    clock.set(clock.now() + timedelta(days=40))
    police = PoliceFilingService(filings.ctx)
    beijing = {d.site_number[0] for d in police.due(filings.cast.officers["110000"])}
    heilongjiang = {d.site_number[0] for d in police.due(filings.cast.officers["230000"])}
    assert beijing == {"京"} and heilongjiang == {"黑"}


def test_cleanup_judges_each_notice_by_its_own_number(filings: Filings, clock: FixedClock) -> None:
    applicant, base, _ = filed(filings, "edge-shell.cn")
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    filings.drive(
        applicant, filings.orders.create(applicant, {"action": "cancel", "target": target, "scope": "access"})
    )
    officer = filings.cast.officers["110000"]
    cleanup = CleanupService(filings.ctx)
    [notice] = cleanup.notice_all(officer)
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.registry.is_empty_shell(target, "empty_site")
        assert not uow.registry.is_empty_shell(target, "empty_subject")
    clock.set(notice.due_at + timedelta(minutes=1))
    assert cleanup.enforce(clock.now()) == [target]


def test_an_empty_site_with_a_new_access_on_its_way_is_not_cancelled_under_it(
    filings: Filings, clock: FixedClock
) -> None:
    applicant, base, form = filed(filings, "edge-rescue.cn")
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    filings.drive(
        applicant, filings.orders.create(applicant, {"action": "cancel", "target": target, "scope": "access"})
    )
    cleanup = CleanupService(filings.ctx)
    [notice] = cleanup.notice_all(filings.cast.officers["110000"])
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    rescue = filings.orders.create(applicant, {**form, "service_number": number})
    assert rescue.kind is OrderKind.ADD_ACCESS
    clock.set(notice.due_at + timedelta(minutes=1))
    assert cleanup.enforce(clock.now()) == []  # waits for the add-access order
    assert filings.drive(applicant, rescue).stage is Stage.APPROVED
    assert cleanup.enforce(clock.now()) == []  # cured: it has access again
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.lifecycle.notice_for(target).resolved == "cured"  # type: ignore[union-attr]
