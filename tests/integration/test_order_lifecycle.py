"""Orders in the store: what a failed use case leaves behind, optimistic locking, service numbers, domain and
subject conflicts, the SMS check through the service, and the registry change log."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import Actor, SmsOutcome
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.errors import Conflict, IllegalTransition, PermissionDenied, StaleObject, ValidationError
from openbeian.simulate.driver import read_sms_code

if TYPE_CHECKING:
    from conftest import Filings

ADMIN = Actor(None, Role.ADMIN, "admin")


def stored(filings: Filings, order_id: int) -> tuple[Stage, int, int]:
    """What the database holds of the order: stage, version, history length."""
    fresh = filings.orders.get(ADMIN, order_id)
    return fresh.stage, fresh.version, len(fresh.history)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# -- a use case that fails changes nothing ---------------------------------------------------------


def test_an_illegal_transition_through_the_service_leaves_the_stored_order_unchanged(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order_id = order.id or 0
    before = stored(filings, order_id)
    assert before == (Stage.DRAFT, 1, 0)
    with pytest.raises(IllegalTransition):
        filings.orders.act(applicant, order_id, Trigger.ABANDON)
    with pytest.raises(IllegalTransition):
        filings.orders.act(filings.cast.reviewer, order_id, Trigger.PASS_REVIEW)
    assert stored(filings, order_id) == before


def test_an_approved_order_cannot_be_withdrawn_or_approved_again(filings: Filings) -> None:
    applicant, order = filings.approved("110000")
    order_id = order.id or 0
    before = stored(filings, order_id)
    with pytest.raises(IllegalTransition):
        filings.orders.act(applicant, order_id, Trigger.WITHDRAW)
    with pytest.raises(IllegalTransition):
        filings.orders.act(filings.cast.officers["110000"], order_id, Trigger.APPROVE)
    assert stored(filings, order_id) == before
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.registry.count_sites() == len(order.sites)


def test_a_return_without_reasons_through_the_service_changes_nothing(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    before = stored(filings, order.id or 0)
    with pytest.raises(ValidationError) as caught:
        filings.orders.act(filings.cast.reviewer, order.id or 0, Trigger.RETURN, note="  ")
    assert "note" in caught.value.fields
    assert stored(filings, order.id or 0) == before


def test_sms_outcomes_cannot_be_pulled_by_hand(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    for trigger in (Trigger.SMS_PASS, Trigger.SMS_FAIL):
        with pytest.raises(PermissionDenied, match="SMS"):
            filings.orders.act(ADMIN, order.id or 0, trigger)
    assert stored(filings, order.id or 0)[0] is Stage.SMS_CHECK


# -- the store -------------------------------------------------------------------------------------


def test_an_order_reads_back_as_it_was_written(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    assert filings.orders.get(applicant, order.id or 0) == order
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    loaded = filings.orders.get(applicant, order.id or 0)
    assert loaded == order
    assert loaded.sms is not None and loaded.sms.expires_at == filings.ctx.clock.now() + timedelta(hours=24)


def test_saving_a_stale_copy_raises_stale_object_and_keeps_the_first_save(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    db, now, calendar = filings.ctx.db, filings.ctx.clock.now(), filings.ctx.calendar
    with db.unit_of_work(readonly=True) as uow:
        first = uow.orders.get(order.id or 0)
    with db.unit_of_work(readonly=True) as uow:
        second = uow.orders.get(order.id or 0)
    first.move(Trigger.SUBMIT, applicant, now, calendar)
    with db.unit_of_work() as uow:
        uow.orders.save(first)
        uow.commit()
    assert first.version == 2
    second.move(Trigger.WITHDRAW, applicant, now, calendar)
    with db.unit_of_work() as uow, pytest.raises(StaleObject):
        uow.orders.save(second)
    assert stored(filings, order.id or 0) == (Stage.PROVIDER_REVIEW, 2, 1)


def test_every_save_bumps_the_version_once(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    versions = [order.version]
    for trigger, actor in ((Trigger.SUBMIT, applicant), (Trigger.PASS_REVIEW, filings.cast.reviewer)):
        order = filings.orders.act(actor, order.id or 0, trigger)
        versions.append(order.version)
    assert versions == [1, 2, 3]
    assert stored(filings, order.id or 0) == (Stage.VERIFICATION, 3, 2)


# -- service numbers -------------------------------------------------------------------------------


def test_a_service_number_serves_one_order_only(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {**filings.form(), "service_number": order.service_number})
    assert list(caught.value.fields) == ["service_number"]
    assert [o.id for o in filings.orders.find(applicant)] == [order.id]


@pytest.mark.parametrize(
    ("path", "trigger"),
    [
        ((), Trigger.WITHDRAW),
        ((Trigger.SUBMIT,), Trigger.WITHDRAW),
        ((Trigger.SUBMIT, Trigger.PASS_REVIEW), Trigger.ABANDON),
    ],
    ids=["withdrawn-draft", "withdrawn-in-review", "abandoned"],
)
def test_a_withdrawn_or_abandoned_order_frees_its_service_number(
    filings: Filings, path: tuple[Trigger, ...], trigger: Trigger
) -> None:
    applicant, order = filings.applicant_order("110000")
    for step in path:
        actor = applicant if step is Trigger.SUBMIT else filings.cast.reviewer
        order = filings.orders.act(actor, order.id or 0, step)
    order = filings.orders.act(applicant, order.id or 0, trigger)
    assert order.stage in (Stage.WITHDRAWN, Stage.ABANDONED)
    again = filings.orders.create(applicant, {**filings.form(), "service_number": order.service_number})
    assert again.stage is Stage.DRAFT
    assert [n.order_id for n in filings.orders.service_numbers(applicant)] == [again.id]


def test_an_approved_order_keeps_its_service_number(filings: Filings) -> None:
    applicant, order = filings.approved("110000")
    with pytest.raises(ValidationError) as caught:
        filings.orders.create(applicant, {**filings.form(), "service_number": order.service_number})
    assert list(caught.value.fields) == ["service_number"]


def test_an_unknown_or_someone_elses_service_number_is_refused(filings: Filings) -> None:
    applicant = filings.applicant()
    other = filings.applicant()
    others_number = filings.service_number(other)
    for number in ("NOSUCHNUMBER2345", others_number):
        with pytest.raises(ValidationError) as caught:
            filings.orders.create(applicant, {**filings.form(), "service_number": number})
        assert list(caught.value.fields) == ["service_number"]


def test_moving_a_draft_to_another_service_number_frees_the_first(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    first = order.service_number
    second = filings.service_number(applicant)
    filings.orders.update(applicant, order.id or 0, {**filings.form(), "service_number": second})
    bound = {n.code: n.order_id for n in filings.orders.service_numbers(applicant)}
    assert bound == {first: None, second: order.id}


# -- conflicts with the registry -------------------------------------------------------------------


def site(domain: str) -> list[dict[str, object]]:
    return [{"name": "示例网站", "service_type": "website", "domains": [domain]}]


def test_a_filed_domain_cannot_be_filed_again_and_the_conflict_names_the_field(filings: Filings) -> None:
    applicant, order = filings.draft(filings.form("110000", sites=site("taken.cn")))
    order = filings.drive(applicant, order)
    assert order.issued is not None
    sites = [
        {"name": "另一个网站", "service_type": "website", "domains": ["free.cn"]},
        {"name": "示例网站", "service_type": "website", "domains": ["other.cn", "TAKEN.cn"]},
    ]
    with pytest.raises(Conflict) as caught:
        filings.draft(filings.form("310000", sites=sites))
    assert list(caught.value.fields) == ["sites[1].domains[1]"]
    assert order.issued.site_numbers[0] in caught.value.fields["sites[1].domains[1]"].en


def test_a_filed_idn_cannot_be_filed_again_in_its_other_form(filings: Filings) -> None:
    applicant, order = filings.draft(filings.form("110000", sites=site("例子.中国")))
    filings.drive(applicant, order)
    with pytest.raises(Conflict) as caught:
        filings.draft(filings.form("110000", sites=site("xn--fsqu00a.xn--fiqs8s")))
    assert list(caught.value.fields) == ["sites[0].domains[0]"]


def test_a_domain_in_another_order_in_flight_is_a_domain_conflict_until_that_order_ends(filings: Filings) -> None:
    first_applicant, first = filings.draft(filings.form("110000", sites=site("contested.cn")))
    with pytest.raises(Conflict) as caught:
        filings.draft(filings.form("110000", sites=site("contested.cn")))
    assert list(caught.value.fields) == ["sites[0].domains[0]"]
    assert "domain conflict" in caught.value.text.en and "域名冲突" in caught.value.text.zh
    filings.orders.act(first_applicant, first.id or 0, Trigger.WITHDRAW)
    _, second = filings.draft(filings.form("110000", sites=site("contested.cn")))
    assert second.stage is Stage.DRAFT


def test_a_filed_subject_filing_again_makes_an_add_site_order_not_a_first_filing(filings: Filings) -> None:
    form = filings.form("110000", sites=site("first-of-two.cn"))
    applicant, order = filings.draft(form)
    approved = filings.drive(applicant, order)
    assert approved.issued is not None
    _, again = filings.draft({**form, "sites": site("second-of-two.cn")}, applicant)
    assert again.kind is OrderKind.ADD_SITE
    assert again.subject_number == approved.issued.subject_number


def test_a_domain_listed_twice_in_one_order_is_refused(filings: Filings) -> None:
    sites = [
        *site("twice.cn"),
        {"name": "同一个域名", "service_type": "website", "domains": ["www.twice.cn", "twice.cn"]},
    ]
    with pytest.raises(ValidationError) as caught:
        filings.draft(filings.form("110000", sites=sites))
    assert "sites[1].domains" in caught.value.fields


# -- the SMS check through the service --------------------------------------------------------------


def test_the_sms_code_goes_to_the_leaders_phone_and_passes_the_order_to_the_regulator(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    [message] = filings.orders.outbox(applicant, order.id or 0)
    assert message.phone == order.subject.leader.mobile
    outcome, order = filings.orders.enter_sms_code(applicant, order.id or 0, read_sms_code(filings.ctx, order.id or 0))
    assert (outcome, order.stage) == (SmsOutcome.PASSED, Stage.REGULATOR_REVIEW)


def test_sixth_wrong_sms_code_returns_the_order_to_the_provider(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    bad = wrong(read_sms_code(filings.ctx, order.id or 0))
    outcomes = [filings.orders.enter_sms_code(applicant, order.id or 0, bad)[0] for _ in range(6)]
    assert outcomes == [SmsOutcome.WRONG] * 5 + [SmsOutcome.FAILED]
    assert stored(filings, order.id or 0)[0] is Stage.PROVIDER_REVIEW
    # The provider sends it on again: a new code, all tries back.
    order = filings.drive(applicant, filings.orders.get(applicant, order.id or 0), until=Stage.SMS_CHECK)
    assert len(filings.orders.outbox(applicant, order.id or 0)) == 2
    assert filings.drive(applicant, order).stage is Stage.APPROVED


def test_an_sms_code_entered_after_24_hours_returns_the_order_to_the_provider(
    filings: Filings, clock: FixedClock
) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    code = read_sms_code(filings.ctx, order.id or 0)
    clock.advance(timedelta(hours=24, seconds=1))
    outcome, order = filings.orders.enter_sms_code(applicant, order.id or 0, code)
    assert (outcome, order.stage) == (SmsOutcome.FAILED, Stage.PROVIDER_REVIEW)


def test_the_expiry_sweep_returns_only_orders_whose_code_expired(filings: Filings, clock: FixedClock) -> None:
    applicant, early = filings.applicant_order("110000")
    early = filings.drive(applicant, early, until=Stage.SMS_CHECK)
    clock.advance(timedelta(hours=12))
    late_applicant, late = filings.applicant_order("110000")
    late = filings.drive(late_applicant, late, until=Stage.SMS_CHECK)
    clock.advance(timedelta(hours=12))
    assert filings.orders.expire_sms() == []  # exactly 24 hours: still valid
    clock.advance(timedelta(seconds=1))
    assert filings.orders.expire_sms() == [early.id]
    assert filings.orders.expire_sms() == []
    assert stored(filings, early.id or 0)[0] is Stage.PROVIDER_REVIEW
    assert stored(filings, late.id or 0)[0] is Stage.SMS_CHECK


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", ""])
def test_an_sms_code_that_is_not_six_digits_is_refused_without_using_a_try(filings: Filings, code: str) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    with pytest.raises(ValidationError) as caught:
        filings.orders.enter_sms_code(applicant, order.id or 0, code)
    assert list(caught.value.fields) == ["code"]
    assert filings.orders.get(applicant, order.id or 0).sms_tries_left == 6


# -- the registry change log -----------------------------------------------------------------------


def test_registry_change_sequence_numbers_are_strictly_increasing(filings: Filings) -> None:
    sites = [
        *site("changes-one.cn"),
        {"name": "变更助手应用", "service_type": "app", "app_id": "cn.changes.app", "signing_fingerprint": "AB" * 20},
    ]
    applicant, order = filings.draft(filings.form("110000", sites=sites))
    issued = [filings.drive(applicant, order).issued]
    issued += [filings.approved(p)[1].issued for p in ("310000", "110000", "440000")]
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        changes = uow.registry.changes_since(0)
        seqs = [int(str(c["seq"])) for c in changes]
        assert seqs == sorted(set(seqs))
        # Orders entering and leaving review are logged too (the gates follow them): the approvals are the rest.
        assert {c["action"] for c in changes} == {"site_approved", "order_review"}
        changes = [c for c in changes if c["action"] == "site_approved"]
        assert [c["site_number"] for c in changes] == [n for i in issued if i for n in i.site_numbers]
        assert changes[0]["payload"] == {
            "domains": ["changes-one.cn"],
            "provider_ids": [order.provider_id],
            "service_type": "website",
        }
        assert uow.registry.changes_since(seqs[-1]) == []
        assert [c["seq"] for c in uow.registry.changes_since(seqs[1])] == seqs[2:]
