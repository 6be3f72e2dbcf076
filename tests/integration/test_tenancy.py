"""Tenants: applicants see their own orders, reviewers their provider's, officers their province's once the
order reaches the regulator. Anything outside the tenant is "not found", on every use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.errors import NotFound, PermissionDenied
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context

if TYPE_CHECKING:
    from conftest import Filings

ADMIN = Actor(None, Role.ADMIN, "admin")


def other_reviewer(ctx: Context) -> Actor:
    """A reviewer of a second access provider."""
    with ctx.db.unit_of_work() as uow:
        uow.accounts.add_provider("另一朵云", "Another Cloud", ctx.clock.now())
        uow.commit()
    return actor_of(AccountService(ctx).create_user("other-reviewer", None, Role.REVIEWER, provider="另一朵云"))


def ids(orders: list[object]) -> set[int]:
    return {o.id for o in orders}  # type: ignore[attr-defined]


def stored(filings: Filings, order: FilingOrder) -> tuple[Stage, int, int]:
    """What the database holds of the order: stage, version, history length (read as an administrator)."""
    fresh = filings.orders.get(ADMIN, order.id or 0)
    return fresh.stage, fresh.version, len(fresh.history)


def test_an_applicant_cannot_see_or_touch_another_applicants_order(filings: Filings) -> None:
    owner, order = filings.applicant_order("110000")
    intruder, own = filings.applicant_order("110000")
    order_id = order.id or 0
    before = stored(filings, order)
    attempts: list[Callable[[], object]] = [
        lambda: filings.orders.get(intruder, order_id),
        lambda: filings.orders.act(intruder, order_id, Trigger.SUBMIT),
        lambda: filings.orders.act(intruder, order_id, Trigger.WITHDRAW),
        lambda: filings.orders.update(intruder, order_id, {**filings.form(), "service_number": own.service_number}),
        lambda: filings.orders.enter_sms_code(intruder, order_id, "123456"),
        lambda: filings.orders.outbox(intruder, order_id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert ids(filings.orders.find(intruder)) == {own.id}
    assert ids(filings.orders.find(owner)) == {order.id}
    assert stored(filings, order) == before


def test_a_reviewer_of_another_provider_cannot_see_or_review_the_order(filings: Filings, ctx: Context) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    stranger = other_reviewer(ctx)
    with pytest.raises(NotFound):
        filings.orders.get(stranger, order.id or 0)
    for trigger in (Trigger.PASS_REVIEW, Trigger.RETURN):
        with pytest.raises(NotFound):
            filings.orders.act(stranger, order.id or 0, trigger, note="no")
    assert filings.orders.find(stranger) == []
    assert ids(filings.orders.find(filings.cast.reviewer)) == {order.id}
    assert filings.orders.get(filings.cast.reviewer, order.id or 0).stage is Stage.PROVIDER_REVIEW


def test_an_officer_sees_the_order_only_once_it_reaches_the_regulator(filings: Filings) -> None:
    officer = filings.cast.officers["110000"]
    applicant, order = filings.applicant_order("110000")
    order_id = order.id or 0
    for stage in (Stage.DRAFT, Stage.PROVIDER_REVIEW, Stage.VERIFICATION):
        order = filings.drive(applicant, order, until=stage)
        with pytest.raises(NotFound):
            filings.orders.get(officer, order_id)
        assert filings.orders.find(officer) == []
        assert filings.orders.find(officer, stages=(stage,)) == []
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    assert filings.orders.get(officer, order_id).stage is Stage.REGULATOR_REVIEW
    assert ids(filings.orders.find(officer)) == {order_id}


def test_an_officer_cannot_act_on_a_draft_of_its_province(filings: Filings) -> None:
    _, order = filings.applicant_order("110000")
    before = stored(filings, order)
    with pytest.raises(NotFound):
        filings.orders.act(filings.cast.officers["110000"], order.id or 0, Trigger.APPROVE)
    assert stored(filings, order) == before


def test_an_officer_of_another_province_cannot_see_or_approve_the_order(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    shanghai = filings.cast.officers["310000"]
    with pytest.raises(NotFound):
        filings.orders.get(shanghai, order.id or 0)
    with pytest.raises(NotFound):
        filings.orders.act(shanghai, order.id or 0, Trigger.APPROVE)
    assert filings.orders.find(shanghai) == []
    assert filings.registry.by_subject(order.subject.name) == []
    assert filings.orders.get(applicant, order.id or 0).stage is Stage.REGULATOR_REVIEW


def test_a_reviewer_cannot_approve_what_it_sees_and_no_number_is_issued(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    before = stored(filings, order)
    with pytest.raises(PermissionDenied):
        filings.orders.act(filings.cast.reviewer, order.id or 0, Trigger.APPROVE)
    assert stored(filings, order) == before
    assert filings.registry.by_subject(order.subject.name) == []
    with filings.ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.registry.count_sites() == 0
        assert [c["action"] for c in uow.registry.changes_since(0)] == ["order_review"]  # entered review: no more


def test_an_applicant_cannot_pull_a_reviewers_trigger(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    before = stored(filings, order)
    with pytest.raises(PermissionDenied):
        filings.orders.act(applicant, order.id or 0, Trigger.PASS_REVIEW)
    assert stored(filings, order) == before


def test_only_the_applicant_enters_the_sms_code(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.SMS_CHECK)
    for actor in (filings.cast.reviewer, filings.cast.officers["110000"]):
        with pytest.raises(PermissionDenied):
            filings.orders.enter_sms_code(actor, order.id or 0, "123456")
    assert filings.orders.get(applicant, order.id or 0).sms is not None


def test_each_actor_is_offered_only_its_own_actions(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    intruder = filings.applicant()
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    assert filings.orders.actions(applicant, order) == [Trigger.WITHDRAW]
    assert filings.orders.actions(intruder, order) == []
    assert filings.orders.actions(filings.cast.reviewer, order) == [Trigger.RETURN, Trigger.PASS_REVIEW]


def test_an_officer_asking_for_drafts_gets_none(filings: Filings) -> None:
    filings.approved("110000")
    officer = filings.cast.officers["110000"]
    assert filings.orders.find(officer, stages=(Stage.DRAFT,)) == []
