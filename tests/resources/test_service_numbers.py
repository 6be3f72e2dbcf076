"""Instances and service numbers through the services, on SQLite and PostgreSQL: issuing within the rules,
single use, release on withdrawal, consumption on approval, authorisations for other accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.orders import Actor
from openbeian.domain.resources import NumberState, ServiceNumber
from openbeian.domain.workflow import Role, Trigger
from openbeian.errors import Conflict, NotFound, PermissionDenied, ValidationError
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.services.resources import ResourceService
from openbeian.simulate.driver import Cast

if TYPE_CHECKING:
    from conftest import Filings


def username(ctx: Context, actor: Actor) -> str:
    account = AccountService(ctx).by_id(actor.account_id or 0)
    assert account is not None
    return account.username


def issue(ctx: Context, cast: Cast, owner: Actor, count: int = 1, **kwargs: object) -> list[ServiceNumber]:
    _, numbers = ResourceService(ctx).add_instance(
        cast.reviewer,
        username(ctx, owner),
        ["47.93.10.20"],
        service_numbers=count,
        **kwargs,  # type: ignore[arg-type]
    )
    return numbers


def usable(ctx: Context, code: str, actor: Actor, keep: int | None = None) -> ServiceNumber:
    with ctx.db.unit_of_work(readonly=True) as uow:
        return ResourceService.check_usable(uow, code, actor.account_id or 0, ctx.clock.now(), keep)


def state_of(ctx: Context, code: str) -> ServiceNumber:
    with ctx.db.unit_of_work(readonly=True) as uow:
        number = uow.resources.service_number(code)
    assert number is not None
    return number


def test_an_instance_carries_five_numbers_at_most_across_issues(ctx: Context, cast: Cast, filings: Filings) -> None:
    owner = filings.applicant()
    instance, numbers = ResourceService(ctx).add_instance(
        cast.reviewer, username(ctx, owner), ["47.93.10.20"], service_numbers=3
    )
    assert len(numbers) == 3 and len({n.code for n in numbers}) == 3
    more = ResourceService(ctx).issue_service_numbers(cast.reviewer, instance.id, 2)
    assert len(more) == 2
    with pytest.raises(ValidationError) as exc:
        ResourceService(ctx).issue_service_numbers(cast.reviewer, instance.id, 1)
    assert (
        "at most 5" in exc.value.fields["service_numbers"].en and "最多 5 个" in exc.value.fields["service_numbers"].zh
    )
    _, listed, credit = ResourceService(ctx).instance(owner, instance.id)
    assert len(listed) == 5 and credit is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"region": "cn-hongkong"}, "region"),
        ({"billing_mode": "pay_as_you_go"}, "billing_mode"),
        ({"months": 2}, "expires_at"),
    ],
)
def test_numbers_are_refused_for_an_ineligible_instance_but_the_instance_may_be_recorded(
    ctx: Context, cast: Cast, filings: Filings, kwargs: dict[str, object], field: str
) -> None:
    owner = filings.applicant()
    with pytest.raises(ValidationError) as exc:
        issue(ctx, cast, owner, **kwargs)
    assert field in exc.value.fields
    instance, numbers = ResourceService(ctx).add_instance(
        cast.reviewer,
        username(ctx, owner),
        ["47.93.10.20"],
        service_numbers=0,
        **kwargs,  # type: ignore[arg-type]
    )
    assert numbers == [] and ResourceService(ctx).instances(owner) == [instance]


def test_an_instance_without_a_public_ip_gets_no_numbers(ctx: Context, cast: Cast, filings: Filings) -> None:
    owner = filings.applicant()
    with pytest.raises(ValidationError) as exc:
        ResourceService(ctx).add_instance(cast.reviewer, username(ctx, owner), [], service_numbers=1)
    assert set(exc.value.fields) == {"ips"}


def test_only_the_provider_records_instances(ctx: Context, filings: Filings) -> None:
    owner = filings.applicant()
    with pytest.raises(PermissionDenied):
        ResourceService(ctx).add_instance(owner, username(ctx, owner), ["47.93.10.20"])


def test_a_bought_date_in_the_past_counts_for_the_term_and_the_days_left(
    ctx: Context, cast: Cast, filings: Filings, clock: FixedClock
) -> None:
    owner = filings.applicant()
    long_ago = clock.now() - timedelta(days=80)  # bought for 3 months 80 days ago: fewer than 30 days left
    with pytest.raises(ValidationError, match="fewer than 30"):
        issue(ctx, cast, owner, months=3, bought_at=long_ago)
    [number] = issue(ctx, cast, owner, months=6, bought_at=long_ago)
    assert number.instance.bought_at == long_ago


def test_check_usable_names_each_refusal(ctx: Context, cast: Cast, filings: Filings, clock: FixedClock) -> None:
    owner, stranger = filings.applicant(), filings.applicant()
    [number] = issue(ctx, cast, owner, months=3)
    assert usable(ctx, number.code, owner).state is NumberState.FREE
    assert usable(ctx, number.code.lower(), owner).code == number.code  # typed in lower case
    with pytest.raises(ValidationError, match="unknown service number"):
        usable(ctx, "NOSUCHNUMBER2345", owner)
    with pytest.raises(ValidationError, match=r"number\.owner"):
        usable(ctx, number.code, stranger)
    clock.advance(timedelta(days=70))
    with pytest.raises(ValidationError) as exc:
        usable(ctx, number.code, owner)
    assert set(exc.value.fields) == {"service_number"} and "resource.remaining" in exc.value.fields["service_number"].en


def test_a_number_on_a_draft_is_refused_to_another_order_and_freed_by_withdrawal(
    ctx: Context, cast: Cast, filings: Filings
) -> None:
    applicant, order = filings.draft(filings.form())
    assert order.id is not None
    code = order.service_number
    assert state_of(ctx, code).state is NumberState.BOUND and state_of(ctx, code).order_id == order.id
    with pytest.raises(ValidationError, match=f"already used by order {order.id}"):
        usable(ctx, code, applicant)
    assert usable(ctx, code, applicant, keep=order.id).code == code
    filings.orders.act(applicant, order.id, Trigger.WITHDRAW)
    assert state_of(ctx, code).state is NumberState.FREE and state_of(ctx, code).order_id is None
    assert usable(ctx, code, applicant).code == code


def test_approval_consumes_the_number_for_good(ctx: Context, cast: Cast, filings: Filings) -> None:
    applicant, order = filings.approved()
    assert order.id is not None
    with ctx.db.unit_of_work() as uow:
        ResourceService.consume(uow, order.service_number, order.id)  # idempotent if the workflow did it already
        ResourceService.consume(uow, order.service_number, order.id)
        ResourceService.release(uow, order.service_number)  # a late release changes nothing
        uow.commit()
    number = state_of(ctx, order.service_number)
    assert number.state is NumberState.CONSUMED and number.order_id == order.id
    with pytest.raises(ValidationError, match=r"no longer valid \[number\.single_use\]"):
        usable(ctx, order.service_number, applicant)
    with ctx.db.unit_of_work() as uow, pytest.raises(Conflict):
        ResourceService.consume(uow, order.service_number, order.id + 1000)


def test_use_binds_and_a_second_order_cannot_take_the_number(ctx: Context, cast: Cast, filings: Filings) -> None:
    applicant, first = filings.draft(filings.form())
    _, second = filings.draft(filings.form(), applicant)
    assert first.id is not None and second.id is not None
    [number] = issue(ctx, cast, applicant)
    with ctx.db.unit_of_work() as uow:
        bound = ResourceService.use(uow, number.code, applicant.account_id or 0, first.id, ctx.clock.now())
        again = ResourceService.use(uow, number.code, applicant.account_id or 0, first.id, ctx.clock.now())
        uow.commit()
    assert bound.state is NumberState.BOUND and again.order_id == first.id
    with ctx.db.unit_of_work() as uow, pytest.raises(ValidationError, match=f"already used by order {first.id}"):
        ResourceService.use(uow, number.code, applicant.account_id or 0, second.id, ctx.clock.now())


def test_the_owner_authorises_another_account_and_revokes_while_unused(
    ctx: Context, cast: Cast, filings: Filings
) -> None:
    owner, partner = filings.applicant(), filings.applicant()
    [number] = issue(ctx, cast, owner)
    resources = ResourceService(ctx)
    granted = resources.grant(owner, number.code, username(ctx, partner))
    assert granted.granted_to == partner.account_id
    assert [n.code for n in resources.usable_numbers(partner)] == [number.code]
    assert resources.usable_numbers(owner)[0].granted_to == partner.account_id
    assert usable(ctx, number.code, partner).code == number.code
    with pytest.raises(Conflict, match="authorised to another account already"):
        resources.grant(owner, number.code, username(ctx, filings.applicant()))

    _, order = filings.draft(filings.form(), partner)
    assert order.id is not None
    with ctx.db.unit_of_work() as uow:
        ResourceService.use(uow, number.code, partner.account_id or 0, order.id, ctx.clock.now())
        uow.commit()
    with pytest.raises(Conflict, match="cannot be revoked"):
        resources.revoke(owner, number.code)
    with ctx.db.unit_of_work() as uow:
        ResourceService.release(uow, number.code)
        uow.commit()
    assert resources.revoke(owner, number.code).granted_to is None
    with pytest.raises(ValidationError, match=r"number\.owner"):
        usable(ctx, number.code, partner)
    assert resources.usable_numbers(partner) == [n for n in resources.usable_numbers(partner) if n.code != number.code]


def test_only_the_owner_grants_and_only_to_another_applicant(ctx: Context, cast: Cast, filings: Filings) -> None:
    owner, partner = filings.applicant(), filings.applicant()
    [number] = issue(ctx, cast, owner)
    resources = ResourceService(ctx)
    with pytest.raises(NotFound):
        resources.grant(partner, number.code, username(ctx, partner))
    with pytest.raises(ValidationError) as exc:
        resources.grant(owner, number.code, username(ctx, cast.reviewer))
    assert set(exc.value.fields) == {"grantee"}
    with pytest.raises(ValidationError, match="yours already"):
        resources.grant(owner, number.code, username(ctx, owner))
    with pytest.raises(NotFound):
        resources.revoke(owner, number.code)


def test_instances_are_visible_to_their_owner_their_provider_and_admins(
    ctx: Context, cast: Cast, filings: Filings
) -> None:
    owner, stranger = filings.applicant(), filings.applicant()
    [number] = issue(ctx, cast, owner)
    resources = ResourceService(ctx)
    instance_id = number.instance.id
    assert resources.instance(owner, instance_id)[0].id == instance_id
    assert resources.instance(cast.reviewer, instance_id)[0].id == instance_id
    assert resources.instance(Actor(None, Role.ADMIN, "admin"), instance_id)[0].id == instance_id
    for actor in (stranger, cast.other_reviewer):
        with pytest.raises(NotFound):
            resources.instance(actor, instance_id)
    assert instance_id in [i.id for i in resources.instances(cast.reviewer)]
    assert instance_id not in [i.id for i in resources.instances(cast.other_reviewer)]


def test_a_number_typed_in_lower_case_is_bound_consumed_and_released_as_the_same_number(
    ctx: Context, cast: Cast, filings: Filings
) -> None:
    applicant, order = filings.draft(filings.form())
    [number] = issue(ctx, cast, applicant)
    typed = f" {number.code.lower()} "
    assert order.id is not None
    with ctx.db.unit_of_work() as uow:
        assert ResourceService.use(uow, typed, applicant.account_id or 0, order.id, ctx.clock.now()).code == number.code
        ResourceService.release(uow, typed)
        uow.commit()
    assert state_of(ctx, number.code).state is NumberState.FREE
    with ctx.db.unit_of_work() as uow:
        ResourceService.use(uow, typed, applicant.account_id or 0, order.id, ctx.clock.now())
        ResourceService.consume(uow, typed, order.id)
        uow.commit()
    assert state_of(ctx, number.code).state is NumberState.CONSUMED
