"""Who sees which orders: tenants are enforced here, in the service layer, for every face.

applicant -> its own orders; reviewer -> its provider's customers' orders; officer -> its province's
orders once they reach the regulator; admin -> all. An order outside the actor's tenant is "not found".
"""

from __future__ import annotations

from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Role, Stage
from openbeian.errors import NotFound, PermissionDenied, Text
from openbeian.store.orders import OrderFilter

REGULATOR_STAGES = (Stage.SMS_CHECK, Stage.REGULATOR_REVIEW, Stage.APPROVED)


def order_filter(actor: Actor, stages: tuple[Stage, ...] = (), limit: int = 200) -> OrderFilter:
    if actor.role is Role.APPLICANT:
        return OrderFilter(applicant_id=actor.account_id, stages=stages, limit=limit)
    if actor.role is Role.REVIEWER:
        return OrderFilter(provider_id=actor.provider_id, stages=stages, limit=limit)
    if actor.role is Role.OFFICER:
        visible = tuple(s for s in (stages or REGULATOR_STAGES) if s in REGULATOR_STAGES)
        # Asking only for stages an officer cannot see gives nothing (limit 0), not everything.
        return OrderFilter(province_code=actor.province_code, stages=visible, limit=limit if visible else 0)
    if actor.role in (Role.ADMIN, Role.SYSTEM):
        return OrderFilter(stages=stages, limit=limit)
    raise PermissionDenied(Text("no access to orders", "无权查看订单"))


def can_see(actor: Actor, order: FilingOrder) -> bool:
    if actor.role is Role.APPLICANT:
        return order.applicant_id == actor.account_id
    if actor.role is Role.REVIEWER:
        return order.provider_id == actor.provider_id
    if actor.role is Role.OFFICER:
        return order.province_code == actor.province_code and order.stage in REGULATOR_STAGES
    return actor.role in (Role.ADMIN, Role.SYSTEM)


def ensure_visible(actor: Actor, order: FilingOrder) -> None:
    if not can_see(actor, order):
        raise NotFound(Text(f"order {order.id} not found", f"未找到订单 {order.id}"))
