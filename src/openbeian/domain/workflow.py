"""The order workflow as data: stages, triggers, who may pull each trigger, and stage deadlines.

    draft ─submit─▶ provider_review ─pass_review─▶ verification ─verify─▶ sms_check ─sms_pass─▶ regulator_review
    provider_review ─return─▶ draft          verification ─return─▶ draft     regulator_review ─approve─▶ approved
    draft | provider_review ─withdraw─▶ withdrawn                              regulator_review ─reject─▶ draft
    sms_check ─sms_fail (24 h timeout or 6th wrong code)─▶ provider_review
    verification | sms_check | regulator_review ─abandon─▶ abandoned   (after the first review only)
    verification | sms_check | regulator_review ─expire─▶ abandoned    (system: an add-access order's 45 days ran out)

Cancellations (注销主体 / 注销网站 / 取消接入) skip verification: pass_review takes them to sms_check.
Withdrawal (撤销) is possible before the first review ends; after it the applicant can only abandon (放弃).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from openbeian.errors import Text


class Stage(StrEnum):
    DRAFT = "draft"
    PROVIDER_REVIEW = "provider_review"  # 待接入商审核 (初审)
    VERIFICATION = "verification"  # 真实性核验 (photo against the backdrop, or face check)
    SMS_CHECK = "sms_check"  # 工信部短信核验
    REGULATOR_REVIEW = "regulator_review"  # 待管局审核
    APPROVED = "approved"  # 管局审核通过
    WITHDRAWN = "withdrawn"  # 已撤销
    ABANDONED = "abandoned"  # 已放弃

    @property
    def label(self) -> Text:
        return STAGE_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL_STAGES


STAGE_LABELS = {
    Stage.DRAFT: Text("Draft", "草稿"),
    Stage.PROVIDER_REVIEW: Text("Provider review", "待接入商初审"),
    Stage.VERIFICATION: Text("Verification", "真实性核验"),
    Stage.SMS_CHECK: Text("SMS check", "短信核验"),
    Stage.REGULATOR_REVIEW: Text("Regulator review", "待管局审核"),
    Stage.APPROVED: Text("Approved", "审核通过"),
    Stage.WITHDRAWN: Text("Withdrawn", "已撤销"),
    Stage.ABANDONED: Text("Abandoned", "已放弃"),
}

FINAL_STAGES = frozenset({Stage.APPROVED, Stage.WITHDRAWN, Stage.ABANDONED})


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"  # the access provider's reviewer
    OFFICER = "officer"  # the provincial regulator's officer
    ADMIN = "admin"
    SYSTEM = "system"  # timers and the SMS gateway

    @property
    def label(self) -> Text:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.APPLICANT: Text("Applicant", "备案申请人"),
    Role.REVIEWER: Text("Provider reviewer", "接入商审核员"),
    Role.OFFICER: Text("Regulator officer", "管局审核员"),
    Role.ADMIN: Text("Administrator", "管理员"),
    Role.SYSTEM: Text("System", "系统"),
}


class Trigger(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RETURN = "return"
    PASS_REVIEW = "pass_review"
    VERIFY = "verify"
    SMS_PASS = "sms_pass"
    SMS_FAIL = "sms_fail"
    APPROVE = "approve"
    REJECT = "reject"
    ABANDON = "abandon"
    EXPIRE = "expire"

    @property
    def label(self) -> Text:
        return TRIGGER_LABELS[self]


TRIGGER_LABELS = {
    Trigger.SUBMIT: Text("Submit for review", "提交初审"),
    Trigger.WITHDRAW: Text("Withdraw", "撤销"),
    Trigger.RETURN: Text("Return to applicant", "退回修改"),
    Trigger.PASS_REVIEW: Text("Pass first review", "初审通过"),
    Trigger.VERIFY: Text("Confirm verification", "核验通过"),
    Trigger.SMS_PASS: Text("SMS code confirmed", "短信核验通过"),
    Trigger.SMS_FAIL: Text("SMS check failed", "短信核验失败"),
    Trigger.APPROVE: Text("Approve and issue number", "审核通过并发放备案号"),
    Trigger.REJECT: Text("Reject", "驳回"),
    Trigger.ABANDON: Text("Abandon", "放弃"),
    Trigger.EXPIRE: Text("Expired", "已过期"),
}


@dataclass(frozen=True, slots=True)
class Transition:
    source: Stage
    trigger: Trigger
    target: Stage
    roles: frozenset[Role]
    needs_note: bool = False  # returns and rejections must give reasons


def _t(source: Stage, trigger: Trigger, target: Stage, *roles: Role, needs_note: bool = False) -> Transition:
    return Transition(source, trigger, target, frozenset(roles), needs_note)


A, R, OF, S = Role.APPLICANT, Role.REVIEWER, Role.OFFICER, Role.SYSTEM

TRANSITIONS: tuple[Transition, ...] = (
    _t(Stage.DRAFT, Trigger.SUBMIT, Stage.PROVIDER_REVIEW, A),
    _t(Stage.DRAFT, Trigger.WITHDRAW, Stage.WITHDRAWN, A),
    _t(Stage.PROVIDER_REVIEW, Trigger.WITHDRAW, Stage.WITHDRAWN, A),
    _t(Stage.PROVIDER_REVIEW, Trigger.RETURN, Stage.DRAFT, R, needs_note=True),
    _t(Stage.PROVIDER_REVIEW, Trigger.PASS_REVIEW, Stage.VERIFICATION, R),
    _t(Stage.VERIFICATION, Trigger.VERIFY, Stage.SMS_CHECK, R),
    _t(Stage.VERIFICATION, Trigger.RETURN, Stage.DRAFT, R, needs_note=True),
    _t(Stage.VERIFICATION, Trigger.ABANDON, Stage.ABANDONED, A),
    _t(Stage.SMS_CHECK, Trigger.SMS_PASS, Stage.REGULATOR_REVIEW, S),
    _t(Stage.SMS_CHECK, Trigger.SMS_FAIL, Stage.PROVIDER_REVIEW, S),
    _t(Stage.SMS_CHECK, Trigger.ABANDON, Stage.ABANDONED, A),
    _t(Stage.REGULATOR_REVIEW, Trigger.APPROVE, Stage.APPROVED, OF),
    _t(Stage.REGULATOR_REVIEW, Trigger.REJECT, Stage.DRAFT, OF, needs_note=True),
    _t(Stage.REGULATOR_REVIEW, Trigger.ABANDON, Stage.ABANDONED, A),
    _t(Stage.VERIFICATION, Trigger.EXPIRE, Stage.ABANDONED, S),
    _t(Stage.SMS_CHECK, Trigger.EXPIRE, Stage.ABANDONED, S),
    _t(Stage.REGULATOR_REVIEW, Trigger.EXPIRE, Stage.ABANDONED, S),
)

TRANSITION_TABLE: dict[tuple[Stage, Trigger], Transition] = {(t.source, t.trigger): t for t in TRANSITIONS}


def transition_for(source: Stage, trigger: Trigger) -> Transition | None:
    return TRANSITION_TABLE.get((source, trigger))


def triggers_from(stage: Stage, role: Role | None = None) -> list[Trigger]:
    """The triggers available in a stage (to a role, when given), in table order."""
    return [t.trigger for t in TRANSITIONS if t.source is stage and (role is None or role in t.roles)]


# Deadlines of each waiting stage. Working days come from the calendar; the SMS code lives 24 clock hours.
FIRST_REVIEW_WORKING_DAYS = 1
VERIFICATION_WORKING_DAYS = 3  # the provider submits to the regulator within 1-3 working days
SMS_VALID_HOURS = 24
SMS_MAX_WRONG_TRIES = 5  # the 6th wrong code returns the order to the provider
SMS_MAX_RESENDS = 3  # new codes on request, each replacing the last; the 24 hours run from the first
SMS_RESEND_AFTER_SECONDS = 60
ACCESS_REVIEW_VALID_DAYS = 45  # an add-access order's first review keeps the site reachable this long
DEFAULT_REGULATOR_WORKING_DAYS = 20  # Order 33 art. 12; the province table can say otherwise (Zhejiang 30)
