"""The filing order aggregate: stage deadlines in working days (Beijing calendar) and the SMS check.

Pure: orders are built in memory from a synthetic form, no database.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from openbeian.clock import CHINA_TZ
from openbeian.domain.access import AccessRecord
from openbeian.domain.calendar import default_calendar
from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import SYSTEM, Actor, FilingOrder, SmsOutcome, Verification, sms_digest
from openbeian.domain.provinces import by_code
from openbeian.domain.workflow import (
    DEFAULT_REGULATOR_WORKING_DAYS,
    SMS_MAX_WRONG_TRIES,
    Role,
    Stage,
    Trigger,
)
from openbeian.errors import IllegalTransition, ValidationError
from openbeian.services.forms import parse_order_form
from openbeian.simulate import synth

CALENDAR = default_calendar()
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)
APPLICANT = Actor(10, Role.APPLICANT, "applicant")
REVIEWER = Actor(20, Role.REVIEWER, "reviewer", provider_id=1)
CODE = "482915"
WRONG = "000000"

# The material the reviewer confirms with `verify`: a face check and the signed letter.
VERIFIED = Verification(letter="0" * 64, face_check="FACE-1")


def make_order(stage: Stage = Stage.DRAFT, province: str = "110000", at: datetime = TUESDAY) -> FilingOrder:
    form = synth.applicant(random.Random(7), "x", by_code(province), "enterprise").form
    draft = parse_order_form(form | {"service_number": "X"})
    return FilingOrder(
        id=1,
        kind=OrderKind.FIRST_FILING,
        stage=stage,
        applicant_id=APPLICANT.account_id or 0,
        province_code=draft.subject.province_code,
        subject=draft.subject,
        sites=draft.sites,
        access=AccessRecord(provider_id=1, instance_id=1, ips=("47.95.1.2",)),
        service_number=draft.service_number,
        created_at=at,
        updated_at=at,
        review_days=by_code(draft.subject.province_code).review_days,
        verification=VERIFIED,
    )


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=CHINA_TZ)


def sms_order(at: datetime = TUESDAY) -> FilingOrder:
    order = make_order(Stage.VERIFICATION, at=at)
    order.move(Trigger.VERIFY, REVIEWER, at, CALENDAR)
    order.start_sms(CODE, at)
    return order


# -- deadlines -------------------------------------------------------------------------------------


def test_the_first_review_is_due_by_the_end_of_the_next_working_day() -> None:
    order = make_order()
    order.move(Trigger.SUBMIT, APPLICANT, TUESDAY, CALENDAR)
    assert order.deadline == end_of(2026, 3, 11)


def test_a_first_review_submitted_on_friday_is_due_on_monday() -> None:
    friday = datetime(2026, 3, 13, 18, 30, tzinfo=CHINA_TZ)
    order = make_order(at=friday)
    order.move(Trigger.SUBMIT, APPLICANT, friday, CALENDAR)
    assert order.deadline == end_of(2026, 3, 16)


def test_working_days_are_counted_on_the_beijing_calendar_not_the_utc_one() -> None:
    # Thursday 17:30 UTC is already Friday 01:30 in Beijing: due on Monday, not on Friday.
    late = datetime(2026, 3, 12, 17, 30, tzinfo=UTC)
    order = make_order(at=late)
    order.move(Trigger.SUBMIT, APPLICANT, late, CALENDAR)
    assert order.deadline == end_of(2026, 3, 16)


def test_an_order_submitted_on_the_eve_of_national_day_is_due_after_the_holiday() -> None:
    eve = datetime(2025, 9, 30, 10, 0, tzinfo=CHINA_TZ)
    order = make_order(at=eve)
    order.move(Trigger.SUBMIT, APPLICANT, eve, CALENDAR)
    assert order.deadline == end_of(2025, 10, 9)  # 1-8 October are days off


def test_the_provider_has_three_working_days_to_verify_and_a_make_up_saturday_counts() -> None:
    eve = datetime(2025, 9, 30, 10, 0, tzinfo=CHINA_TZ)
    order = make_order(Stage.PROVIDER_REVIEW, at=eve)
    order.move(Trigger.PASS_REVIEW, REVIEWER, eve, CALENDAR)
    assert order.deadline == end_of(2025, 10, 11)  # 9, 10 and Saturday 11 October (调休)


def test_the_regulator_has_20_working_days() -> None:
    order = make_order(Stage.SMS_CHECK)
    assert order.review_days == DEFAULT_REGULATOR_WORKING_DAYS == 20
    order.move(Trigger.SMS_PASS, SYSTEM, TUESDAY, CALENDAR)
    assert order.deadline == end_of(2026, 4, 8)  # Qingming, Monday 6 April, is a day off


def test_the_regulator_review_across_national_day_ends_in_november() -> None:
    eve = datetime(2025, 9, 30, 10, 0, tzinfo=CHINA_TZ)
    order = make_order(Stage.SMS_CHECK, at=eve)
    order.move(Trigger.SMS_PASS, SYSTEM, eve, CALENDAR)
    assert order.deadline == end_of(2025, 11, 4)


def test_zhejiang_gives_its_regulator_30_working_days() -> None:
    assert by_code("330000").review_days == 30
    order = make_order(Stage.SMS_CHECK, province="330000")
    assert order.review_days == 30
    order.move(Trigger.SMS_PASS, SYSTEM, TUESDAY, CALENDAR)
    assert order.deadline == end_of(2026, 4, 22)


def test_the_sms_stage_is_due_24_clock_hours_after_it_starts() -> None:
    order = make_order(Stage.VERIFICATION)
    order.move(Trigger.VERIFY, REVIEWER, TUESDAY, CALENDAR)
    assert order.deadline == TUESDAY + timedelta(hours=24)


@pytest.mark.parametrize(
    ("stage", "trigger", "actor", "note"),
    [
        (Stage.PROVIDER_REVIEW, Trigger.RETURN, REVIEWER, "fix it"),
        (Stage.DRAFT, Trigger.WITHDRAW, APPLICANT, ""),
        (Stage.VERIFICATION, Trigger.ABANDON, APPLICANT, ""),
    ],
)
def test_a_stage_that_waits_on_the_applicant_or_on_nobody_has_no_deadline(
    stage: Stage, trigger: Trigger, actor: Actor, note: str
) -> None:
    order = make_order(stage)
    order.deadline = TUESDAY
    order.move(trigger, actor, TUESDAY, CALENDAR, note)
    assert order.deadline is None
    assert not order.is_overdue(TUESDAY + timedelta(days=365))


def test_an_order_is_overdue_only_after_its_deadline() -> None:
    order = make_order()
    order.move(Trigger.SUBMIT, APPLICANT, TUESDAY, CALENDAR)
    assert not order.is_overdue(end_of(2026, 3, 11))
    assert order.is_overdue(end_of(2026, 3, 11) + timedelta(seconds=1))


# -- the SMS check ---------------------------------------------------------------------------------


def test_entering_the_sms_stage_needs_a_code_sent_to_the_subject_leaders_mobile() -> None:
    order = sms_order()
    assert order.sms is not None
    assert order.sms.phone == order.subject.leader.mobile
    assert order.sms.expires_at == TUESDAY + timedelta(hours=24)
    assert CODE not in order.sms.code_digest  # stored as a digest only
    assert order.sms_tries_left == SMS_MAX_WRONG_TRIES + 1


def test_a_correct_sms_code_moves_the_order_to_regulator_review() -> None:
    order = sms_order()
    at = TUESDAY + timedelta(hours=2)
    assert order.check_sms(f" {CODE} ", at, CALENDAR) is SmsOutcome.PASSED
    assert order.stage is Stage.REGULATOR_REVIEW
    assert order.sms is None
    last = order.history[-1]
    assert (last.trigger, last.actor_role, last.at) == (Trigger.SMS_PASS, Role.SYSTEM, at)


def test_the_sms_code_is_still_valid_at_the_end_of_its_24_hours() -> None:
    order = sms_order()
    assert order.check_sms(CODE, TUESDAY + timedelta(hours=24), CALENDAR) is SmsOutcome.PASSED


def test_an_expired_sms_code_fails_and_returns_the_order_to_the_provider() -> None:
    order = sms_order()
    at = TUESDAY + timedelta(hours=24, seconds=1)
    assert order.check_sms(CODE, at, CALENDAR) is SmsOutcome.FAILED
    assert order.stage is Stage.PROVIDER_REVIEW
    assert order.sms is None
    last = order.history[-1]
    assert (last.trigger, last.actor_role, last.source) == (Trigger.SMS_FAIL, Role.SYSTEM, Stage.SMS_CHECK)
    assert "24" in last.note
    assert order.deadline == end_of(2026, 3, 12)  # the provider's first review starts again


def test_five_wrong_sms_codes_leave_the_order_waiting_for_the_right_one() -> None:
    order = sms_order()
    for tries in range(1, SMS_MAX_WRONG_TRIES + 1):
        assert order.check_sms(WRONG, TUESDAY + timedelta(minutes=tries), CALENDAR) is SmsOutcome.WRONG
        assert order.stage is Stage.SMS_CHECK
        assert order.sms is not None and order.sms.wrong_tries == tries
    assert order.sms_tries_left == 1
    assert len(order.history) == 1  # only the move into the SMS stage


def test_sixth_wrong_sms_code_returns_the_order_to_the_provider() -> None:
    order = sms_order()
    outcomes = [order.check_sms(WRONG, TUESDAY + timedelta(minutes=i), CALENDAR) for i in range(6)]
    assert outcomes == [SmsOutcome.WRONG] * 5 + [SmsOutcome.FAILED]
    assert order.stage is Stage.PROVIDER_REVIEW
    assert order.sms is None
    assert order.history[-1].trigger is Trigger.SMS_FAIL


def test_a_correct_code_after_five_wrong_ones_still_passes() -> None:
    order = sms_order()
    for i in range(SMS_MAX_WRONG_TRIES):
        order.check_sms(WRONG, TUESDAY + timedelta(minutes=i), CALENDAR)
    assert order.check_sms(CODE, TUESDAY + timedelta(hours=1), CALENDAR) is SmsOutcome.PASSED
    assert order.stage is Stage.REGULATOR_REVIEW


def test_the_sms_digest_binds_the_code_to_its_order() -> None:
    assert sms_digest(1, CODE) != sms_digest(2, CODE)
    assert sms_digest(1, CODE) != sms_digest(1, WRONG)


def test_a_new_sms_challenge_after_a_failure_starts_with_all_tries() -> None:
    order = sms_order()
    for i in range(6):
        order.check_sms(WRONG, TUESDAY + timedelta(minutes=i), CALENDAR)
    order.move(Trigger.PASS_REVIEW, REVIEWER, TUESDAY + timedelta(hours=1), CALENDAR)
    order.move(Trigger.VERIFY, REVIEWER, TUESDAY + timedelta(hours=2), CALENDAR)
    order.start_sms(CODE, TUESDAY + timedelta(hours=2))
    assert order.sms_tries_left == SMS_MAX_WRONG_TRIES + 1
    assert order.check_sms(CODE, TUESDAY + timedelta(hours=3), CALENDAR) is SmsOutcome.PASSED


@pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.SMS_CHECK])
def test_no_sms_check_outside_the_sms_stage(stage: Stage) -> None:
    order = make_order(stage)
    with pytest.raises(IllegalTransition):
        order.start_sms(CODE, TUESDAY)
    with pytest.raises(IllegalTransition):
        order.check_sms(CODE, TUESDAY, CALENDAR)
    assert order.stage is stage
    assert order.history == []


def test_an_sms_code_cannot_be_checked_before_one_was_sent() -> None:
    order = make_order(Stage.SMS_CHECK)
    with pytest.raises(IllegalTransition):
        order.check_sms(CODE, TUESDAY, CALENDAR)
    assert order.stage is Stage.SMS_CHECK


def test_leaving_the_sms_stage_by_abandoning_drops_the_challenge() -> None:
    order = sms_order()
    order.move(Trigger.ABANDON, APPLICANT, TUESDAY + timedelta(hours=1), CALENDAR)
    assert order.stage is Stage.ABANDONED
    assert order.sms is None


def test_the_order_lists_the_ascii_form_of_every_domain_of_its_sites() -> None:
    order = make_order()
    assert order.domains == tuple(d.ascii for s in order.sites for d in s.domains)
    assert all(d.isascii() for d in order.domains)


# -- resending the SMS code ------------------------------------------------------------------------


def test_a_new_code_replaces_the_old_one_and_keeps_the_tries_and_the_24_hours() -> None:
    order = sms_order()
    assert order.check_sms("000000", TUESDAY, CALENDAR) is SmsOutcome.WRONG
    assert order.sms is not None
    expires = order.sms.expires_at
    order.resend_sms("654321", TUESDAY + timedelta(minutes=2))
    assert order.sms.expires_at == expires and order.sms.wrong_tries == 1 and order.sms.resends == 1
    assert order.check_sms(CODE, TUESDAY + timedelta(minutes=3), CALENDAR) is SmsOutcome.WRONG  # the old code
    assert order.check_sms("654321", TUESDAY + timedelta(minutes=4), CALENDAR) is SmsOutcome.PASSED


def test_a_new_code_waits_a_minute_and_at_most_three_are_sent() -> None:
    order = sms_order()
    with pytest.raises(ValidationError) as caught:
        order.resend_sms("111111", TUESDAY + timedelta(seconds=30))
    assert "一分钟" in caught.value.fields["code"].zh
    for i in range(1, 4):
        order.resend_sms(f"{i}{i}{i}{i}{i}{i}", TUESDAY + timedelta(minutes=2 * i))
    with pytest.raises(ValidationError) as caught:
        order.resend_sms("999999", TUESDAY + timedelta(minutes=20))
    assert "3" in caught.value.fields["code"].en


def test_a_cancellation_at_the_regulator_cannot_be_abandoned_but_a_filing_can() -> None:
    filing = make_order(Stage.REGULATOR_REVIEW)
    filing.move(Trigger.ABANDON, APPLICANT, TUESDAY, CALENDAR)
    assert filing.stage is Stage.ABANDONED
    cancellation = make_order(Stage.REGULATOR_REVIEW)
    cancellation.kind = OrderKind.CANCEL_SITE
    with pytest.raises(IllegalTransition):
        cancellation.move(Trigger.ABANDON, APPLICANT, TUESDAY, CALENDAR)
    assert cancellation.stage is Stage.REGULATOR_REVIEW and cancellation.history == []


def test_a_cancellation_goes_from_the_first_review_straight_to_the_sms_check() -> None:
    cancellation = make_order(Stage.PROVIDER_REVIEW)
    cancellation.kind = OrderKind.CANCEL_SUBJECT
    cancellation.verification = Verification()
    cancellation.move(Trigger.PASS_REVIEW, REVIEWER, TUESDAY, CALENDAR)
    assert cancellation.stage is Stage.SMS_CHECK
    assert cancellation.deadline == TUESDAY + timedelta(hours=24)
    filing = make_order(Stage.PROVIDER_REVIEW)
    filing.move(Trigger.PASS_REVIEW, REVIEWER, TUESDAY, CALENDAR)
    assert filing.stage is Stage.VERIFICATION
