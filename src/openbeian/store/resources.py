"""Provider resources (server instances, service numbers) and the SMS outbox."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, select

from openbeian.store.schema import instances, new_id, service_numbers, sms_outbox


@dataclass(frozen=True, slots=True)
class Instance:
    id: int
    provider_id: int
    owner_id: int
    name: str
    region: str
    ips: tuple[str, ...]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceNumber:
    code: str
    instance: Instance
    order_id: int | None


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

    def add_instance(
        self,
        provider_id: int,
        owner_id: int,
        name: str,
        region: str,
        ips: tuple[str, ...],
        at: datetime,
        expires_at: datetime,
    ) -> Instance:
        instance_id = new_id(
            self.conn.execute(
                instances.insert().values(
                    provider_id=provider_id,
                    owner_id=owner_id,
                    name=name,
                    region=region,
                    ips=json.dumps(list(ips)),
                    created_at=at,
                    expires_at=expires_at,
                )
            )
        )
        return Instance(int(instance_id), provider_id, owner_id, name, region, ips, expires_at)

    def add_service_number(self, code: str, instance: Instance, at: datetime) -> ServiceNumber:
        self.conn.execute(
            service_numbers.insert().values(
                code=code, instance_id=instance.id, owner_id=instance.owner_id, created_at=at
            )
        )
        return ServiceNumber(code, instance, None)

    def service_number(self, code: str) -> ServiceNumber | None:
        row = self.conn.execute(
            select(service_numbers, instances)
            .join(instances, instances.c.id == service_numbers.c.instance_id)
            .where(service_numbers.c.code == code)
        ).first()
        return None if row is None else _service_number(row)

    def service_numbers_of(self, owner_id: int) -> list[ServiceNumber]:
        rows = self.conn.execute(
            select(service_numbers, instances)
            .join(instances, instances.c.id == service_numbers.c.instance_id)
            .where(service_numbers.c.owner_id == owner_id)
            .order_by(service_numbers.c.created_at, service_numbers.c.code)
        )
        return [_service_number(r) for r in rows]

    def bind_service_number(self, code: str, order_id: int | None) -> bool:
        """Bind a free number to an order (or free it with None); False if it was taken meanwhile."""
        condition = service_numbers.c.code == code
        if order_id is not None:
            condition = and_(condition, service_numbers.c.order_id.is_(None))
        result = self.conn.execute(service_numbers.update().where(condition).values(order_id=order_id))
        return result.rowcount == 1

    def send_sms(self, phone: str, body: str, order_id: int | None, at: datetime) -> None:
        self.conn.execute(sms_outbox.insert().values(phone=phone, body=body, order_id=order_id, created_at=at))

    def outbox(self, order_id: int | None = None, limit: int = 50) -> list[SmsMessage]:
        query = select(sms_outbox).order_by(sms_outbox.c.id.desc()).limit(limit)
        if order_id is not None:
            query = query.where(sms_outbox.c.order_id == order_id)
        return [SmsMessage(r.id, r.phone, r.body, r.order_id, r.created_at) for r in self.conn.execute(query)]


def _service_number(row: object) -> ServiceNumber:
    m = row._mapping  # type: ignore[attr-defined]
    instance = Instance(
        m[instances.c.id],
        m[instances.c.provider_id],
        m[instances.c.owner_id],
        m[instances.c.name],
        m[instances.c.region],
        tuple(json.loads(m[instances.c.ips])),
        m[instances.c.expires_at],
    )
    return ServiceNumber(m[service_numbers.c.code], instance, m[service_numbers.c.order_id])
