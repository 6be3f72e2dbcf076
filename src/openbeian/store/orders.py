"""Order repository: orders, their history, optimistic locking on save."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import FilingOrder, HistoryEntry
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.errors import Conflict, NotFound, StaleObject, Text
from openbeian.store import mapping
from openbeian.store.schema import new_id, order_history, orders


@dataclass(frozen=True, slots=True)
class OrderFilter:
    """Which orders a list shows; the service layer sets the tenant fields from the actor."""

    applicant_id: int | None = None
    provider_id: int | None = None
    province_code: str | None = None
    stages: tuple[Stage, ...] = ()
    kinds: tuple[OrderKind, ...] = ()
    due_before: datetime | None = None  # only orders whose stage deadline passed before this instant
    limit: int = 200


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: int
    kind: OrderKind
    stage: Stage
    subject_name: str
    province_code: str
    provider_id: int
    applicant_id: int
    deadline: datetime | None
    updated_at: datetime


class OrderRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, order: FilingOrder) -> int:
        try:
            with self.conn.begin_nested():
                result = self.conn.execute(orders.insert(), dict(**self._values(order), version=1))
        except IntegrityError:  # uq_orders_subject_in_flight: a concurrent order of the same subject won
            raise Conflict(
                Text(
                    "another order of this subject is in flight (subject conflict)",
                    "该主体已有办理中的订单（主体冲突）",
                )
            ) from None
        order.id = int(new_id(result))
        order.version = 1
        self._append_history(order, 0)
        return order.id

    def get(self, order_id: int) -> FilingOrder:
        row = self.conn.execute(_ORDER_BY_ID, {"order_id": order_id}).first()
        if row is None:
            raise NotFound(Text(f"order {order_id} not found", f"未找到订单 {order_id}"))
        history = [
            HistoryEntry(
                h.at,
                h.actor_id,
                Role(h.actor_role),
                Trigger(h.trigger),
                Stage(h.source),
                Stage(h.target),
                h.note,
            )
            for h in self.conn.execute(_HISTORY_OF_ORDER, {"order_id": order_id})
        ]
        return self._from_row(row, history)

    def save(self, order: FilingOrder) -> None:
        """Write the order back if nobody changed it since it was loaded (else StaleObject)."""
        assert order.id is not None
        result = self.conn.execute(
            _SAVE_ORDER,
            {**self._values(order), "version": order.version + 1, "b_id": order.id, "b_version": order.version},
        )
        if result.rowcount != 1:
            raise StaleObject(
                Text(
                    f"order {order.id} was changed by someone else; reload and try again",
                    f"订单 {order.id} 已被他人修改，请刷新后重试",
                )
            )
        order.version += 1
        self._append_history(order, order.stored_history)

    def find(self, where: OrderFilter) -> list[OrderSummary]:
        query = select(
            orders.c.id,
            orders.c.kind,
            orders.c.stage,
            orders.c.subject_name,
            orders.c.province_code,
            orders.c.provider_id,
            orders.c.applicant_id,
            orders.c.deadline,
            orders.c.updated_at,
        )
        if where.applicant_id is not None:
            query = query.where(orders.c.applicant_id == where.applicant_id)
        if where.provider_id is not None:
            query = query.where(orders.c.provider_id == where.provider_id)
        if where.province_code is not None:
            query = query.where(orders.c.province_code == where.province_code)
        if where.stages:
            query = query.where(orders.c.stage.in_([s.value for s in where.stages]))
        if where.kinds:
            query = query.where(orders.c.kind.in_([k.value for k in where.kinds]))
        if where.due_before is not None:
            query = query.where(orders.c.deadline < where.due_before)
        query = query.order_by(orders.c.updated_at.desc(), orders.c.id.desc()).limit(where.limit)
        return [
            OrderSummary(
                r.id,
                OrderKind(r.kind),
                Stage(r.stage),
                r.subject_name,
                r.province_code,
                r.provider_id,
                r.applicant_id,
                r.deadline,
                r.updated_at,
            )
            for r in self.conn.execute(query)
        ]

    def count_by_stage(self) -> dict[str, int]:
        rows = self.conn.execute(select(orders.c.stage, func.count()).group_by(orders.c.stage))
        return {stage: int(n) for stage, n in rows}

    def _append_history(self, order: FilingOrder, already_stored: int) -> None:
        new = order.history[already_stored:]
        order.stored_history = len(order.history)
        if new:
            self.conn.execute(
                _INSERT_HISTORY,
                [
                    {
                        "order_id": order.id,
                        "at": h.at,
                        "actor_id": h.actor_id,
                        "actor_role": h.actor_role.value,
                        "trigger": h.trigger.value,
                        "source": h.source.value,
                        "target": h.target.value,
                        "note": h.note,
                    }
                    for h in new
                ],
            )

    @staticmethod
    def _values(order: FilingOrder) -> dict[str, object]:
        return {
            "kind": order.kind.value,
            "stage": order.stage.value,
            "applicant_id": order.applicant_id,
            "provider_id": order.provider_id,
            "province_code": order.province_code,
            "service_number": order.service_number,
            "subject_name": order.subject.name,
            "payload": mapping.payload_to_json(
                order.subject,
                order.sites,
                order.access,
                {
                    "subject_number": order.subject_number,
                    "targets": list(order.targets),
                    "verification": mapping.verification_to_dict(order.verification),
                    "findings": order.findings,
                },
            ),
            "subject_key": order.subject_key,
            "sms": mapping.sms_to_json(order.sms),
            "issued": mapping.issued_to_json(order.issued),
            "review_days": order.review_days,
            "deadline": order.deadline,
            "created_at": order.created_at,
            "updated_at": order.updated_at,
        }

    @staticmethod
    def _from_row(row: Row[tuple[object, ...]], history: list[HistoryEntry]) -> FilingOrder:
        m = row._mapping
        payload = json.loads(str(m["payload"]))
        subject, sites, access = mapping.payload_from_dict(payload)
        return FilingOrder(
            id=int(m["id"]),
            kind=OrderKind(m["kind"]),
            stage=Stage(m["stage"]),
            applicant_id=int(m["applicant_id"]),
            province_code=str(m["province_code"]),
            subject=subject,
            sites=sites,
            access=access,
            service_number=str(m["service_number"]),
            created_at=m["created_at"],
            updated_at=m["updated_at"],
            deadline=m["deadline"],
            history=history,
            stored_history=len(history),
            sms=mapping.sms_from_json(m["sms"]),
            issued=mapping.issued_from_json(m["issued"]),
            review_days=int(m["review_days"]),
            version=int(m["version"]),
            subject_number=payload.get("subject_number"),
            targets=tuple(payload.get("targets") or ()),
            verification=mapping.verification_from_dict(payload.get("verification")),
            findings=list(payload.get("findings") or []),
        )


# Statements built once (building one per call costs more than running it on SQLite): every order step reads the
# order and its history and writes both back.
_ORDER_BY_ID = select(orders).where(orders.c.id == bindparam("order_id"))
_HISTORY_OF_ORDER = (
    select(order_history).where(order_history.c.order_id == bindparam("order_id")).order_by(order_history.c.id)
)
# The optimistic lock: the row is written only while its version is the one read (bind names differ from columns).
_SAVE_ORDER = orders.update().where(and_(orders.c.id == bindparam("b_id"), orders.c.version == bindparam("b_version")))
_INSERT_HISTORY = order_history.insert()
