"""The transition table and `FilingOrder.move`: legal moves, illegal moves, roles, notes and history.

Pure: orders are built in memory from a synthetic form, no database.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from openbeian.clock import CHINA_TZ
from openbeian.domain.access import AccessRecord
from openbeian.domain.calendar import default_calendar
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import SYSTEM, Actor, FilingOrder, HistoryEntry, Verification
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import (
    FINAL_STAGES,
    TRANSITION_TABLE,
    TRANSITIONS,
    Role,
    Stage,
    Transition,
    Trigger,
    transition_for,
    triggers_from,
)
from openbeian.errors import IllegalTransition, PermissionDenied, ValidationError
from openbeian.services.forms import parse_order_form
from openbeian.simulate import synth

AT = datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)
CALENDAR = default_calendar()

ACTORS = {
    Role.APPLICANT: Actor(10, Role.APPLICANT, "applicant"),
    Role.REVIEWER: Actor(20, Role.REVIEWER, "reviewer", provider_id=1),
    Role.OFFICER: Actor(30, Role.OFFICER, "officer", province_code="110000"),
    Role.ADMIN: Actor(40, Role.ADMIN, "admin"),
    Role.SYSTEM: SYSTEM,
}

# The material the reviewer confirms with `verify`: a face check and the signed letter.
VERIFIED = Verification(letter="0" * 64, face_check="FACE-1")


def make_order(stage: Stage = Stage.DRAFT, province: str = "110000", seed: int = 1) -> FilingOrder:
    form = synth.applicant(random.Random(seed), "x", by_code(province), "enterprise").form
    draft = parse_order_form(form | {"service_number": "X"})
    return FilingOrder(
        id=1,
        kind=OrderKind.FIRST_FILING,
        stage=stage,
        applicant_id=ACTORS[Role.APPLICANT].account_id or 0,
        province_code=draft.subject.province_code,
        subject=draft.subject,
        sites=draft.sites,
        access=AccessRecord(provider_id=1, instance_id=1, ips=("47.95.1.2",)),
        service_number=draft.service_number,
        created_at=AT,
        updated_at=AT,
        review_days=by_code(draft.subject.province_code).review_days,
        verification=VERIFIED,
    )


def snapshot(order: FilingOrder) -> tuple[object, ...]:
    return (order.stage, list(order.history), order.deadline, order.updated_at, order.sms)


def allowed_actor(transition: Transition) -> Actor:
    return ACTORS[sorted(transition.roles)[0]]


ILLEGAL = [(stage, trigger) for stage in Stage for trigger in Trigger if (stage, trigger) not in TRANSITION_TABLE]
WRONG_ROLES = [
    pytest.param(t, role, id=f"{t.source}-{t.trigger}-by-{role}")
    for t in TRANSITIONS
    for role in Role
    if role not in t.roles and role is not Role.ADMIN
]


# -- the table -------------------------------------------------------------------------------------


def test_the_table_has_one_entry_per_stage_and_trigger() -> None:
    assert len(TRANSITION_TABLE) == len(TRANSITIONS)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}-{t.trigger}")
def test_every_legal_move_goes_where_the_table_says(transition: Transition) -> None:
    order = make_order(transition.source)
    event = order.move(transition.trigger, allowed_actor(transition), AT, CALENDAR, note="reasons")
    assert order.stage is transition.target
    assert (event.source, event.target, event.trigger) == (transition.source, transition.target, transition.trigger)
    assert len(order.history) == 1


def test_the_first_filing_path_runs_from_draft_to_approved() -> None:
    order = make_order()
    path = [
        (Trigger.SUBMIT, Role.APPLICANT, Stage.PROVIDER_REVIEW),
        (Trigger.PASS_REVIEW, Role.REVIEWER, Stage.VERIFICATION),
        (Trigger.VERIFY, Role.REVIEWER, Stage.SMS_CHECK),
        (Trigger.SMS_PASS, Role.SYSTEM, Stage.REGULATOR_REVIEW),
        (Trigger.APPROVE, Role.OFFICER, Stage.APPROVED),
    ]
    for trigger, role, target in path:
        order.move(trigger, ACTORS[role], AT, CALENDAR)
        assert order.stage is target
    assert [h.target for h in order.history] == [target for _, _, target in path]


@pytest.mark.parametrize(("stage", "trigger"), ILLEGAL, ids=lambda x: str(x))
def test_a_move_the_table_does_not_list_raises_illegal_transition_and_changes_nothing(
    stage: Stage, trigger: Trigger
) -> None:
    order = make_order(stage)
    before = snapshot(order)
    for actor in ACTORS.values():  # not even an administrator
        with pytest.raises(IllegalTransition):
            order.move(trigger, actor, AT + timedelta(hours=1), CALENDAR, note="reasons")
        assert snapshot(order) == before


@pytest.mark.parametrize(("transition", "role"), WRONG_ROLES)
def test_an_actor_without_the_role_is_denied_and_nothing_changes(transition: Transition, role: Role) -> None:
    order = make_order(transition.source)
    before = snapshot(order)
    with pytest.raises(PermissionDenied):
        order.move(transition.trigger, ACTORS[role], AT + timedelta(hours=1), CALENDAR, note="reasons")
    assert snapshot(order) == before


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}-{t.trigger}")
def test_an_administrator_may_pull_any_trigger_the_table_allows(transition: Transition) -> None:
    order = make_order(transition.source)
    order.move(transition.trigger, ACTORS[Role.ADMIN], AT, CALENDAR, note="reasons")
    assert order.stage is transition.target
    assert order.history[-1].actor_role is Role.ADMIN


def test_only_returns_and_rejections_need_a_note() -> None:
    assert {(t.source, t.trigger) for t in TRANSITIONS if t.needs_note} == {
        (Stage.PROVIDER_REVIEW, Trigger.RETURN),
        (Stage.VERIFICATION, Trigger.RETURN),
        (Stage.REGULATOR_REVIEW, Trigger.REJECT),
    }


@pytest.mark.parametrize(
    "transition", [t for t in TRANSITIONS if t.needs_note], ids=lambda t: f"{t.source}-{t.trigger}"
)
@pytest.mark.parametrize("note", ["", "   \n\t"])
def test_a_return_or_rejection_without_reasons_is_refused_and_nothing_changes(
    transition: Transition, note: str
) -> None:
    order = make_order(transition.source)
    before = snapshot(order)
    with pytest.raises(ValidationError) as caught:
        order.move(transition.trigger, allowed_actor(transition), AT, CALENDAR, note=note)
    assert "note" in caught.value.fields
    assert snapshot(order) == before


def test_the_history_records_who_when_from_where_to_where_and_why() -> None:
    order = make_order(Stage.PROVIDER_REVIEW)
    reviewer = ACTORS[Role.REVIEWER]
    at = AT + timedelta(hours=3)
    event = order.move(Trigger.RETURN, reviewer, at, CALENDAR, note="  the ICP backdrop photo is blurred  ")
    assert order.history == [
        HistoryEntry(
            at=at,
            actor_id=reviewer.account_id,
            actor_role=Role.REVIEWER,
            trigger=Trigger.RETURN,
            source=Stage.PROVIDER_REVIEW,
            target=Stage.DRAFT,
            note="the ICP backdrop photo is blurred",
        )
    ]
    assert event.note == "the ICP backdrop photo is blurred"
    assert event.actor_id == reviewer.account_id
    assert order.updated_at == at


def test_the_history_grows_by_one_entry_per_move_in_order() -> None:
    order = make_order()
    order.move(Trigger.SUBMIT, ACTORS[Role.APPLICANT], AT, CALENDAR)
    order.move(Trigger.RETURN, ACTORS[Role.REVIEWER], AT + timedelta(hours=1), CALENDAR, note="fix the address")
    order.move(Trigger.SUBMIT, ACTORS[Role.APPLICANT], AT + timedelta(hours=2), CALENDAR)
    assert [(h.source, h.target) for h in order.history] == [
        (Stage.DRAFT, Stage.PROVIDER_REVIEW),
        (Stage.PROVIDER_REVIEW, Stage.DRAFT),
        (Stage.DRAFT, Stage.PROVIDER_REVIEW),
    ]
    assert [h.at for h in order.history] == [AT, AT + timedelta(hours=1), AT + timedelta(hours=2)]


@pytest.mark.parametrize("stage", sorted(FINAL_STAGES))
def test_a_final_stage_has_no_way_out(stage: Stage) -> None:
    assert stage.is_final
    assert triggers_from(stage) == []


def test_withdrawal_is_possible_only_until_the_first_review_ends() -> None:
    assert {s for s in Stage if transition_for(s, Trigger.WITHDRAW)} == {Stage.DRAFT, Stage.PROVIDER_REVIEW}


def test_abandoning_is_possible_only_after_the_first_review() -> None:
    assert {s for s in Stage if transition_for(s, Trigger.ABANDON)} == {
        Stage.VERIFICATION,
        Stage.SMS_CHECK,
        Stage.REGULATOR_REVIEW,
    }


def test_only_the_system_reports_sms_outcomes() -> None:
    for trigger in (Trigger.SMS_PASS, Trigger.SMS_FAIL):
        assert TRANSITION_TABLE[(Stage.SMS_CHECK, trigger)].roles == {Role.SYSTEM}


def test_triggers_from_lists_what_each_role_may_do_in_a_stage() -> None:
    assert triggers_from(Stage.PROVIDER_REVIEW, Role.REVIEWER) == [Trigger.RETURN, Trigger.PASS_REVIEW]
    assert triggers_from(Stage.PROVIDER_REVIEW, Role.APPLICANT) == [Trigger.WITHDRAW]
    assert triggers_from(Stage.REGULATOR_REVIEW, Role.OFFICER) == [Trigger.APPROVE, Trigger.REJECT]
    assert triggers_from(Stage.REGULATOR_REVIEW, Role.REVIEWER) == []


def test_every_stage_trigger_and_role_has_a_bilingual_label() -> None:
    for item in [*Stage, *Trigger, *Role]:
        assert item.label.en
        assert item.label.zh
        assert item.label.en != item.label.zh
