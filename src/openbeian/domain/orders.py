"""The filing order aggregate (备案订单): its content, its stage, its history, its SMS challenge.

Every stage change goes through `FilingOrder.move`, which checks the transition table and the actor's
role and appends to the history; an illegal move raises IllegalTransition and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from openbeian.domain.access import AccessRecord
from openbeian.domain.calendar import CHINA_TZ, WorkingCalendar
from openbeian.domain.events import StageChanged
from openbeian.domain.kinds import OrderKind
from openbeian.domain.sites import Site
from openbeian.domain.subjects import Subject
from openbeian.domain.workflow import (
    FIRST_REVIEW_WORKING_DAYS,
    SMS_MAX_RESENDS,
    SMS_MAX_WRONG_TRIES,
    SMS_RESEND_AFTER_SECONDS,
    SMS_VALID_HOURS,
    VERIFICATION_WORKING_DAYS,
    Role,
    Stage,
    Trigger,
    transition_for,
)
from openbeian.errors import IllegalTransition, PermissionDenied, Text, ValidationError


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an account with its role and tenant (provider or province), or the system."""

    account_id: int | None
    role: Role
    name: str = ""
    provider_id: int | None = None
    province_code: str | None = None


SYSTEM = Actor(None, Role.SYSTEM, "system")


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    actor_id: int | None
    actor_role: Role
    trigger: Trigger
    source: Stage
    target: Stage
    note: str


@dataclass(slots=True)
class SmsChallenge:
    phone: str
    code_digest: str
    sent_at: datetime
    expires_at: datetime
    wrong_tries: int = 0
    resends: int = 0


class SmsOutcome(StrEnum):
    PASSED = "passed"
    WRONG = "wrong"  # wrong code, tries left
    FAILED = "failed"  # 6th wrong code or expired: the order went back to the provider


def sms_digest(order_id: int, code: str) -> str:
    return hashlib.sha256(f"{order_id}:{code}".encode()).hexdigest()


@dataclass(slots=True)
class IssuedNumbers:
    subject_number: str
    site_numbers: tuple[str, ...]  # in the order of `sites`


class VerificationMethod(StrEnum):
    PHOTO = "photo"  # the leader photographed against the provider's backdrop (幕布拍照)
    FACE = "face"  # a face check recorded by the provider (人脸核验)


@dataclass(slots=True)
class Verification:
    """The authenticity check (真实性核验) material of an order; the reviewer confirms it with `verify`."""

    photo: str | None = None  # upload digest
    photo_problems: tuple[str, ...] = ()  # the automatic backdrop check's reasons, empty when it passed
    letter: str | None = None  # upload digest of the signed authenticity letter (信息安全承诺书)
    face_check: str | None = None  # the provider's face-check reference
    backdrop_to: str | None = None  # where the provider ships its backdrop (幕布): "<province code> <address>"

    @property
    def method(self) -> VerificationMethod | None:
        if self.face_check:
            return VerificationMethod.FACE
        if self.photo and not self.photo_problems:
            return VerificationMethod.PHOTO
        return None

    def missing(self) -> list[Text]:
        out = []
        if self.method is None:
            out.append(Text("a backdrop photo that passes the check, or a face check", "通过检查的幕布照片或人脸核验"))
        if not self.letter:
            out.append(Text("the signed authenticity letter", "签字的真实性核验单"))
        return out


@dataclass(slots=True)
class FilingOrder:
    id: int | None
    kind: OrderKind
    stage: Stage
    applicant_id: int
    province_code: str
    subject: Subject
    sites: tuple[Site, ...]
    access: AccessRecord
    service_number: str
    created_at: datetime
    updated_at: datetime
    deadline: datetime | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    sms: SmsChallenge | None = None
    issued: IssuedNumbers | None = None
    review_days: int = 20  # the regulator's working days for this province
    subject_number: str | None = None  # the filed subject this order concerns (all kinds but first filing)
    targets: tuple[str, ...] = ()  # the filed site numbers it concerns, in the order of `sites`
    verification: Verification = field(default_factory=Verification)
    findings: list[dict[str, Any]] = field(default_factory=list)  # the rules' findings at the last submit
    version: int = 0  # as loaded; the store bumps it on save (optimistic locking)
    stored_history: int = 0  # history entries the store holds already (it appends the rest on save)

    @property
    def provider_id(self) -> int:
        return self.access.provider_id

    def move(
        self, trigger: Trigger, actor: Actor, at: datetime, calendar: WorkingCalendar, note: str = ""
    ) -> StageChanged:
        transition = transition_for(self.stage, trigger)
        if transition is None:
            raise IllegalTransition(
                Text(
                    f"cannot {trigger.value.replace('_', ' ')} an order in stage {self.stage.value}",
                    f"订单处于「{self.stage.label.zh}」阶段，不能执行「{trigger.label.zh}」",
                )
            )
        if actor.role not in transition.roles and actor.role is not Role.ADMIN:
            raise PermissionDenied(
                Text(
                    f"a {actor.role.value} cannot {trigger.value.replace('_', ' ')} this order",
                    f"{actor.role.label.zh}无权执行「{trigger.label.zh}」",
                )
            )
        if self.kind.is_cancellation and self.stage is Stage.REGULATOR_REVIEW and trigger is Trigger.ABANDON:
            raise IllegalTransition(
                Text(
                    "a cancellation cannot be withdrawn once it is at the regulator [CANCEL-FINAL-AT-REGULATOR]",
                    "注销申请提交管局后不能撤回［CANCEL-FINAL-AT-REGULATOR］",
                )
            )
        if trigger is Trigger.VERIFY and (missing := self.verification.missing()):
            raise ValidationError.for_field(
                "verification",
                "verification needs " + " and ".join(m.en for m in missing) + " [VERIFY-MATERIAL]",
                "核验还需要：" + "、".join(m.zh for m in missing) + "［VERIFY-MATERIAL］",
            )
        note = note.strip()
        if transition.needs_note and not note:
            raise ValidationError.for_field("note", "give the reasons for the applicant", "请填写退回或驳回的原因")
        source = self.stage
        target = transition.target
        if target is Stage.VERIFICATION and not self.kind.needs_verification:
            target = Stage.SMS_CHECK
        self.stage = target
        self.updated_at = at
        self.deadline = self.deadline_for(target, at, calendar)
        if source is Stage.SMS_CHECK:
            self.sms = None
        self.history.append(HistoryEntry(at, actor.account_id, actor.role, trigger, source, self.stage, note))
        return StageChanged(self.id, trigger, source, self.stage, at, actor.account_id, note)

    def deadline_for(self, stage: Stage, entered: datetime, calendar: WorkingCalendar) -> datetime | None:
        """When the party the stage waits on must act; None for stages that wait on the applicant."""
        local = entered.astimezone(CHINA_TZ)
        if stage is Stage.PROVIDER_REVIEW:
            return calendar.add_working_days(local, FIRST_REVIEW_WORKING_DAYS)
        if stage is Stage.VERIFICATION:
            return calendar.add_working_days(local, VERIFICATION_WORKING_DAYS)
        if stage is Stage.SMS_CHECK:
            return entered + timedelta(hours=SMS_VALID_HOURS)
        if stage is Stage.REGULATOR_REVIEW:
            return calendar.add_working_days(local, self.review_days)
        return None

    @property
    def first_review_passed_at(self) -> datetime | None:
        """When the provider last passed the first review (an add-access site is reachable from then)."""
        passed = [h.at for h in self.history if h.trigger is Trigger.PASS_REVIEW]
        return passed[-1] if passed else None

    @property
    def last_submitted_at(self) -> datetime | None:
        submitted = [h.at for h in self.history if h.trigger is Trigger.SUBMIT]
        return submitted[-1] if submitted else None

    def is_overdue(self, at: datetime) -> bool:
        return self.deadline is not None and at > self.deadline

    # -- SMS check (工信部短信核验) ---------------------------------------------------------------
    def start_sms(self, code: str, at: datetime) -> SmsChallenge:
        if self.stage is not Stage.SMS_CHECK or self.id is None:
            raise IllegalTransition(Text("the order is not waiting for an SMS check", "订单不在短信核验阶段"))
        self.sms = SmsChallenge(
            phone=self.subject.leader.mobile,
            code_digest=sms_digest(self.id, code),
            sent_at=at,
            expires_at=at + timedelta(hours=SMS_VALID_HOURS),
        )
        return self.sms

    def resend_sms(self, code: str, at: datetime) -> SmsChallenge:
        """A new code replaces the old one; at most SMS_MAX_RESENDS, one a minute; tries and expiry carry over."""
        if self.stage is not Stage.SMS_CHECK or self.sms is None or self.id is None:
            raise IllegalTransition(Text("the order is not waiting for an SMS check", "订单不在短信核验阶段"))
        if self.sms.resends >= SMS_MAX_RESENDS:
            raise ValidationError.for_field(
                "code",
                f"a code can be sent again at most {SMS_MAX_RESENDS} times",
                f"验证码最多可重新发送 {SMS_MAX_RESENDS} 次",
            )
        if at < self.sms.sent_at + timedelta(seconds=SMS_RESEND_AFTER_SECONDS):
            raise ValidationError.for_field(
                "code", "wait a minute before asking for a new code", "请等待一分钟后再重新获取验证码"
            )
        self.sms.code_digest = sms_digest(self.id, code)
        self.sms.sent_at = at
        self.sms.resends += 1
        return self.sms

    def check_sms(self, code: str, at: datetime, calendar: WorkingCalendar) -> SmsOutcome:
        if self.stage is not Stage.SMS_CHECK or self.sms is None or self.id is None:
            raise IllegalTransition(Text("the order is not waiting for an SMS check", "订单不在短信核验阶段"))
        if at > self.sms.expires_at:
            self.move(
                Trigger.SMS_FAIL,
                SYSTEM,
                at,
                calendar,
                "SMS code expired after 24 hours / 短信验证码已超过 24 小时",
            )
            return SmsOutcome.FAILED
        if hmac.compare_digest(self.sms.code_digest, sms_digest(self.id, code.strip())):
            self.move(Trigger.SMS_PASS, SYSTEM, at, calendar)
            return SmsOutcome.PASSED
        self.sms.wrong_tries += 1
        if self.sms.wrong_tries > SMS_MAX_WRONG_TRIES:
            self.move(Trigger.SMS_FAIL, SYSTEM, at, calendar, "6th wrong SMS code / 第 6 次输入错误的短信验证码")
            return SmsOutcome.FAILED
        return SmsOutcome.WRONG

    @property
    def sms_tries_left(self) -> int:
        return 0 if self.sms is None else SMS_MAX_WRONG_TRIES + 1 - self.sms.wrong_tries

    @property
    def subject_key(self) -> str:
        return self.subject.document.key

    def site_index(self, site_number: str) -> int:
        """Which of `sites` is the filed site with this number (the first when the order does not name it):
        numbers issued by a first filing or an added site, or the filed sites another kind targets."""
        if self.kind in (OrderKind.FIRST_FILING, OrderKind.ADD_SITE) and self.issued is not None:
            numbers = self.issued.site_numbers
        else:
            numbers = self.targets
        return numbers.index(site_number) if site_number in numbers else 0

    @property
    def claimed_domains(self) -> tuple[str, ...]:
        """The domains this order holds while in flight: none for a change or cancellation of the subject itself
        (its sites' content rides along only to fill the form)."""
        if self.kind in (OrderKind.CHANGE_SUBJECT, OrderKind.CANCEL_SUBJECT):
            return ()
        return self.domains

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(d.ascii for site in self.sites for d in site.domains)
