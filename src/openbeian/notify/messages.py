"""Bilingual notification texts and the e-mail that carries them. Pure: no network, no clock (`now` is an input).

Each renderer returns a `Notice`: a subject and a body in Chinese and English. `compose` turns a notice into one
plain-text e-mail with both languages, Chinese first, and the headers mail servers expect: an RFC 2047 encoded
Subject, Date, Message-ID, and `Auto-Submitted: auto-generated` (RFC 3834) so that vacation responders stay quiet.

Labels (order kind, stages, waiting role) are passed in as `Text`, so the caller decides their wording
(`OrderKind.label`, `Stage.label`, `Role.label`). Notes are free text typed by a person and appear as written.
SMS codes are never put in an e-mail: the code proves that the leader holds the phone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from openbeian.domain.calendar import CHINA_TZ
from openbeian.errors import Text, ValidationError

PRODUCT = "OpenBeian"
SEPARATOR = "-" * 60
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


@dataclass(frozen=True)
class Notice:
    """What to tell someone, in both languages. `topic` is a stable machine name for filtering and tests."""

    topic: str  # stage_changed | deadline_approaching | deadline_overdue | reminder | sms_code_sent
    subject: Text
    body: Text

    @property
    def subject_line(self) -> str:
        return f"【{PRODUCT}】{self.subject.zh} / {self.subject.en}"

    @property
    def text(self) -> str:
        footer = Text(
            "This message was sent automatically by the OpenBeian filing system; please do not reply.",
            f"此邮件由 {PRODUCT} 备案系统自动发送，请勿直接回复。",
        )
        return f"{self.body.zh.rstrip()}\n\n{footer.zh}\n\n{SEPARATOR}\n\n{self.body.en.rstrip()}\n\n{footer.en}\n"


def compose(notice: Notice, *, sender: str, to: Sequence[str], now: datetime) -> EmailMessage:
    """One plain-text UTF-8 e-mail carrying `notice` from `sender` to every address in `to`."""
    recipients = [address.strip() for address in to if address.strip()]
    if not recipients:
        raise ValidationError.for_field("to", "At least one recipient is needed.", "至少需要一个收件人。")
    for address in [sender, *recipients]:
        if not _ADDRESS.fullmatch(address):
            raise ValidationError.for_field(
                "to" if address in recipients else "smtp_sender",
                f"{address!r} is not an e-mail address.",
                f"{address!r} 不是有效的电子邮件地址。",
            )
    message = EmailMessage(policy=SMTP)
    message["Subject"] = notice.subject_line
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(now.astimezone(CHINA_TZ))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[1])
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "zh-CN, en"
    message.set_content(notice.text, charset="utf-8")
    return message


# -- renderers ---------------------------------------------------------------------------------------------


def stage_changed(
    order_id: int | str,
    kind: Text,
    from_stage: Text,
    to_stage: Text,
    *,
    at: datetime,
    note: str | None = None,
    link: str | None = None,
) -> Notice:
    lines = Text(
        "\n".join(
            [
                "Hello,",
                "",
                f"Filing order {order_id} ({kind.en}) has moved to a new stage:",
                f"  from: {from_stage.en}",
                f"  to:   {to_stage.en}",
                f"  at:   {beijing_time(at).en}",
                *([f"  note: {note.strip()}"] if note and note.strip() else []),
                *_link(link).en,
            ]
        ),
        "\n".join(
            [
                "您好，",
                "",
                f"备案订单 {order_id}（{kind.zh}）的状态已变更：",
                f"  原状态：{from_stage.zh}",
                f"  新状态：{to_stage.zh}",
                f"  时间：{beijing_time(at).zh}",
                *([f"  说明：{note.strip()}"] if note and note.strip() else []),
                *_link(link).zh,
            ]
        ),
    )
    return Notice(
        "stage_changed",
        Text(f"Order {order_id} moved to {to_stage.en}", f"备案订单 {order_id} 已进入「{to_stage.zh}」"),
        lines,
    )


def deadline_approaching(
    order_id: int | str,
    kind: Text,
    stage: Text,
    *,
    due: datetime,
    waiting_on: Text | None = None,
    link: str | None = None,
) -> Notice:
    return _deadline("deadline_approaching", order_id, kind, stage, due, waiting_on, link)


def deadline_overdue(
    order_id: int | str,
    kind: Text,
    stage: Text,
    *,
    due: datetime,
    waiting_on: Text | None = None,
    link: str | None = None,
) -> Notice:
    return _deadline("deadline_overdue", order_id, kind, stage, due, waiting_on, link)


def _deadline(
    topic: str,
    order_id: int | str,
    kind: Text,
    stage: Text,
    due: datetime,
    waiting_on: Text | None,
    link: str | None,
) -> Notice:
    when = beijing_time(due)
    if topic == "deadline_overdue":
        subject = Text(f"Order {order_id} is overdue in {stage.en}", f"备案订单 {order_id}「{stage.zh}」已超期")
        status = Text(
            f"The stage {stage.en} was due {when.en} and is overdue.",
            f"「{stage.zh}」阶段应于 {when.zh}前完成，现已超期。",
        )
    else:
        subject = Text(
            f"Order {order_id}: {stage.en} due {when.en}", f"备案订单 {order_id}「{stage.zh}」将于 {when.zh}到期"
        )
        status = Text(f"The stage {stage.en} is due {when.en}.", f"「{stage.zh}」阶段须于 {when.zh}前完成。")
    en = ["Hello,", "", f"Filing order {order_id} ({kind.en}):", f"  {status.en}"]
    zh = ["您好，", "", f"备案订单 {order_id}（{kind.zh}）：", f"  {status.zh}"]
    if waiting_on is not None:
        en.append(f"  Waiting on: {waiting_on.en}")
        zh.append(f"  待处理方：{waiting_on.zh}")
    links = _link(link)
    return Notice(topic, subject, Text("\n".join([*en, *links.en]), "\n".join([*zh, *links.zh])))


def reminder(
    subject: Text,
    details: Text,
    *,
    due: datetime | None = None,
    order_id: int | str | None = None,
    link: str | None = None,
) -> Notice:
    """A general reminder: what is to be done (`details`) and by when."""
    en = ["Hello,", ""]
    zh = ["您好，", ""]
    if order_id is not None:
        en.append(f"Filing order {order_id}:")
        zh.append(f"备案订单 {order_id}：")
    en.append(details.en)
    zh.append(details.zh)
    if due is not None:
        when = beijing_time(due)
        en.append(f"Due: {when.en}")
        zh.append(f"截止时间：{when.zh}")
    links = _link(link)
    return Notice("reminder", subject, Text("\n".join([*en, *links.en]), "\n".join([*zh, *links.zh])))


def police_filing_due(
    site: str, filing_number: str, *, due: datetime, overdue: bool = False, link: str | None = None
) -> Notice:
    """The public-security filing (公安备案) is due within 30 days of the site's launch."""
    subject = (
        Text(f"Police filing for {site} is overdue", f"{site} 的公安备案已逾期")
        if overdue
        else Text(f"Police filing for {site} is due", f"请为 {site} 办理公安备案")
    )
    details = Text(
        f"{site} ({filing_number}) must also be filed with the public security bureau (公安联网备案, "
        "beian.mps.gov.cn) within 30 days of going online, and its police filing number recorded here"
        + (". That deadline has passed." if overdue else "."),
        f"{site}（{filing_number}）须在网站开通之日起 30 日内到全国互联网安全管理服务平台（beian.mps.gov.cn）"
        "办理公安联网备案，并在此登记公安备案号" + ("。该期限已过。" if overdue else "。"),
    )
    return reminder(subject, details, due=due, link=link)


def sms_code_sent(
    order_id: int | str, phone: str, *, expires_at: datetime, tries_left: int | None = None, link: str | None = None
) -> Notice:
    masked = mask_phone(phone)
    when = beijing_time(expires_at)
    tries = (
        Text(
            f"Wrong codes still allowed before the order returns to the provider: {tries_left}.",
            f"订单退回接入商之前还可输错 {tries_left} 次。",
        )
        if tries_left is not None
        else Text("", "")
    )
    body = Text(
        "\n".join(
            [
                "Hello,",
                "",
                f"The regulator has sent a 6-digit verification code for filing order {order_id} by SMS to {masked}.",
                f"Enter it with the order before {when.en}; after that the order returns to the provider.",
                *([tries.en] if tries.en else []),
                *_link(link).en,
            ]
        ),
        "\n".join(
            [
                "您好，",
                "",
                f"管局已向 {masked} 发送备案订单 {order_id} 的 6 位短信验证码。",
                f"请在 {when.zh}前于订单页面提交验证码，逾期订单将退回接入商。",
                *([tries.zh] if tries.zh else []),
                *_link(link).zh,
            ]
        ),
    )
    return Notice(
        "sms_code_sent",
        Text(f"SMS code sent for order {order_id}", f"备案订单 {order_id} 的短信验证码已发送"),
        body,
    )


# -- helpers -----------------------------------------------------------------------------------------------


def beijing_time(at: datetime) -> Text:
    if at.tzinfo is None:
        raise ValueError("notification times must be timezone-aware")
    local = at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    return Text(f"{local} (Beijing time)", f"{local}（北京时间）")


def mask_phone(phone: str) -> str:
    """138****5678: enough for the leader to recognise the phone, not enough to copy the number."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


@dataclass(frozen=True)
class _Lines:
    en: tuple[str, ...]
    zh: tuple[str, ...]


def _link(link: str | None) -> _Lines:
    if not link:
        return _Lines((), ())
    return _Lines(("", f"Open the order: {link}"), ("", f"查看订单：{link}"))
