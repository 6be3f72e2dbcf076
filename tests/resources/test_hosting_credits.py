"""Free hosting during review (用时多久送多久): the days from the last submission to approval, at most 30, once per
instance, extending its expiry; on SQLite and PostgreSQL with a fixed clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from openbeian.clock import FixedClock
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.resources import HostingCredit
from openbeian.domain.workflow import Stage, Trigger
from openbeian.services.context import Context
from openbeian.services.resources import ResourceService
from openbeian.simulate.driver import Cast

if TYPE_CHECKING:
    from conftest import Filings


def approve(ctx: Context, cast: Cast, filings: Filings, order: FilingOrder) -> FilingOrder:
    """The regulator approves now; the credit is given (by the workflow, or here if it does not call it yet)."""
    assert order.id is not None
    approved = filings.orders.act(cast.officers[order.province_code], order.id, Trigger.APPROVE)
    with ctx.db.unit_of_work() as uow:
        ResourceService.credit_free_hosting(uow, approved, ctx.clock.now())
        uow.commit()
    return approved


def instance_expiry(ctx: Context, actor: Actor, order: FilingOrder) -> object:
    with ctx.db.unit_of_work(readonly=True) as uow:
        number = uow.resources.service_number(order.service_number)
    assert number is not None
    return ResourceService(ctx).instance(actor, number.instance.id)[0].expires_at


def credit_of(ctx: Context, actor: Actor, order: FilingOrder) -> HostingCredit | None:
    assert order.id is not None
    return ResourceService(ctx).order_hosting_credit(actor, order.id)


def test_the_days_in_review_are_credited_to_the_instance_once(
    ctx: Context, cast: Cast, filings: Filings, clock: FixedClock
) -> None:
    applicant, order = filings.draft(filings.form())
    before = instance_expiry(ctx, applicant, order)
    submitted_at = clock.now()
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    clock.advance(timedelta(days=5, hours=2))
    order = approve(ctx, cast, filings, order)

    credit = credit_of(ctx, applicant, order)
    assert credit is not None
    assert credit.days == 6 and credit.submitted_at == submitted_at and credit.approved_at == clock.now()
    assert credit.expires_before == before and credit.expires_after == credit.expires_before + timedelta(days=6)
    assert instance_expiry(ctx, applicant, order) == credit.expires_after
    assert ResourceService(ctx).hosting_credit(applicant, credit.instance_id) == credit

    with ctx.db.unit_of_work() as uow:  # approval seen twice: nothing more
        assert ResourceService.credit_free_hosting(uow, order, clock.now()) is None
        uow.commit()
    assert instance_expiry(ctx, applicant, order) == credit.expires_after


def test_the_credit_counts_from_the_last_submission_after_a_return(
    ctx: Context, cast: Cast, filings: Filings, clock: FixedClock
) -> None:
    applicant, order = filings.draft(filings.form())
    assert order.id is not None
    filings.orders.act(applicant, order.id, Trigger.SUBMIT)
    clock.advance(timedelta(days=1))
    order = filings.orders.act(cast.reviewer, order.id, Trigger.RETURN, "the leader's photo is blurred")
    clock.advance(timedelta(days=2))
    resubmitted_at = clock.now()
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    clock.advance(timedelta(days=7))
    order = approve(ctx, cast, filings, order)
    credit = credit_of(ctx, applicant, order)
    assert credit is not None and credit.days == 7 and credit.submitted_at == resubmitted_at


def test_the_credit_is_capped_at_30_days(ctx: Context, cast: Cast, filings: Filings, clock: FixedClock) -> None:
    applicant, order = filings.draft(filings.form())
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    clock.advance(timedelta(days=44))
    order = approve(ctx, cast, filings, order)
    credit = credit_of(ctx, applicant, order)
    assert credit is not None and credit.days == 30


def test_a_second_order_on_the_same_instance_gets_no_second_credit(
    ctx: Context, cast: Cast, filings: Filings, clock: FixedClock
) -> None:
    applicant, order = filings.draft(filings.form())
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    clock.advance(timedelta(days=3))
    order = approve(ctx, cast, filings, order)
    first = credit_of(ctx, applicant, order)
    assert first is not None
    [sibling] = ResourceService(ctx).issue_service_numbers(cast.reviewer, first.instance_id, 1)
    _, other = filings.draft(filings.form())
    later = replace(other, service_number=sibling.code, history=order.history)  # as if filed on the same server
    clock.advance(timedelta(days=3))
    with ctx.db.unit_of_work() as uow:
        assert ResourceService.credit_free_hosting(uow, later, clock.now()) is None
        uow.commit()
    assert instance_expiry(ctx, applicant, order) == first.expires_after
    assert credit_of(ctx, applicant, order) == first


def test_no_credit_without_a_submission_or_a_known_service_number(
    ctx: Context, cast: Cast, filings: Filings, clock: FixedClock
) -> None:
    applicant, order = filings.draft(filings.form())
    with ctx.db.unit_of_work() as uow:
        assert ResourceService.credit_free_hosting(uow, order, clock.now()) is None
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    clock.advance(timedelta(days=2))
    with ctx.db.unit_of_work() as uow:
        assert ResourceService.credit_free_hosting(uow, replace(order, service_number="-"), clock.now()) is None
    assert credit_of(ctx, applicant, order) is None
