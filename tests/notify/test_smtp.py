"""Notifications delivered over real SMTP to an aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from openbeian.clock import FixedClock
from openbeian.config import load_settings
from openbeian.domain.workflow import Role, Stage
from openbeian.errors import ConfigurationError, Text
from openbeian.notify import (
    DeliveryFailed,
    Notifier,
    SmtpSender,
    compose,
    deadline_approaching,
    deadline_overdue,
    police_filing_due,
    reminder,
    sms_code_sent,
    stage_changed,
)

from .conftest import PASSWORD, USERNAME, SmtpServer, free_port

NOW = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
SENDER = "noreply@openbeian.test"
FIRST_FILING = Text("First filing", "首次备案")
ALL_NOTICES = {
    "stage_changed": stage_changed(
        42, FIRST_FILING, Stage.SMS_CHECK.label, Stage.REGULATOR_REVIEW.label, at=NOW, note="短信核验通过"
    ),
    "deadline_approaching": deadline_approaching(
        42, FIRST_FILING, Stage.REGULATOR_REVIEW.label, due=NOW, waiting_on=Role.OFFICER.label
    ),
    "deadline_overdue": deadline_overdue(42, FIRST_FILING, Stage.VERIFICATION.label, due=NOW),
    "reminder": reminder(Text("Check your site", "请检查网站"), Text("Footer number missing.", "页脚缺少备案号。")),
    "police_filing_due": police_filing_due("example.cn", "京ICP备2026000001号-1", due=NOW),
    "sms_code_sent": sms_code_sent(42, "13800138000", expires_at=NOW),
}


def notifier_for(server: SmtpServer, **options: object) -> Notifier:
    return Notifier(SmtpSender(server.host, server.port, **options), SENDER, FixedClock(NOW))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(ALL_NOTICES))
def test_every_notice_arrives_with_a_decoded_bilingual_subject_and_body(smtp_server: SmtpServer, name: str) -> None:
    notice = ALL_NOTICES[name]
    notifier_for(smtp_server).send(notice, ["leader@example.cn"])
    [received] = smtp_server.received
    assert received.mail_from == SENDER
    assert received.recipients == ["leader@example.cn"]
    message = received.message
    assert message["Subject"] == notice.subject_line
    assert notice.subject.zh in message["Subject"] and notice.subject.en in message["Subject"]
    body = message.get_content()
    assert notice.body.zh.splitlines()[2] in body and notice.body.en.splitlines()[2] in body
    assert body.index("您好") < body.index("Hello")
    assert message["Message-ID"] and message["Date"]


def test_one_message_reaches_every_recipient(smtp_server: SmtpServer) -> None:
    to = ["leader@example.cn", "subject-leader@example.cn", "ops@provider.test"]
    notifier_for(smtp_server).send(ALL_NOTICES["stage_changed"], to)
    [received] = smtp_server.received
    assert received.recipients == to
    assert received.message["To"] == ", ".join(to)
    assert "短信核验通过" in received.message.get_content()


def test_starttls_and_login_deliver_to_a_server_that_requires_both(tls_smtp_server: SmtpServer) -> None:
    sender = SmtpSender(
        tls_smtp_server.host,
        tls_smtp_server.port,
        starttls=True,
        username=USERNAME,
        password=PASSWORD,
        ssl_context=tls_smtp_server.client_context(),
    )
    Notifier(sender, SENDER, FixedClock(NOW)).send(ALL_NOTICES["reminder"], ["leader@example.cn"])
    assert [r.recipients for r in tls_smtp_server.received] == [["leader@example.cn"]]


def test_a_wrong_password_fails_with_a_bilingual_error(tls_smtp_server: SmtpServer) -> None:
    sender = SmtpSender(
        tls_smtp_server.host,
        tls_smtp_server.port,
        starttls=True,
        username=USERNAME,
        password="wrong",
        ssl_context=tls_smtp_server.client_context(),
    )
    with pytest.raises(DeliveryFailed) as caught:
        Notifier(sender, SENDER, FixedClock(NOW)).send(ALL_NOTICES["reminder"], ["leader@example.cn"])
    assert "refused the login" in caught.value.text.en and "拒绝" in caught.value.text.zh
    assert tls_smtp_server.received == []


def test_an_untrusted_certificate_stops_delivery(tls_smtp_server: SmtpServer) -> None:
    sender = SmtpSender(tls_smtp_server.host, tls_smtp_server.port, starttls=True, username=USERNAME, password=PASSWORD)
    with pytest.raises(DeliveryFailed) as caught:
        sender.send(compose(ALL_NOTICES["reminder"], sender=SENDER, to=["a@example.cn"], now=NOW))
    assert "CERTIFICATE" in caught.value.text.en.upper()
    assert tls_smtp_server.received == []


def test_starttls_asked_but_not_offered_sends_nothing(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryFailed) as caught:
        notifier_for(smtp_server, starttls=True).send(ALL_NOTICES["reminder"], ["leader@example.cn"])
    assert "STARTTLS" in caught.value.text.en and "STARTTLS" in caught.value.text.zh
    assert smtp_server.received == []


def test_refused_recipients_are_named_and_the_others_still_receive(smtp_server: SmtpServer) -> None:
    smtp_server.recorder.refuse = {"gone@example.cn"}
    with pytest.raises(DeliveryFailed) as caught:
        notifier_for(smtp_server).send(ALL_NOTICES["reminder"], ["leader@example.cn", "gone@example.cn"])
    assert caught.value.refused == ("gone@example.cn",)
    assert "gone@example.cn" in caught.value.text.zh
    assert [r.recipients for r in smtp_server.received] == [["leader@example.cn"]]


def test_all_recipients_refused_is_a_delivery_failure(smtp_server: SmtpServer) -> None:
    smtp_server.recorder.refuse = {"gone@example.cn"}
    with pytest.raises(DeliveryFailed) as caught:
        notifier_for(smtp_server).send(ALL_NOTICES["reminder"], ["gone@example.cn"])
    assert caught.value.refused == ("gone@example.cn",)
    assert smtp_server.received == []


def test_an_unreachable_server_is_a_delivery_failure_not_a_socket_error() -> None:
    sender = SmtpSender("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(DeliveryFailed) as caught:
        sender.send(compose(ALL_NOTICES["reminder"], sender=SENDER, to=["a@example.cn"], now=NOW))
    assert "127.0.0.1" in caught.value.text.en and "无法" in caught.value.text.zh


def test_a_server_that_never_greets_times_out(silent_server: tuple[str, int]) -> None:
    host, port = silent_server
    sender = SmtpSender(host, port, timeout=0.2)
    with pytest.raises(DeliveryFailed) as caught:
        sender.send(compose(ALL_NOTICES["reminder"], sender=SENDER, to=["a@example.cn"], now=NOW))
    assert "timed out" in caught.value.text.en


def test_try_send_logs_a_failure_and_returns_false(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(SmtpSender("127.0.0.1", free_port(), timeout=2), SENDER, FixedClock(NOW))
    with caplog.at_level(logging.WARNING, logger="openbeian.notify"):
        assert notifier.try_send(ALL_NOTICES["reminder"], ["a@example.cn"]) is False
    assert "reminder" in caplog.text and "a@example.cn" in caplog.text


def test_settings_configure_the_notifier_from_the_environment(smtp_server: SmtpServer) -> None:
    settings = load_settings(
        env={
            "OPENBEIAN_SMTP_HOST": smtp_server.host,
            "OPENBEIAN_SMTP_PORT": str(smtp_server.port),
            "OPENBEIAN_SMTP_SENDER": "beian@provider.test",
            "OPENBEIAN_SMTP_TIMEOUT": "5",
        },
        dotenv=None,
    )
    notifier = Notifier.from_settings(settings, FixedClock(NOW))
    assert notifier.enabled
    assert notifier.try_send(ALL_NOTICES["sms_code_sent"], ["leader@example.cn"]) is True
    [received] = smtp_server.received
    assert received.mail_from == "beian@provider.test"
    assert received.message["From"] == "beian@provider.test"


def test_notifications_are_off_when_no_smtp_host_is_set() -> None:
    settings = load_settings(env={}, dotenv=None)
    assert settings.smtp_host == ""
    notifier = Notifier.from_settings(settings, FixedClock(NOW))
    assert not notifier.enabled
    assert notifier.send(ALL_NOTICES["reminder"], ["a@example.cn"]) is None
    assert notifier.try_send(ALL_NOTICES["reminder"], ["a@example.cn"]) is False


def test_the_smtp_settings_reach_the_sender() -> None:
    settings = load_settings(
        env={
            "OPENBEIAN_SMTP_HOST": "mail.provider.test",
            "OPENBEIAN_SMTP_PORT": "587",
            "OPENBEIAN_SMTP_STARTTLS": "1",
            "OPENBEIAN_SMTP_USERNAME": "u",
            "OPENBEIAN_SMTP_PASSWORD": "p",
        },
        dotenv=None,
    )
    sender = SmtpSender.from_settings(settings)
    assert sender is not None
    assert (sender.host, sender.port, sender.starttls, sender.username, sender.password, sender.timeout) == (
        "mail.provider.test",
        587,
        True,
        "u",
        "p",
        10.0,
    )


def test_non_ascii_smtp_credentials_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        SmtpSender("mail.provider.test", 587, username="通知", password="p")
    assert "ASCII" in caught.value.text.zh
