"""The pure rules of provider resources: regions, eligibility for service numbers, single use, free hosting."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.orders import HistoryEntry
from openbeian.domain.resources import (
    BillingMode,
    Instance,
    NumberState,
    ServiceNumber,
    add_months,
    eligibility_refusals,
    ensure_eligible,
    ensure_quota,
    ensure_usable,
    free_hosting_days,
    is_mainland,
    last_submission,
    parse_billing_mode,
    parse_region,
)
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.errors import ValidationError

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ)
OWNER, OTHER = 7, 8


def instance(**changes: object) -> Instance:
    base = Instance(
        id=1,
        provider_id=1,
        owner_id=OWNER,
        name="ecs",
        region="cn-beijing",
        ips=("47.93.10.20",),
        expires_at=add_months(NOW, 12),
        billing_mode=BillingMode.SUBSCRIPTION,
        bought_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def number(**changes: object) -> ServiceNumber:
    return replace(ServiceNumber("ABCDEFGHJKLMNPQR", instance(), None), **changes)  # type: ignore[arg-type]


def rules(inst: Instance, at: datetime = NOW) -> list[str]:
    return [r.rule for r in eligibility_refusals(inst, at)]


@pytest.mark.parametrize("region", ["cn-beijing", "cn-hangzhou", "cn-shenzhen", "cn-innermongolia", "ap-guangzhou"])
def test_mainland_regions_are_recognised(region: str) -> None:
    assert is_mainland(region)


@pytest.mark.parametrize("region", ["cn-hongkong", "ap-southeast-1", "us-east-1", "eu-central-1"])
def test_hong_kong_and_foreign_regions_are_not_mainland(region: str) -> None:
    assert not is_mainland(region)
    assert parse_region(region) == region


def test_an_unknown_region_is_refused_naming_the_field_in_both_languages() -> None:
    with pytest.raises(ValidationError) as exc:
        parse_region("cn-bejing")
    assert set(exc.value.fields) == {"region"}
    assert "unknown region" in exc.value.fields["region"].en and "未知地域" in exc.value.fields["region"].zh


def test_billing_mode_accepts_english_and_chinese_spellings() -> None:
    assert parse_billing_mode("包年包月") is BillingMode.SUBSCRIPTION
    assert parse_billing_mode("Pay-As-You-Go") is BillingMode.PAY_AS_YOU_GO
    with pytest.raises(ValidationError) as exc:
        parse_billing_mode("monthly")
    assert set(exc.value.fields) == {"billing_mode"}


def test_add_months_keeps_the_day_or_takes_the_last_day_of_a_shorter_month() -> None:
    assert add_months(datetime(2026, 1, 31, 12, tzinfo=CHINA_TZ), 1) == datetime(2026, 2, 28, 12, tzinfo=CHINA_TZ)
    assert add_months(datetime(2026, 11, 30, tzinfo=CHINA_TZ), 3) == datetime(2027, 2, 28, tzinfo=CHINA_TZ)
    assert add_months(datetime(2027, 12, 31, tzinfo=CHINA_TZ), 2) == datetime(2028, 2, 29, tzinfo=CHINA_TZ)


def test_a_mainland_subscription_instance_with_a_public_ip_bought_for_a_year_is_eligible() -> None:
    assert rules(instance()) == []
    ensure_eligible(instance(), NOW)


def test_each_condition_is_refused_with_its_rule_and_field() -> None:
    assert rules(instance(region="cn-hongkong")) == ["resource.mainland"]
    assert rules(instance(billing_mode=BillingMode.PAY_AS_YOU_GO)) == ["resource.subscription"]
    assert rules(instance(ips=())) == ["resource.public_ip"]
    with pytest.raises(ValidationError) as exc:
        ensure_eligible(instance(region="us-east-1", billing_mode=BillingMode.PAY_AS_YOU_GO), NOW)
    assert set(exc.value.fields) == {"region", "billing_mode"}
    assert "按量付费" in exc.value.fields["billing_mode"].zh


def test_the_term_must_be_at_least_three_calendar_months() -> None:
    three_months = add_months(NOW, 3)
    assert rules(instance(expires_at=three_months)) == []
    assert rules(instance(expires_at=three_months - timedelta(seconds=1))) == ["resource.term"]


def test_at_least_30_days_must_be_left_at_the_time_of_the_check() -> None:
    expires = add_months(NOW, 3)
    assert rules(instance(expires_at=expires), at=expires - timedelta(days=30)) == []
    assert rules(instance(expires_at=expires), at=expires - timedelta(days=30) + timedelta(seconds=1)) == [
        "resource.remaining"
    ]
    with pytest.raises(ValidationError) as exc:
        ensure_eligible(instance(expires_at=expires), expires + timedelta(days=1), field="service_number")
    assert set(exc.value.fields) == {"service_number"}
    assert "expired" in exc.value.fields["service_number"].en and "已到期" in exc.value.fields["service_number"].zh


def test_an_instance_carries_at_most_five_service_numbers() -> None:
    ensure_quota(0, 5)
    ensure_quota(4, 1)
    for existing, requested in [(0, 6), (4, 2), (5, 1), (0, 0)]:
        with pytest.raises(ValidationError) as exc:
            ensure_quota(existing, requested)
        assert "resource.quota" in exc.value.fields["service_numbers"].en


def test_the_owner_and_an_authorised_account_may_use_a_number_nobody_else() -> None:
    ensure_usable(number(), OWNER, NOW)
    ensure_usable(number(granted_to=OTHER), OTHER, NOW)
    with pytest.raises(ValidationError) as exc:
        ensure_usable(number(), OTHER, NOW)
    assert "number.owner" in exc.value.fields["service_number"].en
    assert "未授权" in exc.value.fields["service_number"].zh


def test_a_number_on_another_order_or_consumed_by_an_approval_is_refused() -> None:
    bound = number(order_id=41, state=NumberState.BOUND)
    ensure_usable(bound, OWNER, NOW, keep=41)  # editing the order that holds it
    with pytest.raises(ValidationError, match="already used by order 41"):
        ensure_usable(bound, OWNER, NOW, keep=42)
    with pytest.raises(ValidationError, match="no longer valid"):
        ensure_usable(number(order_id=41, state=NumberState.CONSUMED), OWNER, NOW, keep=41)


def test_a_number_issued_on_an_eligible_instance_is_refused_once_fewer_than_30_days_are_left() -> None:
    n = number(instance=instance(expires_at=add_months(NOW, 3)))
    ensure_usable(n, OWNER, NOW)
    with pytest.raises(ValidationError, match=r"days left, fewer than 30"):
        ensure_usable(n, OWNER, NOW + timedelta(days=70))


def history(*moves: tuple[Trigger, datetime]) -> list[HistoryEntry]:
    return [HistoryEntry(at, OWNER, Role.APPLICANT, t, Stage.DRAFT, Stage.DRAFT, "") for t, at in moves]


def test_free_hosting_counts_from_the_last_submission() -> None:
    entries = history(
        (Trigger.SUBMIT, NOW),
        (Trigger.RETURN, NOW + timedelta(days=1)),
        (Trigger.SUBMIT, NOW + timedelta(days=3)),
        (Trigger.PASS_REVIEW, NOW + timedelta(days=4)),
    )
    assert last_submission(entries) == NOW + timedelta(days=3)
    assert last_submission(history((Trigger.WITHDRAW, NOW))) is None


def test_free_hosting_counts_started_days_and_stops_at_30() -> None:
    assert free_hosting_days(NOW, NOW + timedelta(days=5, hours=2)) == 6
    assert free_hosting_days(NOW, NOW + timedelta(days=5)) == 5
    assert free_hosting_days(NOW, NOW + timedelta(days=45)) == 30
    assert free_hosting_days(NOW, NOW) == 0
