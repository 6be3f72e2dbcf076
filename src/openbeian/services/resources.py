"""Provider resources: server instances sold to a customer, the service numbers (备案服务号) they carry, the
owner's authorisations for other accounts, and free hosting credited for the time in review.

The order workflow calls the static methods inside its own unit of work:

    ResourceService.check_usable(uow, code, account_id, at, keep=None) -> ServiceNumber   may this account use it?
    ResourceService.use(uow, code, account_id, order_id, at) -> ServiceNumber             check and bind to the order
    ResourceService.consume(uow, code, order_id)          approval: the number is used up for good
    ResourceService.release(uow, code)                    abandon / withdraw: the number is free again
    ResourceService.credit_free_hosting(uow, order, at) -> HostingCredit | None           approval: once per instance
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from openbeian.domain.access import parse_ips
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.resources import (
    SERVICE_NUMBERS_PER_INSTANCE,
    BillingMode,
    HostingCredit,
    Instance,
    NumberState,
    ServiceNumber,
    add_months,
    eligibility_refusals,
    ensure_eligible,
    ensure_quota,
    ensure_usable,
    free_hosting_days,
    last_submission,
    parse_billing_mode,
    parse_region,
)
from openbeian.domain.workflow import Role
from openbeian.errors import Conflict, NotFound, PermissionDenied, Text, ValidationError
from openbeian.services.context import Context
from openbeian.services.tenancy import ensure_visible
from openbeian.store.uow import UnitOfWork

__all__ = ["SERVICE_NUMBERS_PER_INSTANCE", "ResourceService", "canonical_code", "new_service_number"]


class ResourceService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- instances (the provider) ------------------------------------------------------------------
    def add_instance(
        self,
        actor: Actor,
        customer: str,
        ips: list[str],
        name: str = "ecs",
        region: str = "cn-beijing",
        months: int = 12,
        service_numbers: int = 1,
        billing_mode: BillingMode | str = BillingMode.SUBSCRIPTION,
        bought_at: datetime | None = None,
        provider: str | None = None,
    ) -> tuple[Instance, list[ServiceNumber]]:
        """A reviewer (or admin) records an instance sold to a customer, bought at `bought_at` (now) for `months`,
        and issues its service numbers; numbers need an eligible instance, none (0) may be asked for any.
        `provider` (by name) is for admins; a reviewer's instances are its own provider's."""
        _ensure_provider_staff(actor)
        if not 0 <= service_numbers <= SERVICE_NUMBERS_PER_INSTANCE:
            ensure_quota(0, service_numbers)
        if months < 1:
            raise ValidationError.for_field("months", "at least 1 month", "至少 1 个月")
        region = parse_region(region)
        mode = billing_mode if isinstance(billing_mode, BillingMode) else parse_billing_mode(billing_mode)
        addresses = parse_ips(ips, "ips") if any(ip.strip() for ip in ips) else ()
        name = name.strip() or "ecs"
        now = self.ctx.clock.now()
        bought = bought_at or now
        if bought > now:
            raise ValidationError.for_field("bought_at", "cannot be in the future", "不能晚于当前时间")
        with self.ctx.db.unit_of_work() as uow:
            owner = uow.accounts.by_username(customer.strip().lower())
            if owner is None or owner.role is not Role.APPLICANT:
                raise ValidationError.for_field("customer", f"no applicant {customer!r}", f"没有申请人 {customer!r}")
            provider_id = actor.provider_id
            if provider:
                named = uow.accounts.provider_by_name(provider.strip())
                if named is None:
                    raise ValidationError.for_field("provider", f"no provider {provider!r}", f"没有接入商 {provider!r}")
                if provider_id is not None and named.id != provider_id:
                    raise PermissionDenied(
                        Text("a reviewer records its own provider's instances", "审核员只能登记本接入商的实例")
                    )
                provider_id = named.id
            if provider_id is None:
                providers = uow.accounts.providers()
                if not providers:
                    raise ValidationError.for_field("provider", "create a provider first", "请先创建接入商")
                provider_id = providers[0].id
            instance = uow.resources.add_instance(
                provider_id, owner.id, name, region, addresses, now, add_months(bought, months), mode, bought
            )
            if service_numbers:
                ensure_eligible(instance, now)
            numbers = [
                uow.resources.add_service_number(new_service_number(), instance, now) for _ in range(service_numbers)
            ]
            uow.commit()
        return instance, numbers

    def issue_service_numbers(self, actor: Actor, instance_id: int, count: int = 1) -> list[ServiceNumber]:
        """More numbers on an existing instance, up to 5 in all; the instance must be eligible now."""
        _ensure_provider_staff(actor)
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            instance = uow.resources.instance(instance_id, for_update=True)
            if instance is None or not _can_see(actor, instance):
                raise _instance_not_found(instance_id)
            ensure_quota(uow.resources.count_service_numbers(instance.id), count)
            ensure_eligible(instance, now)
            numbers = [uow.resources.add_service_number(new_service_number(), instance, now) for _ in range(count)]
            uow.commit()
        return numbers

    def instances(self, actor: Actor) -> list[Instance]:
        """A reviewer's: the provider's instances; an applicant's: its own; an admin's: all."""
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            if actor.role is Role.ADMIN:
                return uow.resources.instances()
            if actor.role is Role.REVIEWER and actor.provider_id is not None:
                return uow.resources.instances(provider_id=actor.provider_id)
            if actor.role is Role.APPLICANT and actor.account_id is not None:
                return uow.resources.instances(owner_id=actor.account_id)
        return []

    def instance(self, actor: Actor, instance_id: int) -> tuple[Instance, list[ServiceNumber], HostingCredit | None]:
        """One instance with its service numbers and its free hosting credit."""
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            instance = uow.resources.instance(instance_id)
            if instance is None or not _can_see(actor, instance):
                raise _instance_not_found(instance_id)
            numbers = uow.resources.service_numbers_of_instance(instance.id)
            return instance, numbers, uow.resources.hosting_credit(instance_id=instance.id)

    # -- service numbers (the applicant) -----------------------------------------------------------
    def usable_numbers(self, actor: Actor) -> list[ServiceNumber]:
        """The numbers an applicant owns and those other owners authorised it to use, in every state."""
        if actor.account_id is None:
            return []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.resources.service_numbers_of(actor.account_id, include_granted=True)

    def grant(self, actor: Actor, code: str, grantee: str) -> ServiceNumber:
        """The owner authorises another applicant account to put one of its free numbers on an order."""
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            number = _own_number(uow, actor, code)
            account = uow.accounts.by_username(grantee.strip().lower())
            if account is None or account.role is not Role.APPLICANT:
                raise ValidationError.for_field("grantee", f"no applicant {grantee!r}", f"没有申请人 {grantee!r}")
            if account.id == actor.account_id:
                raise ValidationError.for_field("grantee", "the number is yours already", "该服务号已属于您")
            if number.state is not NumberState.FREE:
                raise Conflict(
                    Text(f"{number.code} is {number.state.label.en}", f"{number.code}{number.state.label.zh}"),
                    {"code": number.state.label},
                )
            if not uow.resources.add_grant(number.code, account.id, now):
                raise Conflict(
                    Text(
                        f"{number.code} is authorised to another account already: revoke that first",
                        f"{number.code} 已授权给其他账号，请先撤销",
                    ),
                    {"code": Text("authorised already", "已授权")},
                )
            uow.commit()
        return ServiceNumber(number.code, number.instance, None, NumberState.FREE, account.id)

    def revoke(self, actor: Actor, code: str) -> ServiceNumber:
        """The owner takes an authorisation back, while the grantee has not used the number."""
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            number = _own_number(uow, actor, code)
            if number.granted_to is None:
                raise NotFound(Text(f"{number.code} is not authorised to anyone", f"{number.code} 未授权给任何账号"))
            if number.state is not NumberState.FREE:
                raise Conflict(
                    Text(
                        f"{number.code} is {number.state.label.en}: the authorisation cannot be revoked",
                        f"{number.code}{number.state.label.zh}，不能撤销授权",
                    ),
                    {"code": number.state.label},
                )
            uow.resources.revoke_grant(number.code, now)
            uow.commit()
        return ServiceNumber(number.code, number.instance, None, NumberState.FREE, None)

    # -- free hosting (what the applicant sees) ----------------------------------------------------
    def hosting_credit(self, actor: Actor, instance_id: int) -> HostingCredit | None:
        return self.instance(actor, instance_id)[2]

    def order_hosting_credit(self, actor: Actor, order_id: int) -> HostingCredit | None:
        """The free hosting an order earned on approval (None before, or if its instance had one already)."""
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            ensure_visible(actor, uow.orders.get(order_id))
            return uow.resources.hosting_credit(order_id=order_id)

    # -- called by the order workflow inside its unit of work --------------------------------------
    @staticmethod
    def check_usable(
        uow: UnitOfWork, code: str, account_id: int, at: datetime, keep: int | None = None
    ) -> ServiceNumber:
        """The number, if `account_id` may put it on an order at `at` (`keep`: the order holding it already);
        otherwise a ValidationError on `service_number` naming the rule."""
        number = uow.resources.service_number(canonical_code(code))
        if number is None:
            raise ValidationError.for_field(
                "service_number", f"unknown service number {code!r}", f"没有这个备案服务号 {code!r}"
            )
        ensure_usable(number, account_id, at, keep)
        return number

    @staticmethod
    def use(uow: UnitOfWork, code: str, account_id: int, order_id: int, at: datetime) -> ServiceNumber:
        """Check the number and bind it to the order; a concurrent order may have taken it since we looked."""
        number = ResourceService.check_usable(uow, code, account_id, at, keep=order_id)
        if number.order_id != order_id and not uow.resources.bind_service_number(number.code, order_id):
            raise ValidationError.for_field(
                "service_number",
                f"{number.code} was just taken by another order [number.single_use]",
                f"{number.code} 刚被其他订单使用［number.single_use］",
            )
        return ServiceNumber(number.code, number.instance, order_id, NumberState.BOUND, number.granted_to)

    @staticmethod
    def consume(uow: UnitOfWork, code: str, order_id: int) -> None:
        """On approval: the number is used up for good (idempotent)."""
        if not uow.resources.consume_service_number(canonical_code(code), order_id):
            raise Conflict(
                Text(
                    f"service number {code} is not held by order {order_id}",
                    f"备案服务号 {code} 不属于订单 {order_id}",
                ),
                {"service_number": Text("held by another order", "被其他订单占用")},
            )

    @staticmethod
    def release(uow: UnitOfWork, code: str) -> None:
        """On abandon or withdraw: the number is free again (a consumed one stays consumed)."""
        uow.resources.bind_service_number(canonical_code(code), None)

    @staticmethod
    def credit_free_hosting(uow: UnitOfWork, order: FilingOrder, at: datetime) -> HostingCredit | None:
        """On approval at `at`: extend the instance of the order's service number by the days since the last
        submission to first review (at most 30), once per instance. None when nothing is credited."""
        if order.id is None or not order.service_number:
            return None
        number = uow.resources.service_number(canonical_code(order.service_number))
        submitted = last_submission(order.history)
        if number is None or submitted is None:
            return None
        days = free_hosting_days(submitted, at)
        instance = uow.resources.instance(number.instance.id, for_update=True)
        if days == 0 or instance is None or uow.resources.hosting_credit(instance_id=instance.id) is not None:
            return None
        expires_after = instance.expires_at + timedelta(days=days)
        credit = HostingCredit(instance.id, order.id, days, submitted, at, instance.expires_at, expires_after)
        if not uow.resources.add_hosting_credit(credit):
            return None
        uow.resources.set_expiry(instance.id, expires_after)
        return credit


def new_service_number() -> str:
    """A 备案服务号: hard to guess, easy to read out (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def canonical_code(code: str) -> str:
    """Service numbers are typed by hand: spaces around and lower case do not matter."""
    return code.strip().upper()


def _ensure_provider_staff(actor: Actor) -> None:
    if actor.role not in (Role.REVIEWER, Role.ADMIN):
        raise PermissionDenied(Text("only the provider issues instances", "只有接入商可以开通实例"))


def _can_see(actor: Actor, instance: Instance) -> bool:
    if actor.role in (Role.ADMIN, Role.SYSTEM):
        return True
    if actor.role is Role.REVIEWER:
        return actor.provider_id is not None and actor.provider_id == instance.provider_id
    return actor.role is Role.APPLICANT and actor.account_id == instance.owner_id


def _instance_not_found(instance_id: int) -> NotFound:
    return NotFound(Text(f"instance {instance_id} not found", f"未找到实例 {instance_id}"))


def _own_number(uow: UnitOfWork, actor: Actor, code: str) -> ServiceNumber:
    number = uow.resources.service_number(canonical_code(code))
    if number is None or actor.account_id is None or number.instance.owner_id != actor.account_id:
        raise NotFound(Text(f"you have no service number {code!r}", f"您没有备案服务号 {code!r}"))
    return number


# -- reports shared by the CLI and the API ---------------------------------------------------------------
def instance_report(instance: Instance, at: datetime, lang: str) -> dict[str, Any]:
    """An instance as JSON, with whether it can carry a filing at `at` and why not, in `lang`."""
    refusals = eligibility_refusals(instance, at)
    return {
        "id": instance.id,
        "provider_id": instance.provider_id,
        "owner_id": instance.owner_id,
        "name": instance.name,
        "region": instance.region,
        "ips": list(instance.ips),
        "billing_mode": instance.billing_mode.value,
        "bought_at": instance.bought_at.isoformat(),
        "expires_at": instance.expires_at.isoformat(),
        "eligible": not refusals,
        "refusals": [{"rule": r.rule, "field": r.field, "message": r.text.get(lang)} for r in refusals],
    }


def credit_report(credit: HostingCredit | None) -> dict[str, Any] | None:
    if credit is None:
        return None
    return {
        "instance_id": credit.instance_id,
        "order_id": credit.order_id,
        "days": credit.days,
        "submitted_at": credit.submitted_at.isoformat(),
        "approved_at": credit.approved_at.isoformat(),
        "expires_before": credit.expires_before.isoformat(),
        "expires_after": credit.expires_after.isoformat(),
    }
