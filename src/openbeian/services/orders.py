"""Order use cases for every role: create and edit drafts, move orders through the workflow, the SMS
check. Each method is one transaction; side effects of entering a stage happen in the same one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openbeian.domain.access import AccessRecord
from openbeian.domain.orders import SYSTEM, Actor, FilingOrder, OrderKind, SmsOutcome
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import Role, Stage, Trigger, triggers_from
from openbeian.errors import NotFound, PermissionDenied, Text, ValidationError
from openbeian.services.context import Context
from openbeian.services.forms import OrderDraft, parse_order_form
from openbeian.services.issuing import check_not_filed, issue_numbers
from openbeian.services.tenancy import ensure_visible, order_filter
from openbeian.store.orders import OrderSummary
from openbeian.store.resources import ServiceNumber, SmsMessage
from openbeian.store.uow import UnitOfWork

# Triggers a person pulls by hand; SMS outcomes come from entering the code.
MANUAL_TRIGGERS = tuple(t for t in Trigger if t not in (Trigger.SMS_PASS, Trigger.SMS_FAIL))


class OrderService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- reading -----------------------------------------------------------------------------------
    def get(self, actor: Actor, order_id: int) -> FilingOrder:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            order = uow.orders.get(order_id)
        ensure_visible(actor, order)
        return order

    def find(self, actor: Actor, stages: tuple[Stage, ...] = (), limit: int = 200) -> list[OrderSummary]:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.orders.find(order_filter(actor, stages, limit))

    def actions(self, actor: Actor, order: FilingOrder) -> list[Trigger]:
        """What this actor may do with this order now."""
        if actor.role is Role.APPLICANT and order.applicant_id != actor.account_id:
            return []
        return [t for t in triggers_from(order.stage, actor.role) if t in MANUAL_TRIGGERS]

    def service_numbers(self, actor: Actor) -> list[ServiceNumber]:
        if actor.account_id is None:
            return []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.resources.service_numbers_of(actor.account_id)

    def outbox(self, actor: Actor, order_id: int) -> list[SmsMessage]:
        """The development SMS outbox of one order (what the leader's phone would show)."""
        order = self.get(actor, order_id)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.resources.outbox(order.id)

    # -- drafts ------------------------------------------------------------------------------------
    def create(self, actor: Actor, data: Mapping[str, Any]) -> FilingOrder:
        if actor.role is not Role.APPLICANT or actor.account_id is None:
            raise PermissionDenied(Text("only applicants file orders", "只有备案申请人可以提交备案订单"))
        draft = parse_order_form(data)
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            access = self._access_for(uow, actor, draft)
            order = FilingOrder(
                id=None,
                kind=OrderKind.FIRST_FILING,
                stage=Stage.DRAFT,
                applicant_id=actor.account_id,
                province_code=draft.subject.province_code,
                subject=draft.subject,
                sites=draft.sites,
                access=access,
                service_number=draft.service_number,
                created_at=now,
                updated_at=now,
                review_days=by_code(draft.subject.province_code).review_days,
            )
            check_not_filed(uow, order)
            order_id = uow.orders.add(order)
            self._bind(uow, draft.service_number, order_id)
            uow.commit()
        return order

    def update(self, actor: Actor, order_id: int, data: Mapping[str, Any]) -> FilingOrder:
        """Edit a draft (a new one, or one returned or rejected with reasons)."""
        draft = parse_order_form(data)
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role is not Role.APPLICANT or order.stage is not Stage.DRAFT:
                raise PermissionDenied(Text("only the applicant edits a draft", "只有申请人可以修改草稿"))
            if draft.service_number != order.service_number:
                uow.resources.bind_service_number(order.service_number, None)
            order.access = self._access_for(uow, actor, draft, keep=order.id)
            order.subject, order.sites, order.service_number = (
                draft.subject,
                draft.sites,
                draft.service_number,
            )
            order.province_code = draft.subject.province_code
            order.review_days = by_code(order.province_code).review_days
            order.updated_at = self.ctx.clock.now()
            check_not_filed(uow, order)
            uow.orders.save(order)
            assert order.id is not None
            self._bind(uow, draft.service_number, order.id)
            uow.commit()
        return order

    @staticmethod
    def _bind(uow: UnitOfWork, code: str, order_id: int) -> None:
        """Bind the service number to the order; a concurrent draft may have taken it since we looked."""
        if not uow.resources.bind_service_number(code, order_id):
            number = uow.resources.service_number(code)
            if number is None or number.order_id != order_id:
                raise ValidationError.for_field("service_number", "already used by another order", "已被其他订单使用")

    def _access_for(self, uow: UnitOfWork, actor: Actor, draft: OrderDraft, keep: int | None = None) -> AccessRecord:
        number = uow.resources.service_number(draft.service_number)
        if number is None or number.instance.owner_id != actor.account_id:
            raise ValidationError.for_field(
                "service_number", "unknown service number for this account", "该账号下没有这个备案服务号"
            )
        if number.order_id is not None and number.order_id != keep:
            raise ValidationError.for_field(
                "service_number",
                f"already used by order {number.order_id}",
                f"已被订单 {number.order_id} 使用",
            )
        return AccessRecord(number.instance.provider_id, number.instance.id, number.instance.ips)

    # -- the workflow ------------------------------------------------------------------------------
    def act(self, actor: Actor, order_id: int, trigger: Trigger, note: str = "") -> FilingOrder:
        if trigger not in MANUAL_TRIGGERS:
            raise PermissionDenied(
                Text("SMS outcomes come from entering the code", "短信核验结果只能通过输入验证码产生")
            )
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role is Role.APPLICANT and order.applicant_id != actor.account_id:
                raise NotFound(Text(f"order {order_id} not found", f"未找到订单 {order_id}"))
            order.move(trigger, actor, now, self.ctx.calendar, note)  # checks the stage and the role first
            if order.stage is Stage.APPROVED:
                order.issued = issue_numbers(uow, order, now)
            self._on_enter(uow, order)
            uow.orders.save(order)
            uow.commit()
        return order

    def _on_enter(self, uow: UnitOfWork, order: FilingOrder) -> None:
        now = self.ctx.clock.now()
        if order.stage is Stage.SMS_CHECK:
            code = self.ctx.sms_code()
            challenge = order.start_sms(code, now)
            uow.resources.send_sms(
                challenge.phone,
                f"【工信部ICP备案】验证码 {code}，订单 {order.id}，24 小时内有效。"
                f" [MIIT ICP filing] code {code} for order {order.id}, valid 24 hours.",
                order.id,
                now,
            )
        elif order.stage in (Stage.WITHDRAWN, Stage.ABANDONED):
            uow.resources.bind_service_number(order.service_number, None)

    def enter_sms_code(self, actor: Actor, order_id: int, code: str) -> tuple[SmsOutcome, FilingOrder]:
        code = code.strip()
        if not (len(code) == 6 and code.isdigit()):
            raise ValidationError.for_field("code", "the SMS code has 6 digits", "短信验证码为 6 位数字")
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role not in (Role.APPLICANT, Role.ADMIN, Role.SYSTEM):
                raise PermissionDenied(Text("only the applicant enters the SMS code", "只有申请人可以输入短信验证码"))
            outcome = order.check_sms(code, now, self.ctx.calendar)
            uow.orders.save(order)
            uow.commit()
        return outcome, order

    def expire_sms(self) -> list[int]:
        """Return to the provider every order whose SMS code expired (idempotent; for `tick`)."""
        now = self.ctx.clock.now()
        moved = []
        with self.ctx.db.unit_of_work() as uow:
            for summary in uow.orders.find(order_filter(SYSTEM, (Stage.SMS_CHECK,), limit=10_000)):
                order = uow.orders.get(summary.id)
                if order.sms is not None and now > order.sms.expires_at:
                    order.check_sms("", now, self.ctx.calendar)
                    uow.orders.save(order)
                    moved.append(summary.id)
            uow.commit()
        return moved
