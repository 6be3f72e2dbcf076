"""Provider resources: server instances sold to a customer and the service numbers they carry."""

from __future__ import annotations

import secrets
from datetime import timedelta

from openbeian.domain.access import parse_ips
from openbeian.domain.orders import Actor
from openbeian.domain.workflow import Role
from openbeian.errors import PermissionDenied, Text, ValidationError
from openbeian.services.context import Context
from openbeian.store.resources import Instance, ServiceNumber

SERVICE_NUMBERS_PER_INSTANCE = 5


class ResourceService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def add_instance(
        self,
        actor: Actor,
        customer: str,
        ips: list[str],
        name: str = "ecs",
        region: str = "cn-beijing",
        months: int = 12,
        service_numbers: int = 1,
    ) -> tuple[Instance, list[ServiceNumber]]:
        """A reviewer (or admin) records an instance sold to a customer and issues its service numbers."""
        if actor.role not in (Role.REVIEWER, Role.ADMIN):
            raise PermissionDenied(Text("only the provider issues instances", "只有接入商可以开通实例"))
        if not 1 <= service_numbers <= SERVICE_NUMBERS_PER_INSTANCE:
            raise ValidationError.for_field(
                "service_numbers",
                f"1 to {SERVICE_NUMBERS_PER_INSTANCE} per instance",
                f"每个实例 1 到 {SERVICE_NUMBERS_PER_INSTANCE} 个",
            )
        if months < 3:
            raise ValidationError.for_field(
                "months",
                "an instance for filing is bought for 3 months or more",
                "用于备案的实例须购买 3 个月以上",
            )
        addresses = parse_ips(ips, "ips")
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            owner = uow.accounts.by_username(customer.strip().lower())
            if owner is None or owner.role is not Role.APPLICANT:
                raise ValidationError.for_field("customer", f"no applicant {customer!r}", f"没有申请人 {customer!r}")
            provider_id = actor.provider_id
            if provider_id is None:
                providers = uow.accounts.providers()
                if not providers:
                    raise ValidationError.for_field("provider", "create a provider first", "请先创建接入商")
                provider_id = providers[0].id
            instance = uow.resources.add_instance(
                provider_id, owner.id, name, region, addresses, now, now + timedelta(days=30 * months)
            )
            numbers = [
                uow.resources.add_service_number(new_service_number(), instance, now) for _ in range(service_numbers)
            ]
            uow.commit()
        return instance, numbers


def new_service_number() -> str:
    """A 备案服务号: hard to guess, easy to read out (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(16))
