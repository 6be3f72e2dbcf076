"""Provider resources (pure): server instances, the service numbers (备案服务号) they carry, and the free hosting
credited for the time an order spent in review.

Rules, each with a stable id (the refusal names it and the field):

    resource.mainland      the instance is in a mainland China region (data/regions.json)
    resource.subscription  billed by subscription (包年包月), not pay-as-you-go (按量付费)
    resource.public_ip     it has a public IP address
    resource.term          bought for at least 3 months (bought date + 3 calendar months <= expiry)
    resource.remaining     at least 30 days left, both when a number is issued and when it is put on an order
    resource.quota         at most 5 service numbers per instance
    number.owner           a number is used by its owner's account, or by an account the owner authorised
    number.single_use      one order at a time; an approved order consumes it for good, an abandoned or
                           withdrawn one frees it again

Free hosting (用时多久送多久): the time from the last first-review submission to approval, counted in started days,
at most 30, credited once per instance by extending its expiry.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources

from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.orders import HistoryEntry
from openbeian.domain.workflow import Trigger
from openbeian.errors import Text, ValidationError

SERVICE_NUMBERS_PER_INSTANCE = 5
MIN_TERM_MONTHS = 3
MIN_DAYS_LEFT = 30
FREE_HOSTING_MAX_DAYS = 30


class BillingMode(StrEnum):
    SUBSCRIPTION = "subscription"  # 包年包月
    PAY_AS_YOU_GO = "pay_as_you_go"  # 按量付费

    @property
    def label(self) -> Text:
        return BILLING_LABELS[self]


BILLING_LABELS = {
    BillingMode.SUBSCRIPTION: Text("subscription", "包年包月"),
    BillingMode.PAY_AS_YOU_GO: Text("pay-as-you-go", "按量付费"),
}


class NumberState(StrEnum):
    FREE = "free"
    BOUND = "bound"  # on an order in flight
    CONSUMED = "consumed"  # its order was approved: never usable again

    @property
    def label(self) -> Text:
        return STATE_LABELS[self]


STATE_LABELS = {
    NumberState.FREE: Text("free", "未使用"),
    NumberState.BOUND: Text("in use by an order", "订单使用中"),
    NumberState.CONSUMED: Text("used (filing approved)", "已使用（备案成功）"),
}


@dataclass(frozen=True, slots=True)
class Instance:
    """A server (ECS / 云服务器) the provider sold to a customer."""

    id: int
    provider_id: int
    owner_id: int
    name: str
    region: str
    ips: tuple[str, ...]
    expires_at: datetime
    billing_mode: BillingMode
    bought_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceNumber:
    code: str
    instance: Instance
    order_id: int | None  # the order that uses (or, once consumed, used) it
    state: NumberState = NumberState.FREE
    granted_to: int | None = None  # the account the owner authorised to use it, if any


@dataclass(frozen=True, slots=True)
class Refusal:
    rule: str
    field: str
    text: Text


# -- regions ----------------------------------------------------------------------------------------


@cache
def _regions() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(resources.files("openbeian").joinpath("data/regions.json").read_text(encoding="utf-8"))
    return frozenset(data["mainland"]), frozenset(data["elsewhere"])


def is_mainland(region: str) -> bool:
    return region.strip().lower() in _regions()[0]


def parse_region(text: str, field: str = "region") -> str:
    """A known region id (mainland or not); a typo would otherwise make an instance silently ineligible."""
    region = text.strip().lower()
    mainland, elsewhere = _regions()
    if region not in mainland and region not in elsewhere:
        raise ValidationError.for_field(
            field,
            f"unknown region {text!r} (e.g. cn-beijing, cn-shanghai, cn-hongkong, ap-southeast-1)",
            f"未知地域 {text!r}（例如 cn-beijing、cn-shanghai、cn-hongkong、ap-southeast-1）",
        )
    return region


_BILLING_SPELLINGS = {
    "subscription": BillingMode.SUBSCRIPTION,
    "prepaid": BillingMode.SUBSCRIPTION,
    "包年包月": BillingMode.SUBSCRIPTION,
    "pay_as_you_go": BillingMode.PAY_AS_YOU_GO,
    "pay-as-you-go": BillingMode.PAY_AS_YOU_GO,
    "postpaid": BillingMode.PAY_AS_YOU_GO,
    "按量付费": BillingMode.PAY_AS_YOU_GO,
}


def parse_billing_mode(text: str, field: str = "billing_mode") -> BillingMode:
    mode = _BILLING_SPELLINGS.get(text.strip().lower())
    if mode is None:
        raise ValidationError.for_field(
            field, "must be subscription or pay_as_you_go", "须为 subscription（包年包月）或 pay_as_you_go（按量付费）"
        )
    return mode


# -- eligibility ------------------------------------------------------------------------------------


def add_months(at: datetime, months: int) -> datetime:
    """The same wall-clock time `months` calendar months later in China time (31 Jan + 1 month = 28/29 Feb)."""
    local = at.astimezone(CHINA_TZ)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    days_in_month = (datetime(year + month // 12, month % 12 + 1, 1) - datetime(year, month, 1)).days
    return local.replace(year=year, month=month, day=min(local.day, days_in_month)).astimezone(at.tzinfo)


def eligibility_refusals(instance: Instance, at: datetime) -> list[Refusal]:
    """Every reason the instance cannot carry a filing at `at` (empty: it can)."""
    out: list[Refusal] = []
    if not is_mainland(instance.region):
        out.append(
            Refusal(
                "resource.mainland",
                "region",
                Text(
                    f"region {instance.region} is outside mainland China: only mainland servers are filed",
                    f"地域 {instance.region} 不在中国内地：只有内地服务器可以备案",
                ),
            )
        )
    if instance.billing_mode is not BillingMode.SUBSCRIPTION:
        out.append(
            Refusal(
                "resource.subscription",
                "billing_mode",
                Text(
                    "a pay-as-you-go instance cannot carry a filing: it must be a subscription",
                    "按量付费实例不能用于备案：须为包年包月",
                ),
            )
        )
    if not instance.ips:
        out.append(
            Refusal(
                "resource.public_ip",
                "ips",
                Text("the instance has no public IP address", "实例没有公网 IP"),
            )
        )
    if add_months(instance.bought_at, MIN_TERM_MONTHS) > instance.expires_at:
        out.append(
            Refusal(
                "resource.term",
                "expires_at",
                Text(
                    f"the instance is bought for less than {MIN_TERM_MONTHS} months",
                    f"实例购买时长不足 {MIN_TERM_MONTHS} 个月",
                ),
            )
        )
    left = instance.expires_at - at
    if left <= timedelta(0):
        out.append(
            Refusal(
                "resource.remaining",
                "expires_at",
                Text("the instance has expired: renew it first", "实例已到期，请先续费"),
            )
        )
    elif left < timedelta(days=MIN_DAYS_LEFT):
        out.append(
            Refusal(
                "resource.remaining",
                "expires_at",
                Text(
                    f"the instance has {left.days} days left, fewer than {MIN_DAYS_LEFT}: renew it first",
                    f"实例剩余 {left.days} 天，不足 {MIN_DAYS_LEFT} 天，请先续费",
                ),
            )
        )
    return out


def refusal_error(refusals: list[Refusal], field: str | None = None) -> ValidationError:
    """One ValidationError for all refusals: under their own fields, or all under `field` (e.g. the order form's
    service_number)."""
    en = "; ".join(f"{r.text.en} [{r.rule}]" for r in refusals)
    zh = "；".join(f"{r.text.zh}［{r.rule}］" for r in refusals)
    if field is not None:
        return ValidationError.for_field(field, en, zh)
    fields: dict[str, Text] = {}
    for r in refusals:
        previous = fields.get(r.field)
        fields[r.field] = (
            r.text if previous is None else Text(f"{previous.en}; {r.text.en}", f"{previous.zh}；{r.text.zh}")
        )
    return ValidationError(Text(en, zh), fields)


def ensure_eligible(instance: Instance, at: datetime, field: str | None = None) -> None:
    refusals = eligibility_refusals(instance, at)
    if refusals:
        raise refusal_error(refusals, field)


def ensure_quota(existing: int, requested: int, field: str = "service_numbers") -> None:
    if requested < 1 or existing + requested > SERVICE_NUMBERS_PER_INSTANCE:
        left = SERVICE_NUMBERS_PER_INSTANCE - existing
        raise ValidationError.for_field(
            field,
            f"an instance carries at most {SERVICE_NUMBERS_PER_INSTANCE} service numbers; {left} left on this one"
            " [resource.quota]",
            f"每个实例最多 {SERVICE_NUMBERS_PER_INSTANCE} 个备案服务号，本实例还可生成 {left} 个［resource.quota］",
        )


def ensure_usable(
    number: ServiceNumber, account_id: int, at: datetime, keep: int | None = None, field: str = "service_number"
) -> None:
    """May `account_id` put this number on an order at `at`? `keep`: the order already holding it (an edit)."""
    if number.instance.owner_id != account_id and number.granted_to != account_id:
        raise ValidationError.for_field(
            field,
            f"{number.code} belongs to another account that has not authorised you [number.owner]",
            f"{number.code} 属于其他账号，且未授权给您使用［number.owner］",
        )
    if number.state is NumberState.CONSUMED:
        raise ValidationError.for_field(
            field,
            f"{number.code} was used by approved order {number.order_id} and is no longer valid [number.single_use]",
            f"{number.code} 已用于备案成功的订单 {number.order_id}，不能再次使用［number.single_use］",
        )
    if number.order_id is not None and number.order_id != keep:
        raise ValidationError.for_field(
            field,
            f"{number.code} is already used by order {number.order_id} [number.single_use]",
            f"{number.code} 已被订单 {number.order_id} 使用［number.single_use］",
        )
    ensure_eligible(number.instance, at, field)


# -- free hosting during review ---------------------------------------------------------------------


def last_submission(history: Iterable[HistoryEntry]) -> datetime | None:
    """When the order was last submitted to first review (初审)."""
    submitted = [h.at for h in history if h.trigger is Trigger.SUBMIT]
    return max(submitted) if submitted else None


def free_hosting_days(submitted_at: datetime, approved_at: datetime) -> int:
    """Started days from the last submission to approval, capped at 30 (0 if approval is not after it)."""
    seconds = (approved_at - submitted_at).total_seconds()
    if seconds <= 0:
        return 0
    return min(FREE_HOSTING_MAX_DAYS, math.ceil(seconds / 86_400))


@dataclass(frozen=True, slots=True)
class HostingCredit:
    """Days of hosting given for the time an order spent in review, and the expiry they moved."""

    instance_id: int
    order_id: int
    days: int
    submitted_at: datetime
    approved_at: datetime
    expires_before: datetime
    expires_after: datetime
