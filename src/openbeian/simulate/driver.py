"""Drive synthetic applicants through the workflow with the same services the API uses."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.provinces import Province, all_provinces
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.errors import Conflict
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context
from openbeian.services.orders import OrderService
from openbeian.services.resources import ResourceService
from openbeian.simulate import synth

PROVIDER_NAME = "开源云"
PROVIDER_NAME_EN = "OpenBeian Cloud"
OTHER_PROVIDER_NAME = "示例云"  # a second provider: sites move to it (add access) and leave it
OTHER_PROVIDER_NAME_EN = "Example Cloud"
# The signed authenticity letter the simulated applicants upload (a minimal well-formed PDF).
LETTER_PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
_CODE = re.compile(r"\b(\d{6})\b")
# The path of a first filing, and the trigger that leaves each stage on it.
HAPPY_PATH = {
    Stage.DRAFT: Trigger.SUBMIT,
    Stage.PROVIDER_REVIEW: Trigger.PASS_REVIEW,
    Stage.VERIFICATION: Trigger.VERIFY,
    Stage.REGULATOR_REVIEW: Trigger.APPROVE,
}


@dataclass
class Cast:
    """The actors a simulation needs besides the applicants: a provider's reviewer, one officer per province."""

    reviewer: Actor
    officers: dict[str, Actor]
    other_reviewer: Actor  # the second provider's

    def reviewer_of(self, provider_id: int) -> Actor:
        return self.other_reviewer if provider_id == self.other_reviewer.provider_id else self.reviewer


def ensure_cast(ctx: Context, reviewer_username: str = "sim-reviewer", officer_prefix: str = "sim-officer") -> Cast:
    """Create what is missing; safe when several processes start at once (the loser of a race re-reads)."""
    accounts = AccountService(ctx)
    for name, name_en in ((PROVIDER_NAME, PROVIDER_NAME_EN), (OTHER_PROVIDER_NAME, OTHER_PROVIDER_NAME_EN)):
        try:
            with ctx.db.unit_of_work() as uow:
                if uow.accounts.provider_by_name(name) is None:
                    uow.accounts.add_provider(name, name_en, ctx.clock.now())
                    uow.commit()
        except Conflict:
            pass

    def account(username: str, role: Role, name: str, **tenant: str) -> Actor:
        with ctx.db.unit_of_work(readonly=True) as uow:
            found = uow.accounts.by_username(username)
        if found is None:
            try:
                found = accounts.create_user(username, None, role, name, **tenant)
            except Conflict:
                with ctx.db.unit_of_work(readonly=True) as uow:
                    found = uow.accounts.by_username(username)
        assert found is not None
        return actor_of(found)

    reviewer = account(reviewer_username, Role.REVIEWER, "模拟审核员", provider=PROVIDER_NAME)
    officers = {
        p.code: account(f"{officer_prefix}-{p.code}", Role.OFFICER, f"{p.short_name_zh}管局", province=p.code)
        for p in all_provinces()
    }
    other = account(f"{reviewer_username}-2", Role.REVIEWER, "模拟审核员二", provider=OTHER_PROVIDER_NAME)
    return Cast(reviewer, officers, other)


def new_applicant_order(
    ctx: Context,
    cast: Cast,
    rng: random.Random,
    unique: str,
    province: Province | None = None,
    kind: str | None = None,
    applicant: Actor | None = None,
) -> tuple[Actor, FilingOrder]:
    """A server with a service number for an applicant (a new account unless given), and its draft order."""
    person = synth.applicant(rng, unique, province, kind)
    if applicant is None:
        applicant = actor_of(
            AccountService(ctx).create_user(f"sim-{unique}", None, Role.APPLICANT, person.subject_name)
        )
    ip = f"47.{rng.randint(92, 120)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    region = "cn-" + person.province.name_en.lower().replace(" ", "")
    with ctx.db.unit_of_work(readonly=True) as uow:
        account = uow.accounts.by_id(applicant.account_id or 0)
    assert account is not None
    _, numbers = ResourceService(ctx).add_instance(cast.reviewer, account.username, [ip], region=region)
    order = OrderService(ctx).create(applicant, {**person.form, "service_number": numbers[0].code})
    return applicant, order


def drive(ctx: Context, cast: Cast, applicant: Actor, order: FilingOrder, until: Stage = Stage.APPROVED) -> FilingOrder:
    """Move an order along the first-filing path until it reaches `until` (or a final stage)."""
    service = OrderService(ctx)
    assert order.id is not None
    order_id = order.id
    reviewer = cast.reviewer_of(order.provider_id)
    while order.stage is not until and not order.stage.is_final:
        if order.stage is Stage.SMS_CHECK:
            _, order = service.enter_sms_code(applicant, order_id, read_sms_code(ctx, order_id))
            continue
        if order.stage is Stage.VERIFICATION and order.verification.missing():
            service.add_file(applicant, order_id, "letter", "承诺书.pdf", LETTER_PDF)
            service.record_face_check(reviewer, order_id, f"FACE-{order_id}")
        trigger = HAPPY_PATH[order.stage]
        actor = {
            Trigger.SUBMIT: applicant,
            Trigger.PASS_REVIEW: reviewer,
            Trigger.VERIFY: reviewer,
            Trigger.APPROVE: cast.officers[order.province_code],
        }[trigger]
        order = service.act(actor, order_id, trigger)
    return order


def read_sms_code(ctx: Context, order_id: int) -> str:
    """What the leader reads on the phone: the newest message of the development outbox."""
    with ctx.db.unit_of_work(readonly=True) as uow:
        messages = uow.resources.outbox(order_id, limit=1)
    match = _CODE.search(messages[0].body) if messages else None
    if match is None:
        raise RuntimeError(f"no SMS code for order {order_id}")
    return match.group(1)
