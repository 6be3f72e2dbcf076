"""A first filing through the services, from draft to the numbers the regulator issues.

Runs on SQLite, and on PostgreSQL when OPENBEIAN_TEST_DATABASE_URL is set (the `db` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from openbeian.clock import CHINA_TZ, FixedClock
from openbeian.domain.numbers import parse_number
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Role, Stage, Trigger
from openbeian.services.context import Context
from openbeian.simulate.driver import Cast, drive

if TYPE_CHECKING:
    from conftest import Filings

SUBJECT_NUMBER = re.compile(r"^京ICP备2026\d{6}号$")


def test_a_first_filing_issues_a_subject_number_and_a_number_for_its_site(
    ctx: Context, cast: Cast, applicant_order: Callable[..., tuple[Actor, FilingOrder]]
) -> None:
    applicant, order = applicant_order("110000", "individual")
    assert order.stage is Stage.DRAFT
    order = drive(ctx, cast, applicant, order)
    assert order.stage is Stage.APPROVED
    assert order.issued is not None
    assert SUBJECT_NUMBER.match(order.issued.subject_number)
    assert order.issued.site_numbers == (f"{order.issued.subject_number}-1",)
    assert parse_number(order.issued.site_numbers[0]).canonical == order.issued.site_numbers[0]


def test_the_history_of_an_approved_order_walks_the_first_filing_path(filings: Filings) -> None:
    applicant, order = filings.approved("110000")
    stored = filings.orders.get(applicant, order.id or 0)
    assert [(h.source, h.target) for h in stored.history] == [
        (Stage.DRAFT, Stage.PROVIDER_REVIEW),
        (Stage.PROVIDER_REVIEW, Stage.VERIFICATION),
        (Stage.VERIFICATION, Stage.SMS_CHECK),
        (Stage.SMS_CHECK, Stage.REGULATOR_REVIEW),
        (Stage.REGULATOR_REVIEW, Stage.APPROVED),
    ]
    assert [h.actor_role for h in stored.history] == [
        Role.APPLICANT,
        Role.REVIEWER,
        Role.REVIEWER,
        Role.SYSTEM,
        Role.OFFICER,
    ]
    assert stored.issued == order.issued
    assert stored.deadline is None


def test_site_numbers_share_one_sequence_across_websites_apps_mini_programs_and_quick_apps(filings: Filings) -> None:
    sites = [
        {"name": "云启官网", "service_type": "website", "domains": ["yunqi-official.cn"]},
        {
            "name": "云启助手",
            "service_type": "app",
            "app_id": "cn.yunqi.helper",
            "platform": "android",
            "signing_fingerprint": "3B:7A:1C:99:0F:42:D5:6E:88:AB:CD:EF:01:23:45:67:89:AB:CD:EF",
            "domains": [],
        },
        {"name": "云启小程序", "service_type": "mini_program", "app_id": "wx1234567890abcdef"},
        {"name": "云启快应用", "service_type": "quick_app", "app_id": "cn.yunqi.quick"},
        {"name": "云启博客", "service_type": "website", "domains": ["yunqi-blog.com.cn"]},
    ]
    applicant, order = filings.draft(filings.form("110000", "enterprise", sites))
    order = filings.drive(applicant, order)
    assert order.issued is not None
    n = order.issued.subject_number
    assert order.issued.site_numbers == (f"{n}-1", f"{n}-2A", f"{n}-3X", f"{n}-4K", f"{n}-5")
    assert [r.site_number for r in filings.registry.by_number(n)] == list(order.issued.site_numbers)


def subject_number_of(filings: Filings, province: str) -> str:
    _, order = filings.approved(province)
    assert order.issued is not None
    return order.issued.subject_number


def test_serials_are_sequential_per_province(filings: Filings) -> None:
    numbers = [subject_number_of(filings, p) for p in ("110000", "110000", "310000", "110000")]
    assert numbers == ["京ICP备2026000001号", "京ICP备2026000002号", "沪ICP备2026000001号", "京ICP备2026000003号"]


def test_a_number_takes_its_province_prefix_from_the_subjects_province(filings: Filings) -> None:
    assert {p: subject_number_of(filings, p) for p in ("510000", "330000", "650000")} == {
        "510000": "蜀ICP备2026000001号",
        "330000": "浙ICP备2026000001号",
        "650000": "新ICP备2026000001号",
    }


def test_serials_start_again_each_year_and_the_year_is_the_one_in_beijing(filings: Filings, clock: FixedClock) -> None:
    clock.set(datetime(2026, 12, 31, 22, 0, tzinfo=CHINA_TZ))
    _, last_of_2026 = filings.approved("110000")
    # 2026-12-31 16:30 UTC is already 2027-01-01 00:30 in Beijing.
    clock.set(datetime(2027, 1, 1, 0, 30, tzinfo=CHINA_TZ))
    assert clock.now().year == 2026
    _, first_of_2027 = filings.approved("110000")
    assert last_of_2026.issued is not None and first_of_2027.issued is not None
    assert last_of_2026.issued.subject_number == "京ICP备2026000001号"
    assert first_of_2027.issued.subject_number == "京ICP备2027000001号"


def test_a_returned_order_can_be_corrected_and_filed(filings: Filings, ctx: Context, clock: FixedClock) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    order = filings.orders.act(filings.cast.reviewer, order.id or 0, Trigger.RETURN, note="地址不完整")
    assert order.stage is Stage.DRAFT
    form = filings.form("110000", "enterprise")
    clock.advance(timedelta(hours=1))
    order = filings.orders.update(applicant, order.id or 0, {**form, "service_number": order.service_number})
    assert order.subject.name == form["subject"]["name"]
    order = filings.drive(applicant, order)
    assert order.stage is Stage.APPROVED
    assert order.history[1].note == "地址不完整"


def test_a_rejected_order_goes_back_to_the_applicant_with_the_reasons(filings: Filings) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order, until=Stage.REGULATOR_REVIEW)
    officer = filings.cast.officers["110000"]
    order = filings.orders.act(officer, order.id or 0, Trigger.REJECT, note="网站名称不符合规范")
    assert order.stage is Stage.DRAFT
    assert order.issued is None
    assert order.history[-1].note == "网站名称不符合规范"
    assert filings.registry.by_subject(order.subject.name) == []
