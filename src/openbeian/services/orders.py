"""Order use cases for every role: create and edit drafts, move orders through the workflow, the SMS
check. Each method is one transaction; side effects of entering a stage happen in the same one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from openbeian.domain.access import AccessRecord
from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import SYSTEM, Actor, FilingOrder, SmsOutcome
from openbeian.domain.provinces import by_code
from openbeian.domain.provinces import find as find_province
from openbeian.domain.workflow import ACCESS_REVIEW_VALID_DAYS, Role, Stage, Trigger, triggers_from
from openbeian.errors import ConfigurationError, Conflict, NotFound, PermissionDenied, Text, ValidationError
from openbeian.rules import Severity, evaluate
from openbeian.rules.from_order import facts_from_order
from openbeian.services.context import Context
from openbeian.services.issuing import apply_approval
from openbeian.services.notifications import Claimed, NotificationService
from openbeian.services.requests import ResolvedRequest, resolve
from openbeian.services.resources import ResourceService
from openbeian.services.tenancy import ensure_visible, order_filter
from openbeian.store.lifecycle import OrderFile
from openbeian.store.orders import OrderSummary
from openbeian.store.resources import ServiceNumber, SmsMessage
from openbeian.store.uow import UnitOfWork
from openbeian.verification import DOCUMENT_TYPES, IMAGE_TYPES, check_backdrop_photo

# Triggers a person pulls by hand; SMS outcomes come from entering the code.
MANUAL_TRIGGERS = tuple(t for t in Trigger if t not in (Trigger.SMS_PASS, Trigger.SMS_FAIL, Trigger.EXPIRE))


class OrderService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.notifications = NotificationService(ctx)

    # -- reading -----------------------------------------------------------------------------------
    def get(self, actor: Actor, order_id: int) -> FilingOrder:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            order = uow.orders.get(order_id)
        ensure_visible(actor, order)
        return order

    def find(self, actor: Actor, stages: tuple[Stage, ...] = (), limit: int = 200) -> list[OrderSummary]:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.orders.find(order_filter(actor, stages, limit))

    def overdue(self, actor: Actor, limit: int = 1000) -> list[OrderSummary]:
        """Orders past the deadline of their stage, among those the actor sees (each role its own queue)."""
        now = self.ctx.clock.now()
        waiting = (Stage.PROVIDER_REVIEW, Stage.VERIFICATION, Stage.SMS_CHECK, Stage.REGULATOR_REVIEW)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.orders.find(replace(order_filter(actor, waiting, limit), due_before=now))

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
        """A new order from a request: `action` file (default), change or cancel; the kind follows from the
        registry (see services/requests.py)."""
        if actor.role is not Role.APPLICANT or actor.account_id is None:
            raise PermissionDenied(Text("only applicants file orders", "只有备案申请人可以提交备案订单"))
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            request = resolve(uow, actor, data)
            access = self._access_of(uow, actor, request)
            order = FilingOrder(
                id=None,
                kind=request.kind,
                stage=Stage.DRAFT,
                applicant_id=actor.account_id,
                province_code=request.draft.subject.province_code,
                subject=request.draft.subject,
                sites=request.draft.sites,
                access=access,
                service_number=request.draft.service_number,
                created_at=now,
                updated_at=now,
                review_days=by_code(request.draft.subject.province_code).review_days,
                subject_number=request.subject_number,
                targets=request.targets,
            )
            self._check_admissible(uow, order)
            order_id = uow.orders.add(order)
            uow.lifecycle.claim_domains(order_id, order.claimed_domains)
            if order.service_number:
                ResourceService.use(uow, order.service_number, actor.account_id, order_id, now)
            uow.commit()
        return order

    def update(self, actor: Actor, order_id: int, data: Mapping[str, Any]) -> FilingOrder:
        """Edit a draft (a new one, or one returned or rejected with reasons); the kind is decided again."""
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role is not Role.APPLICANT or order.stage is not Stage.DRAFT:
                raise PermissionDenied(Text("only the applicant edits a draft", "只有申请人可以修改草稿"))
            request = resolve(uow, actor, data)
            if order.service_number and request.draft.service_number != order.service_number:
                ResourceService.release(uow, order.service_number)
            order.access = self._access_of(uow, actor, request, keep=order.id)
            order.kind, order.subject_number, order.targets = request.kind, request.subject_number, request.targets
            order.subject, order.sites, order.service_number = (
                request.draft.subject,
                request.draft.sites,
                request.draft.service_number,
            )
            order.province_code = request.draft.subject.province_code
            order.review_days = by_code(order.province_code).review_days
            order.updated_at = self.ctx.clock.now()
            self._check_admissible(uow, order)
            uow.orders.save(order)
            assert order.id is not None
            uow.lifecycle.claim_domains(order.id, order.claimed_domains)
            if order.service_number:
                ResourceService.use(uow, order.service_number, order.applicant_id, order.id, self.ctx.clock.now())
            uow.commit()
        return order

    @staticmethod
    def _check_admissible(uow: UnitOfWork, order: FilingOrder) -> None:
        """Blacklists (a cancellation is always allowed), and one order in flight per subject and per domain
        across all providers."""
        if not order.kind.is_cancellation and uow.lifecycle.blacklisted("subject", [order.subject_key]):
            raise ValidationError.for_field(
                "subject.document.number",
                "this subject is on the regulator's blacklist and may not file [BLACKLIST-SUBJECT]",
                "该主体已被管局列入黑名单，不能备案［BLACKLIST-SUBJECT］",
            )
        listed = {} if order.kind.is_cancellation else uow.lifecycle.blacklisted("domain", order.domains)
        if listed:
            raise ValidationError.for_field(
                "sites",
                f"{', '.join(listed)} is on the regulator's blacklist [BLACKLIST-DOMAIN]",
                f"{'、'.join(listed)} 已被管局列入黑名单［BLACKLIST-DOMAIN］",
            )
        other = uow.lifecycle.order_in_flight_for_subject(order.subject_key, other_than=order.id)
        if other is not None:
            raise Conflict(
                Text(
                    f"order {other} of this subject is still in flight (subject conflict): finish or withdraw it first"
                    " [ORDER-SUBJECT-IN-FLIGHT]",
                    f"该主体的订单 {other} 仍在办理中（主体冲突），请先完成或撤销［ORDER-SUBJECT-IN-FLIGHT］",
                ),
                {"subject.document.number": Text(f"order {other} in flight", f"订单 {other} 办理中")},
            )
        busy = uow.lifecycle.orders_in_flight_for_domains(order.claimed_domains, other_than=order.id)
        if busy:
            fields = {
                f"sites[{i}].domains[{j}]": Text(
                    f"{d.unicode} is in order {busy[d.ascii]}, still in flight",
                    f"{d.unicode} 在办理中的订单 {busy[d.ascii]} 中",
                )
                for i, site in enumerate(order.sites)
                for j, d in enumerate(site.domains)
                if d.ascii in busy
            }
            raise Conflict(
                Text(
                    "a domain is in another order still in flight (domain conflict) [ORDER-DOMAIN-IN-FLIGHT]",
                    "域名在其他办理中的订单中（域名冲突）［ORDER-DOMAIN-IN-FLIGHT］",
                ),
                fields,
            )

    def _access_of(
        self, uow: UnitOfWork, actor: Actor, request: ResolvedRequest, keep: int | None = None
    ) -> AccessRecord:
        """Cancellations and changes keep the filed access; other orders take the service number's server."""
        if request.filed_access is not None:
            return request.filed_access
        number = ResourceService.check_usable(
            uow, request.draft.service_number, actor.account_id or 0, self.ctx.clock.now(), keep
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
            before = len(order.history)
            review_before = gate_review(order)
            if trigger is Trigger.SUBMIT and order.stage is Stage.DRAFT:
                self._check_rules(order)
            order.move(trigger, actor, now, self.ctx.calendar, note)  # checks the stage and the role first
            if order.stage is Stage.APPROVED:
                order.issued = apply_approval(uow, order, now)
                if order.service_number:
                    ResourceService.consume(uow, order.service_number, order_id)
                    ResourceService.credit_free_hosting(uow, order, now)
            self._on_enter(uow, order)
            record_review_change(uow, order, review_before, now)
            uow.orders.save(order)
            told = self.notifications.claim_order_changes(uow, order, before)
            uow.commit()
        self.notifications.send(told)
        return order

    def _check_rules(self, order: FilingOrder) -> None:
        """Run the rules on what the order files; a blocking finding keeps it in the draft, naming each field.
        The findings stay on the order for the provider's reviewer. Cancellations file nothing new."""
        if order.kind.is_cancellation:
            order.findings = []
            return
        day = self.ctx.clock.now().astimezone(CHINA_TZ).date()
        findings = evaluate(facts_from_order(order), day)
        order.findings = [f.to_dict() for f in findings]
        blocking = [f for f in findings if f.severity is Severity.BLOCK]
        if blocking:
            fields: dict[str, Text] = {}
            for f in blocking:
                fields.setdefault(f.path or "order", Text(f"{f.message.en} [{f.rule}]", f"{f.message.zh}［{f.rule}］"))
            first = blocking[0]
            raise ValidationError(
                Text(
                    f"the rules block this order ({len(blocking)}): {first.message.en} [{first.rule}]",
                    f"备案规则不允许提交（{len(blocking)} 项）：{first.message.zh}［{first.rule}］",
                ),
                fields,
            )

    def _on_enter(self, uow: UnitOfWork, order: FilingOrder) -> None:
        now = order.updated_at  # the moment the stage was entered (the SMS notice matches on it)
        if order.stage is Stage.SMS_CHECK:
            code = self.ctx.sms_code()
            order.start_sms(code, now)
            self._send_code(uow, order, code, now)
        if order.stage.is_final:
            assert order.id is not None
            uow.lifecycle.release_domains(order.id)
            if order.stage is not Stage.APPROVED and order.service_number:
                ResourceService.release(uow, order.service_number)

    @staticmethod
    def _send_code(uow: UnitOfWork, order: FilingOrder, code: str, now: datetime) -> None:
        assert order.sms is not None
        uow.resources.send_sms(
            order.sms.phone,
            f"【工信部ICP备案】验证码 {code}，订单 {order.id}，24 小时内有效。"
            f" [MIIT ICP filing] code {code} for order {order.id}, valid 24 hours.",
            order.id,
            now,
        )

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
            before = len(order.history)
            review_before = gate_review(order)
            outcome = order.check_sms(code, now, self.ctx.calendar)
            record_review_change(uow, order, review_before, now)
            uow.orders.save(order)
            told = self.notifications.claim_order_changes(uow, order, before)
            uow.commit()
        self.notifications.send(told)
        return outcome, order

    # -- verification material ---------------------------------------------------------------------
    def record_face_check(self, actor: Actor, order_id: int, reference: str) -> FilingOrder:
        """The provider records a face check (人脸核验) it ran, instead of the backdrop photo."""
        reference = " ".join(reference.split())
        if not reference:
            raise ValidationError.for_field("reference", "give the face check's reference", "请填写人脸核验记录编号")
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role not in (Role.REVIEWER, Role.ADMIN):
                raise PermissionDenied(Text("only the provider records a face check", "只有接入商可以登记人脸核验"))
            if order.stage is not Stage.VERIFICATION:
                raise ValidationError.for_field(
                    "reference", "the order is not in verification", "订单不在真实性核验阶段"
                )
            order.verification.face_check = reference[:100]
            order.updated_at = self.ctx.clock.now()
            uow.orders.save(order)
            uow.commit()
        return order

    def add_file(self, actor: Actor, order_id: int, purpose: str, name: str, data: bytes) -> FilingOrder:
        """Upload the leader's backdrop photo (checked automatically) or the signed authenticity letter."""
        if purpose not in ("photo", "letter"):
            raise ValidationError.for_field(
                "purpose", "must be photo or letter", "须为 photo（幕布照片）或 letter（核验单）"
            )
        if self.ctx.uploads is None:
            raise ConfigurationError(Text("uploads are not configured", "未配置上传目录"))
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role not in (Role.APPLICANT, Role.REVIEWER, Role.ADMIN) or actor.account_id is None:
                raise PermissionDenied(Text("only the applicant or the provider uploads", "只有申请人或接入商可以上传"))
            if order.stage not in (Stage.DRAFT, Stage.PROVIDER_REVIEW, Stage.VERIFICATION):
                raise ValidationError.for_field(
                    purpose, "verification files are taken until the verification ends", "核验完成后不能再上传核验材料"
                )
            accept = IMAGE_TYPES if purpose == "photo" else DOCUMENT_TYPES
            stored = self.ctx.uploads.save(data, name, field=purpose, accept=accept)
            problems: tuple[str, ...] = ()
            if purpose == "photo":
                check = check_backdrop_photo(data, self.ctx.backdrop)
                problems = tuple(f"{p.text.en} / {p.text.zh}" for p in check.problems)
                order.verification.photo, order.verification.photo_problems = stored.digest, problems
            else:
                order.verification.letter = stored.digest
            uow.lifecycle.add_file(
                order_id,
                purpose,
                stored.digest,
                stored.content_type.value,
                stored.size,
                stored.original_name,
                problems,
                actor.account_id,
                now,
            )
            order.updated_at = now
            uow.orders.save(order)
            uow.commit()
        return order

    def files(self, actor: Actor, order_id: int) -> list[OrderFile]:
        self.get(actor, order_id)
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.lifecycle.files_of(order_id)

    def request_backdrop(self, actor: Actor, order_id: int, province: str, address: str) -> FilingOrder:
        """Ask the provider to ship its photo backdrop (幕布); it ships only to addresses in mainland China."""
        found = find_province(province)
        if found is None:
            raise ValidationError.for_field(
                "province",
                "backdrops ship only to an address in one of the 31 mainland provinces (not Hong Kong, Macao, Taiwan"
                " or abroad) [BACKDROP-MAINLAND-ONLY]",
                "幕布仅寄送至中国大陆 31 个省级行政区的地址（不含港澳台及境外）［BACKDROP-MAINLAND-ONLY］",
            )
        address = " ".join(address.split())
        if len(address) < 6:
            raise ValidationError.for_field("address", "give the full street address", "请填写完整的收件地址")
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role is not Role.APPLICANT or order.stage not in (
                Stage.DRAFT,
                Stage.PROVIDER_REVIEW,
                Stage.VERIFICATION,
            ):
                raise PermissionDenied(
                    Text(
                        "the applicant asks for a backdrop before the verification ends", "申请人可在核验结束前申请幕布"
                    )
                )
            order.verification.backdrop_to = f"{found.code} {address[:200]}"
            order.updated_at = self.ctx.clock.now()
            uow.orders.save(order)
            uow.commit()
        return order

    def resend_sms(self, actor: Actor, order_id: int) -> FilingOrder:
        """A new code for the leader's phone; the old one stops working, the wrong tries and the 24 hours stay."""
        now = self.ctx.clock.now()
        with self.ctx.db.unit_of_work() as uow:
            order = uow.orders.get(order_id)
            ensure_visible(actor, order)
            if actor.role not in (Role.APPLICANT, Role.ADMIN):
                raise PermissionDenied(Text("only the applicant asks for a new code", "只有申请人可以重新获取验证码"))
            code = self.ctx.sms_code()
            order.resend_sms(code, now)
            order.updated_at = now
            self._send_code(uow, order, code, now)
            uow.orders.save(order)
            told = self.notifications.claim_order_changes(uow, order, len(order.history))
            uow.commit()
        self.notifications.send(told)
        return order

    def expire_access_reviews(self) -> list[int]:
        """Abandon add-access orders whose first review is older than 45 days without approval (for `tick`)."""
        now = self.ctx.clock.now()
        moved = []
        told: list[Claimed] = []
        with self.ctx.db.unit_of_work() as uow:
            waiting = (Stage.VERIFICATION, Stage.SMS_CHECK, Stage.REGULATOR_REVIEW)
            add_access = replace(order_filter(SYSTEM, waiting, limit=100_000), kinds=(OrderKind.ADD_ACCESS,))
            for summary in uow.orders.find(add_access):
                order = uow.orders.get(summary.id)
                passed = order.first_review_passed_at
                if passed is not None and now > passed + timedelta(days=ACCESS_REVIEW_VALID_DAYS):
                    review_before = gate_review(order)
                    order.move(
                        Trigger.EXPIRE,
                        SYSTEM,
                        now,
                        self.ctx.calendar,
                        f"first review older than {ACCESS_REVIEW_VALID_DAYS} days"
                        f" / 初审已超过 {ACCESS_REVIEW_VALID_DAYS} 天",
                    )
                    self._on_enter(uow, order)
                    record_review_change(uow, order, review_before, now)
                    uow.orders.save(order)
                    moved.append(order)
                    told += self.notifications.claim_order_changes(uow, order, len(order.history) - 1)
            uow.commit()
        self.notifications.send(told)
        return [o.id or 0 for o in moved]

    def expire_sms(self) -> list[int]:
        """Return to the provider every order whose SMS code expired (idempotent; for `tick`)."""
        now = self.ctx.clock.now()
        moved = []
        told: list[Claimed] = []
        with self.ctx.db.unit_of_work() as uow:
            past_24_hours = replace(order_filter(SYSTEM, (Stage.SMS_CHECK,), limit=100_000), due_before=now)
            for summary in uow.orders.find(past_24_hours):
                order = uow.orders.get(summary.id)
                if order.sms is not None and now > order.sms.expires_at:
                    review_before = gate_review(order)
                    order.check_sms("", now, self.ctx.calendar)
                    record_review_change(uow, order, review_before, now)
                    uow.orders.save(order)
                    moved.append(order)
                    told += self.notifications.claim_order_changes(uow, order, len(order.history) - 1)
            uow.commit()
        self.notifications.send(told)
        return [o.id or 0 for o in moved]


def gate_review(order: FilingOrder) -> str | None:
    """How the enforcement gate sees the order's domains: "review" (held: pending), "access_passed" (an add-access
    order past its first review: allowed for its provider, see gate/decision.py) or None (a draft, or ended)."""
    if order.stage is Stage.DRAFT or order.stage.is_final:
        return None
    if order.kind is OrderKind.ADD_ACCESS and order.stage is not Stage.PROVIDER_REVIEW:
        return "access_passed"
    return "review"


def record_review_change(uow: UnitOfWork, order: FilingOrder, before: str | None, at: datetime) -> None:
    """Orders entering and leaving review change the gate's decision on their domains: log it for the gates."""
    after = gate_review(order)
    if after != before and order.claimed_domains:
        payload: dict[str, object] = {"domains": list(order.claimed_domains), "review": after}
        uow.registry.record_change(at, "order_review", order.subject_number or "", None, payload)
