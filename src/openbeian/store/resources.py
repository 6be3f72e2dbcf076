"""Provider resources (server instances, service numbers, their grants, free hosting credits) and the SMS outbox.

A service number's state moves only by conditional updates (free -> bound -> consumed, bound -> free), so two
orders racing for one number cannot both win, and a consumed number never comes back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select

from openbeian.domain.resources import (
    BillingMode,
    HostingCredit,
    Instance,
    NumberState,
    ServiceNumber,
)
from openbeian.store.schema import (
    hosting_credits,
    instances,
    new_id,
    service_number_grants,
    service_numbers,
    sms_outbox,
)

__all__ = ["HostingCredit", "Instance", "ResourceRepository", "ServiceNumber", "SmsMessage"]

_active_grants = service_number_grants.c.revoked_at.is_(None)


@dataclass(frozen=True, slots=True)
class SmsMessage:
    id: int
    phone: str
    body: str
    order_id: int | None
    created_at: datetime


class ResourceRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- instances ---------------------------------------------------------------------------------
    def add_instance(
        self,
        provider_id: int,
        owner_id: int,
        name: str,
        region: str,
        ips: tuple[str, ...],
        at: datetime,
        expires_at: datetime,
        billing_mode: BillingMode = BillingMode.SUBSCRIPTION,
        bought_at: datetime | None = None,
    ) -> Instance:
        bought_at = bought_at or at
        instance_id = new_id(
            self.conn.execute(
                instances.insert(),
                dict(
                    provider_id=provider_id,
                    owner_id=owner_id,
                    name=name,
                    region=region,
                    ips=json.dumps(list(ips)),
                    created_at=at,
                    expires_at=expires_at,
                    billing_mode=billing_mode.value,
                    bought_at=bought_at,
                ),
            )
        )
        return Instance(int(instance_id), provider_id, owner_id, name, region, ips, expires_at, billing_mode, bought_at)

    def instance(self, instance_id: int, for_update: bool = False) -> Instance | None:
        """One instance; `for_update` locks its row (PostgreSQL) so that quota checks do not race."""
        row = self.conn.execute(_INSTANCE_FOR_UPDATE if for_update else _INSTANCE, {"instance_id": instance_id}).first()
        return None if row is None else _instance(row._mapping)

    def instances(
        self, provider_id: int | None = None, owner_id: int | None = None, limit: int = 500
    ) -> list[Instance]:
        query = select(instances).order_by(instances.c.id).limit(limit)
        if provider_id is not None:
            query = query.where(instances.c.provider_id == provider_id)
        if owner_id is not None:
            query = query.where(instances.c.owner_id == owner_id)
        return [_instance(r._mapping) for r in self.conn.execute(query)]

    def set_expiry(self, instance_id: int, expires_at: datetime) -> None:
        self.conn.execute(_SET_EXPIRY, {"b_id": instance_id, "expires_at": expires_at})

    # -- service numbers ---------------------------------------------------------------------------
    def add_service_number(self, code: str, instance: Instance, at: datetime) -> ServiceNumber:
        self.conn.execute(
            service_numbers.insert(),
            dict(code=code, instance_id=instance.id, owner_id=instance.owner_id, created_at=at, state="free"),
        )
        return ServiceNumber(code, instance, None)

    def count_service_numbers(self, instance_id: int) -> int:
        query = select(func.count()).select_from(service_numbers).where(service_numbers.c.instance_id == instance_id)
        return int(self.conn.execute(query).scalar_one())

    def service_number(self, code: str) -> ServiceNumber | None:
        row = self.conn.execute(_NUMBER_BY_CODE, {"code": code}).first()
        return None if row is None else _service_number(row._mapping)

    def service_numbers_of(self, owner_id: int, include_granted: bool = False) -> list[ServiceNumber]:
        """The numbers an account owns; with `include_granted` also those other owners authorised it to use."""
        condition = service_numbers.c.owner_id == owner_id
        if include_granted:
            condition = or_(condition, service_number_grants.c.grantee_id == owner_id)
        return self._numbers(condition)

    def service_numbers_of_instance(self, instance_id: int) -> list[ServiceNumber]:
        return self._numbers(service_numbers.c.instance_id == instance_id)

    def _numbers(self, condition: Any) -> list[ServiceNumber]:
        query = _numbers_query().where(condition).order_by(service_numbers.c.created_at, service_numbers.c.code)
        return [_service_number(r._mapping) for r in self.conn.execute(query)]

    def bind_service_number(self, code: str, order_id: int | None) -> bool:
        """Bind a free number to an order, or free it again with None (never a consumed one); False if the
        number was taken (or consumed) meanwhile."""
        condition = service_numbers.c.code == code
        if order_id is not None:
            condition = and_(condition, service_numbers.c.order_id.is_(None), service_numbers.c.state == "free")
            values = {"order_id": order_id, "state": NumberState.BOUND.value}
        else:
            condition = and_(condition, service_numbers.c.state != NumberState.CONSUMED.value)
            values = {"order_id": None, "state": NumberState.FREE.value}
        result = self.conn.execute(service_numbers.update().where(condition).values(**values))
        return result.rowcount == 1

    def consume_service_number(self, code: str, order_id: int) -> bool:
        """The approved order uses the number up; False unless it was this order's (bound or already consumed)."""
        condition = and_(
            service_numbers.c.code == code,
            or_(service_numbers.c.order_id == order_id, service_numbers.c.order_id.is_(None)),
            service_numbers.c.state != NumberState.CONSUMED.value,
        )
        result = self.conn.execute(
            service_numbers.update().where(condition).values(order_id=order_id, state=NumberState.CONSUMED.value)
        )
        if result.rowcount == 1:
            return True
        number = self.service_number(code)
        return number is not None and number.state is NumberState.CONSUMED and number.order_id == order_id

    # -- grants ------------------------------------------------------------------------------------
    def add_grant(self, code: str, grantee_id: int, at: datetime) -> bool:
        """Authorise `grantee_id` to use the number; False if a standing grant exists already."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(service_number_grants.insert(), dict(code=code, grantee_id=grantee_id, granted_at=at))
        except IntegrityError:
            return False
        return True

    def revoke_grant(self, code: str, at: datetime) -> bool:
        result = self.conn.execute(
            service_number_grants.update()
            .where(service_number_grants.c.code == code, _active_grants)
            .values(revoked_at=at)
        )
        return result.rowcount == 1

    # -- free hosting credits ----------------------------------------------------------------------
    def add_hosting_credit(self, credit: HostingCredit) -> bool:
        """Record the credit; False if the instance had one already (also when two approvals race)."""
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    hosting_credits.insert(),
                    dict(
                        instance_id=credit.instance_id,
                        order_id=credit.order_id,
                        days=credit.days,
                        submitted_at=credit.submitted_at,
                        approved_at=credit.approved_at,
                        expires_before=credit.expires_before,
                        expires_after=credit.expires_after,
                    ),
                )
        except IntegrityError:
            return False
        return True

    def hosting_credit(self, instance_id: int | None = None, order_id: int | None = None) -> HostingCredit | None:
        """The credit of an instance, or the one an order earned."""
        query = select(hosting_credits)
        if instance_id is not None:
            query = query.where(hosting_credits.c.instance_id == instance_id)
        if order_id is not None:
            query = query.where(hosting_credits.c.order_id == order_id)
        row = self.conn.execute(query.limit(1)).first()
        if row is None:
            return None
        m = row._mapping
        return HostingCredit(
            m["instance_id"],
            m["order_id"],
            m["days"],
            m["submitted_at"],
            m["approved_at"],
            m["expires_before"],
            m["expires_after"],
        )

    # -- SMS outbox --------------------------------------------------------------------------------
    def send_sms(self, phone: str, body: str, order_id: int | None, at: datetime) -> None:
        self.conn.execute(sms_outbox.insert(), dict(phone=phone, body=body, order_id=order_id, created_at=at))

    def outbox(self, order_id: int | None = None, limit: int = 50) -> list[SmsMessage]:
        query = select(sms_outbox).order_by(sms_outbox.c.id.desc()).limit(limit)
        if order_id is not None:
            query = query.where(sms_outbox.c.order_id == order_id)
        return [SmsMessage(r.id, r.phone, r.body, r.order_id, r.created_at) for r in self.conn.execute(query)]


def _numbers_query() -> Select[Any]:
    return (
        select(service_numbers, instances, service_number_grants.c.grantee_id)
        .join(instances, instances.c.id == service_numbers.c.instance_id)
        .outerjoin(service_number_grants, and_(service_number_grants.c.code == service_numbers.c.code, _active_grants))
    )


def _instance(m: Any) -> Instance:
    c = instances.c
    return Instance(
        m[c.id],
        m[c.provider_id],
        m[c.owner_id],
        m[c.name],
        m[c.region],
        tuple(json.loads(m[c.ips])),
        m[c.expires_at],
        BillingMode(m[c.billing_mode]),
        m[c.bought_at] or m[c.created_at],
    )


def _service_number(m: Any) -> ServiceNumber:
    return ServiceNumber(
        m[service_numbers.c.code],
        _instance(m),
        m[service_numbers.c.order_id],
        NumberState(m[service_numbers.c.state]),
        m[service_number_grants.c.grantee_id],
    )


# Looked up at every order step that checks the order's service number: built once.
_NUMBER_BY_CODE = _numbers_query().where(service_numbers.c.code == bindparam("code"))
_INSTANCE = select(instances).where(instances.c.id == bindparam("instance_id"))
_INSTANCE_FOR_UPDATE = _INSTANCE.with_for_update()
_SET_EXPIRY = instances.update().where(instances.c.id == bindparam("b_id"))
