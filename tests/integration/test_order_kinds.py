"""Every order kind end to end, with a fixed clock moved through each stage's deadline; the kind rules
(derived kinds, one order in flight, what a change may do, cancellations); the 45-day add-access expiry.

The timed walk: at every waiting stage the clock goes to one minute before the deadline (not overdue), then
past it (overdue, in that role's queue), then the party acts. Deadlines are in working days of the Beijing
calendar (first review 1, verification 3, regulator 20) and 24 clock hours for the SMS code.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Stage, Trigger
from openbeian.errors import Conflict, IllegalTransition, NotFound, PermissionDenied, ValidationError
from openbeian.services.context import Context
from openbeian.services.forms import content_form
from openbeian.services.timers import tick
from openbeian.simulate.driver import LETTER_PDF, read_sms_code

if TYPE_CHECKING:
    from conftest import Filings

MINUTE = timedelta(minutes=1)


def site(domain: str, name: str = "云启科技官网") -> list[dict[str, Any]]:
    return [{"name": name, "service_type": "website", "domains": [domain]}]


def walk(filings: Filings, clock: FixedClock, applicant: Actor, order: FilingOrder) -> FilingOrder:
    """Drive an order to its end, checking the deadline of every waiting stage on the way."""
    service = filings.orders
    order_id = order.id or 0
    order = service.act(applicant, order_id, Trigger.SUBMIT)
    reviewer = filings.cast.reviewer_of(order.provider_id)
    officer = filings.cast.officers[order.province_code]
    while not order.stage.is_final:
        assert order.deadline is not None, order.stage
        clock.set(order.deadline - MINUTE)
        queue_actor = officer if order.stage is Stage.REGULATOR_REVIEW else reviewer
        assert order_id not in [o.id for o in service.overdue(queue_actor)]
        clock.set(order.deadline + MINUTE)
        if order.stage is not Stage.SMS_CHECK:  # an SMS code past 24 hours fails instead (tested below)
            assert order_id in [o.id for o in service.overdue(queue_actor)], order.stage
        if order.stage is Stage.PROVIDER_REVIEW:
            order = service.act(reviewer, order_id, Trigger.PASS_REVIEW)
        elif order.stage is Stage.VERIFICATION:
            service.add_file(applicant, order_id, "letter", "letter.pdf", LETTER_PDF)
            service.record_face_check(reviewer, order_id, f"FACE-{order_id}")
            order = service.act(reviewer, order_id, Trigger.VERIFY)
            clock.set(clock.now() + MINUTE)
        elif order.stage is Stage.SMS_CHECK:
            clock.set(order.deadline - MINUTE)
            _, order = service.enter_sms_code(applicant, order_id, read_sms_code(filings.ctx, order_id))
        elif order.stage is Stage.REGULATOR_REVIEW:
            order = service.act(officer, order_id, Trigger.APPROVE)
    return order


def filed(
    filings: Filings, domain: str = "kinds-base.cn", province: str = "110000"
) -> tuple[Actor, FilingOrder, dict[str, Any]]:
    """An approved first filing to build on, and its form."""
    form = filings.form(province, "enterprise", site(domain))
    applicant, order = filings.draft(form)
    order = filings.drive(applicant, order)
    assert order.stage is Stage.APPROVED and order.issued is not None
    return applicant, order, form


def record(filings: Filings, number: str) -> dict[str, Any]:
    [found] = [r.to_dict() for r in filings.registry.by_number(number)]
    return found


# -- each kind, end to end --------------------------------------------------------------------------


def test_first_filing_through_every_deadline_issues_numbers(filings: Filings, clock: FixedClock) -> None:
    applicant, draft = filings.draft(filings.form("110000", "enterprise", site("kinds-first.cn")))
    assert draft.kind is OrderKind.FIRST_FILING
    order = walk(filings, clock, applicant, draft)
    assert order.stage is Stage.APPROVED and order.issued is not None
    assert record(filings, order.issued.site_numbers[0])["status"] == "active"


def test_add_site_gets_the_next_number_of_the_filed_subject(filings: Filings, clock: FixedClock) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    number = filings.service_number(applicant)
    draft = filings.orders.create(
        applicant, {**form, "sites": site("kinds-second.cn", "云启科技商城"), "service_number": number}
    )
    assert draft.kind is OrderKind.ADD_SITE and draft.subject_number == base.issued.subject_number
    order = walk(filings, clock, applicant, draft)
    assert order.issued is not None and order.issued.site_numbers == (f"{base.issued.subject_number}-2",)


def test_add_access_puts_a_second_provider_on_the_filed_site(filings: Filings, clock: FixedClock) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    draft = filings.orders.create(applicant, {**form, "service_number": number})
    assert draft.kind is OrderKind.ADD_ACCESS and draft.targets == base.issued.site_numbers
    order = walk(filings, clock, applicant, draft)
    assert order.stage is Stage.APPROVED
    providers = record(filings, base.issued.site_numbers[0])["providers"]
    assert sorted(providers) == sorted([filings.cast.reviewer.provider_id, filings.cast.other_reviewer.provider_id])


def test_change_subject_renames_the_filed_subject(filings: Filings, clock: FixedClock) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    subject = {**form["subject"], "name": "北京云启新材料有限公司"}
    draft = filings.orders.create(
        applicant, {"action": "change", "target": base.issued.subject_number, "subject": subject}
    )
    assert draft.kind is OrderKind.CHANGE_SUBJECT
    walk(filings, clock, applicant, draft)
    assert record(filings, base.issued.site_numbers[0])["subject_name"] == "北京云启新材料有限公司"


def test_change_site_may_remove_a_domain_and_rename(filings: Filings, clock: FixedClock) -> None:
    form = filings.form(
        "110000",
        "enterprise",
        [{"name": "云启科技官网", "service_type": "website", "domains": ["www.kinds-two.cn", "kinds-two.com"]}],
    )
    applicant, base = filings.draft(form)
    base = filings.drive(applicant, base)
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    added = {"action": "change", "target": target, "sites": site("kinds-three.cn")}
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, added)
    assert "sites[0].domains" in caught.value.fields and "只能删除域名" in caught.value.fields["sites[0].domains"].zh
    change = {"action": "change", "target": target, "sites": site("www.kinds-two.cn", "云启科技新官网")}
    draft = filings.orders.create(applicant, change)
    assert draft.kind is OrderKind.CHANGE_SITE
    walk(filings, clock, applicant, draft)
    found = record(filings, target)
    assert found["site_name"] == "云启科技新官网" and found["domains"] == ["www.kinds-two.cn"]
    assert filings.registry.by_domain("kinds-two.com") == []  # the removed domain is free to file again


def test_change_access_moves_the_site_to_a_new_server(filings: Filings, clock: FixedClock) -> None:
    applicant, base, _ = filed(filings)
    assert base.issued is not None
    number = filings.service_number(applicant)
    draft = filings.orders.create(
        applicant, {"action": "change", "target": base.issued.site_numbers[0], "service_number": number}
    )
    assert draft.kind is OrderKind.CHANGE_ACCESS and draft.service_number == number
    assert walk(filings, clock, applicant, draft).stage is Stage.APPROVED


def test_cancel_access_leaves_an_empty_site_that_the_cleanup_cancels(filings: Filings, clock: FixedClock) -> None:
    from openbeian.services.cleanup import CleanupService

    applicant, base, _ = filed(filings)
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    draft = filings.orders.create(applicant, {"action": "cancel", "target": target, "scope": "access"})
    assert draft.kind is OrderKind.CANCEL_ACCESS and draft.service_number == ""
    walk(filings, clock, applicant, draft)
    assert record(filings, target)["providers"] == [] and record(filings, target)["status"] == "active"

    officer = filings.cast.officers["110000"]
    cleanup = CleanupService(filings.ctx)
    assert [s.number for s in cleanup.empty_shells(officer)] == [target]
    [notice] = cleanup.notice_all(officer)
    assert cleanup.notice_all(officer) == []  # one open notice per shell
    clock.set(notice.due_at - MINUTE)
    assert tick(filings.ctx)["empty_shells_cancelled"] == []
    clock.set(notice.due_at + MINUTE)
    assert tick(filings.ctx)["empty_shells_cancelled"] == [target]
    assert tick(filings.ctx)["empty_shells_cancelled"] == []  # a timer that fires twice changes nothing
    assert record(filings, target)["status"] == "cancelled"
    # The subject has no site left now: an empty subject, next in line.
    assert [s.reason for s in cleanup.empty_shells(officer)] == ["empty_subject"]


def test_cancel_site_is_final_and_its_number_never_comes_back(filings: Filings, clock: FixedClock) -> None:
    applicant, base, form = filed(filings, "kinds-gone.cn")
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    draft = filings.orders.create(applicant, {"action": "cancel", "target": target})
    assert draft.kind is OrderKind.CANCEL_SITE
    done = walk(filings, clock, applicant, draft)
    assert Stage.VERIFICATION not in {h.target for h in done.history}  # nothing new to verify
    assert record(filings, target)["status"] == "cancelled"
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {"action": "cancel", "target": target})
    assert "target" in caught.value.fields
    # The domain may be filed again, under a new number.
    again = filings.drive(
        applicant, filings.orders.create(applicant, {**form, "service_number": filings.service_number(applicant)})
    )
    assert again.kind is OrderKind.ADD_SITE and again.issued is not None
    assert again.issued.site_numbers[0] != target
    assert [r.site_number for r in filings.registry.by_domain("kinds-gone.cn")] == [again.issued.site_numbers[0]]


def test_cancel_subject_cancels_it_and_all_its_sites(filings: Filings, clock: FixedClock) -> None:
    applicant, base, _ = filed(filings)
    assert base.issued is not None
    draft = filings.orders.create(applicant, {"action": "cancel", "target": base.issued.subject_number})
    assert draft.kind is OrderKind.CANCEL_SUBJECT
    walk(filings, clock, applicant, draft)
    assert {r.status for r in filings.registry.by_number(base.issued.subject_number)} == {"cancelled"}


# -- kind rules -----------------------------------------------------------------------------------------


def test_a_cancellation_cannot_be_abandoned_once_at_the_regulator(filings: Filings) -> None:
    applicant, base, _ = filed(filings)
    assert base.issued is not None
    draft = filings.orders.create(applicant, {"action": "cancel", "target": base.issued.site_numbers[0]})
    at_regulator = filings.drive(applicant, draft, until=Stage.REGULATOR_REVIEW)
    with pytest.raises(IllegalTransition) as caught:
        filings.orders.act(applicant, at_regulator.id or 0, Trigger.ABANDON)
    assert "注销" in caught.value.text.zh


def test_one_order_in_flight_per_subject_across_providers(filings: Filings) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    filings.orders.create(
        applicant, {"action": "change", "target": base.issued.subject_number, "subject": form["subject"]}
    )
    other = filings.service_number(applicant, filings.cast.other_reviewer)
    with pytest.raises(Conflict) as caught:
        filings.orders.create(
            applicant, {**form, "sites": site("kinds-more.cn", "云启科技商城"), "service_number": other}
        )
    assert "subject conflict" in caught.value.text.en and "主体冲突" in caught.value.text.zh


def test_an_organisation_cannot_become_an_individual_nor_change_province(filings: Filings) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    target = base.issued.subject_number
    moved = {**form["subject"], "province": "310000"}
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {"action": "change", "target": target, "subject": moved})
    assert "subject.province" in caught.value.fields
    individual = {**form["subject"], "kind": "individual", "document": form["subject"]["leader"]["document"]}
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {"action": "change", "target": target, "subject": individual})
    assert "subject.kind" in caught.value.fields


def test_only_the_account_that_filed_may_change_or_cancel(filings: Filings) -> None:
    _, base, _ = filed(filings)
    assert base.issued is not None
    stranger = filings.applicant()
    with pytest.raises(PermissionDenied) as caught:
        filings.orders.create(stranger, {"action": "cancel", "target": base.issued.subject_number})
    assert "target" in caught.value.fields
    with pytest.raises(NotFound):
        filings.orders.create(stranger, {"action": "cancel", "target": "京ICP备2026999999号"})


def test_a_domain_of_another_subject_is_a_domain_conflict_naming_the_field(filings: Filings) -> None:
    filed(filings, "kinds-taken.cn")
    with pytest.raises(Conflict) as caught:
        filings.draft(filings.form("110000", "enterprise", site("kinds-taken.cn")))
    assert list(caught.value.fields) == ["sites[0].domains[0]"]


def test_an_add_access_review_lapses_45_days_after_the_first_review(filings: Filings, clock: FixedClock) -> None:
    applicant, _, form = filed(filings)
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    draft = filings.orders.create(applicant, {**form, "service_number": number})
    order = filings.drive(applicant, draft, until=Stage.REGULATOR_REVIEW)
    passed = order.first_review_passed_at
    assert passed is not None
    clock.set(passed + timedelta(days=45) - MINUTE)
    assert tick(filings.ctx)["access_reviews_expired"] == []
    clock.set(passed + timedelta(days=45) + MINUTE)
    assert tick(filings.ctx)["access_reviews_expired"] == [order.id]
    assert tick(filings.ctx)["access_reviews_expired"] == []
    expired = filings.orders.get(applicant, order.id or 0)
    assert expired.stage is Stage.ABANDONED and expired.history[-1].trigger is Trigger.EXPIRE
    # The abandoned order's service number is free for a new attempt.
    again = filings.orders.create(applicant, {**form, "service_number": number})
    assert again.kind is OrderKind.ADD_ACCESS


def test_change_and_cancel_forms_start_from_the_filed_content(filings: Filings) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    draft = filings.orders.create(applicant, {"action": "cancel", "target": base.issued.site_numbers[0]})
    assert content_form(draft.subject, draft.sites)["sites"][0]["domains"] == form["sites"][0]["domains"]
    assert draft.access == base.access


def test_simulate_all_kinds_ends_each_kind_as_designed_on_both_engines(ctx: Context) -> None:
    from openbeian.simulate.scenarios import simulate

    report = simulate(ctx, 24, seed=11)
    assert set(report["by_kind"]) == {k.value for k in OrderKind}
    assert report["approved"] == report["orders"] == 24, report["by_kind"]


def test_the_days_in_review_are_credited_once_per_instance_up_to_30(filings: Filings, clock: FixedClock) -> None:
    from openbeian.services.accounts import AccountService
    from openbeian.services.resources import ResourceService

    resources = ResourceService(filings.ctx)
    applicant = filings.applicant()
    account = AccountService(filings.ctx).by_id(applicant.account_id or 0)
    assert account is not None
    _, (first_number, second_number) = resources.add_instance(
        filings.cast.reviewer, account.username, ["47.95.1.3"], service_numbers=2
    )
    form = filings.form("110000", "enterprise", site("kinds-credit.cn"))
    draft = filings.orders.create(applicant, {**form, "service_number": first_number.code})
    order = walk(filings, clock, applicant, draft)  # 1 + 3 + 20 working days and a day of SMS: over 30 days
    credit = resources.order_hosting_credit(applicant, order.id or 0)
    assert credit is not None and credit.days == 30
    assert credit.expires_after - credit.expires_before == timedelta(days=30)
    # The next order on the same instance waits in review too, but the instance was credited already.
    more = {**form, "sites": site("kinds-credit2.cn", "云启科技商城"), "service_number": second_number.code}
    second = walk(filings, clock, applicant, filings.orders.create(applicant, more))
    assert second.stage is Stage.APPROVED
    assert resources.order_hosting_credit(applicant, second.id or 0) is None


def test_blacklisted_subjects_and_domains_cannot_start_orders(filings: Filings) -> None:
    from openbeian.services.cleanup import CleanupService

    officer = filings.cast.officers["110000"]
    cleanup = CleanupService(filings.ctx)
    form = filings.form("110000", "enterprise", site("kinds-black.cn"))
    cleanup.blacklist_domain(officer, "KINDS-BLACK.cn", "仿冒网站")
    with pytest.raises(ValidationError) as caught:
        filings.draft(form)
    assert "黑名单" in caught.value.fields["sites"].zh
    with pytest.raises(Conflict):
        cleanup.blacklist_domain(officer, "kinds-black.cn", "again")
    document = form["subject"]["document"]
    cleanup.blacklist_subject(officer, document["type"], document["number"], "虚假材料")
    with pytest.raises(ValidationError) as caught:
        filings.draft({**form, "sites": site("kinds-white.cn")})
    assert "subject.document.number" in caught.value.fields
    with pytest.raises(PermissionDenied):
        cleanup.blacklist_domain(filings.cast.reviewer, "x.cn", "not the regulator")


def test_a_blocking_rule_keeps_the_order_in_the_draft_naming_field_and_rule(filings: Filings) -> None:
    form = filings.form(
        "110000", "individual", [{"name": "老王的技术论坛", "service_type": "website", "domains": ["kinds-bbs.cn"]}]
    )
    applicant, draft = filings.draft(form)
    with pytest.raises(ValidationError) as caught:
        filings.orders.act(applicant, draft.id or 0, Trigger.SUBMIT)
    assert "sites[0].name" in caught.value.fields
    assert "NAME-INDIVIDUAL-WORD" in caught.value.fields["sites[0].name"].en
    assert "论坛" in caught.value.fields["sites[0].name"].zh
    assert filings.orders.get(applicant, draft.id or 0).stage is Stage.DRAFT


def test_a_change_of_access_to_another_provider_is_refused_as_an_add_access(filings: Filings) -> None:
    applicant, base, _ = filed(filings)
    assert base.issued is not None
    elsewhere = filings.service_number(applicant, filings.cast.other_reviewer)
    request = {"action": "change", "target": base.issued.site_numbers[0], "service_number": elsewhere}
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, request)
    assert "CHANGE-ACCESS-SAME-PROVIDER" in caught.value.fields["service_number"].en


def test_cancel_access_ends_the_access_of_the_provider_asked_for(filings: Filings) -> None:
    applicant, base, form = filed(filings)
    assert base.issued is not None
    target = base.issued.site_numbers[0]
    other = filings.cast.other_reviewer.provider_id
    number = filings.service_number(applicant, filings.cast.other_reviewer)
    filings.drive(applicant, filings.orders.create(applicant, {**form, "service_number": number}))
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {"action": "cancel", "target": target, "scope": "access", "provider_id": 999})
    assert "provider_id" in caught.value.fields
    request = {"action": "cancel", "target": target, "scope": "access", "provider_id": other}
    order = filings.drive(applicant, filings.orders.create(applicant, request))
    assert order.provider_id == other  # the provider whose access ends reviews the order
    assert record(filings, target)["providers"] == [filings.cast.reviewer.provider_id]
