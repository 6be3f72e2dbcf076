"""Bilingual notification texts and the composed e-mail (pure: no server)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from openbeian.domain.workflow import Role, Stage
from openbeian.errors import Text, ValidationError
from openbeian.notify import (
    MemoryOutbox,
    Notice,
    compose,
    deadline_approaching,
    deadline_overdue,
    mask_phone,
    police_filing_due,
    reminder,
    sms_code_sent,
    stage_changed,
)

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
FIRST_FILING = Text("First filing", "首次备案")


def chinese_before_english(notice: Notice, zh: str, en: str) -> None:
    text = notice.text
    assert zh in text and en in text
    assert text.index(zh) < text.index("-" * 60) < text.index(en)


def test_a_stage_change_names_the_order_kind_both_stages_the_time_and_the_note() -> None:
    notice = stage_changed(
        42,
        FIRST_FILING,
        Stage.PROVIDER_REVIEW.label,
        Stage.DRAFT.label,
        at=NOW,
        note="请补充域名证书",
        link="https://b.test/orders/42",
    )
    assert notice.topic == "stage_changed"
    assert notice.subject_line == "【OpenBeian】备案订单 42 已进入「草稿」 / Order 42 moved to Draft"
    chinese_before_english(notice, "原状态：待接入商初审", "from: Provider review")
    for expected in [
        "新状态：草稿",
        "2026-03-10 09:00（北京时间）",
        "说明：请补充域名证书",
        "查看订单：https://b.test/orders/42",
    ]:
        assert expected in notice.body.zh
    for expected in [
        "First filing",
        "to:   Draft",
        "09:00 (Beijing time)",
        "note: 请补充域名证书",
        "https://b.test/orders/42",
    ]:
        assert expected in notice.body.en


def test_a_stage_change_without_a_note_has_no_note_line() -> None:
    notice = stage_changed(7, FIRST_FILING, Stage.DRAFT.label, Stage.PROVIDER_REVIEW.label, at=NOW, note="  ")
    assert "说明" not in notice.text and "note:" not in notice.text


def test_deadlines_approaching_and_overdue_say_which_stage_when_and_who_acts() -> None:
    due = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    soon = deadline_approaching(5, FIRST_FILING, Stage.PROVIDER_REVIEW.label, due=due, waiting_on=Role.REVIEWER.label)
    late = deadline_overdue(5, FIRST_FILING, Stage.PROVIDER_REVIEW.label, due=due, waiting_on=Role.REVIEWER.label)
    assert soon.topic == "deadline_approaching" and late.topic == "deadline_overdue"
    assert "2026-03-11 17:00" in soon.subject.en and "2026-03-11 17:00" in soon.subject.zh
    assert "超期" in late.subject.zh and "overdue" in late.subject.en
    chinese_before_english(late, "待处理方：接入商审核员", "Waiting on: Provider reviewer")
    assert "现已超期" in late.body.zh and "is overdue" in late.body.en


def test_a_reminder_and_the_police_filing_reminder() -> None:
    general = reminder(
        Text("Report your change", "请报告变更"),
        Text("Changes must be reported 30 days ahead.", "变更须提前 30 日报告。"),
        due=NOW,
        order_id=9,
    )
    assert general.topic == "reminder"
    chinese_before_english(general, "变更须提前 30 日报告。", "Changes must be reported 30 days ahead.")
    police = police_filing_due("例子.中国", "京ICP备2026000001号-1", due=NOW)
    assert police.subject_line == "【OpenBeian】请为 例子.中国 办理公安备案 / Police filing for 例子.中国 is due"
    chinese_before_english(police, "公安联网备案", "public security bureau")
    assert "30" in police.body.zh and "截止时间：2026-03-10 09:00" in police.body.zh
    overdue = police_filing_due("example.cn", "京ICP备2026000001号-1", due=NOW, overdue=True)
    assert "逾期" in overdue.subject.zh and "has passed" in overdue.body.en


def test_the_sms_notice_masks_the_phone_and_never_carries_a_code() -> None:
    notice = sms_code_sent(3, "+86 138 0013 8000", expires_at=NOW, tries_left=5)
    assert "138****8000" in notice.body.zh and "138****8000" in notice.body.en
    assert "13800138000" not in notice.text
    chinese_before_english(notice, "还可输错 5 次", "still allowed before the order returns to the provider: 5")


def test_phone_masking() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86-138-0013-8000") == "138****8000"
    assert mask_phone("12345") == "*****"


def test_the_email_has_encoded_subject_date_message_id_and_both_languages() -> None:
    notice = stage_changed(42, FIRST_FILING, Stage.DRAFT.label, Stage.PROVIDER_REVIEW.label, at=NOW)
    message = compose(notice, sender="noreply@openbeian.test", to=["leader@example.cn", " ops@example.cn "], now=NOW)
    raw = message.as_bytes()
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]  # the Subject travels RFC 2047 encoded
    assert str(message["Subject"]) == notice.subject_line
    assert message["To"] == "leader@example.cn, ops@example.cn"
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"].endswith("@openbeian.test>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain"
    assert message.get_content().replace("\r\n", "\n") == notice.text


def test_message_ids_differ_between_messages() -> None:
    notice = reminder(Text("a", "甲"), Text("b", "乙"))
    ids = {compose(notice, sender="n@o.test", to=["a@b.test"], now=NOW)["Message-ID"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("bad", [[], ["  "], ["not-an-address"], ["a@b.cn\r\nBcc: spy@evil.test"], ["a@b.cn, c@d.cn"]])
def test_bad_recipients_are_refused_naming_the_field(bad: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        compose(reminder(Text("a", "甲"), Text("b", "乙")), sender="n@o.test", to=bad, now=NOW)
    assert set(caught.value.fields) == {"to"}
    assert caught.value.fields["to"].zh


def test_a_bad_sender_address_names_the_setting() -> None:
    with pytest.raises(ValidationError) as caught:
        compose(reminder(Text("a", "甲"), Text("b", "乙")), sender="openbeian", to=["a@b.test"], now=NOW)
    assert set(caught.value.fields) == {"smtp_sender"}


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        stage_changed(1, FIRST_FILING, Stage.DRAFT.label, Stage.DRAFT.label, at=datetime(2026, 3, 10))


def test_the_memory_outbox_keeps_messages_in_order() -> None:
    outbox = MemoryOutbox()
    for number in (1, 2):
        notice = stage_changed(number, FIRST_FILING, Stage.DRAFT.label, Stage.PROVIDER_REVIEW.label, at=NOW)
        outbox.send(compose(notice, sender="n@o.test", to=["a@b.test"], now=NOW))
    assert [m["Subject"].split(" / ")[1] for m in outbox.messages] == [
        "Order 1 moved to Provider review",
        "Order 2 moved to Provider review",
    ]
