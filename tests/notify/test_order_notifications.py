"""Notifications of the filing lifecycle, end to end over a real SMTP server (aiosmtpd on 127.0.0.1): every
stage change and SMS code reaches the subject's leader; overdue stages and the police filing due are told once,
however often the timer fires; the police filing, once recorded, stops the reminders."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.workflow import Stage, Trigger
from openbeian.errors import ValidationError
from openbeian.notify import Notifier, SmtpSender
from openbeian.services.context import Context
from openbeian.services.police import PoliceFilingService
from openbeian.services.timers import tick
from openbeian.simulate.driver import ensure_cast

if TYPE_CHECKING:
    from conftest import Filings, SmtpServer


@pytest.fixture
def mailing(ctx: Context, clock: FixedClock, smtp_server: SmtpServer) -> Context:
    """The test context, sending its e-mail to the recording server."""
    ctx.notifier = Notifier(SmtpSender(smtp_server.host, smtp_server.port, timeout=5), "beian@provider.cn", clock)
    return ctx


def subjects(server: SmtpServer, recipient: str) -> list[str]:
    return [str(r.message["Subject"]) for r in server.received if recipient in r.recipients]


def test_every_stage_change_and_the_sms_code_reach_the_leader(
    mailing: Context, filings: Filings, smtp_server: SmtpServer
) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order)
    assert order.stage is Stage.APPROVED
    leader = order.subject.leader.email
    received = subjects(smtp_server, leader)
    stage_changes = [h for h in order.history if h.source is not h.target]
    assert len(received) == len(stage_changes) + 1  # plus the notice that an SMS code was sent
    bodies = [r.message.get_content() for r in smtp_server.received]
    assert any("审核通过" in b and "Approved" in b for b in bodies)
    code_notices = [b for b in bodies if "短信" in b and "SMS" in b]
    assert code_notices and not any(order.sms and order.sms.code_digest in b for b in code_notices)


def test_an_overdue_stage_is_told_once_however_often_tick_runs(
    mailing: Context, filings: Filings, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    assert order.deadline is not None
    before = len(smtp_server.received)
    clock.set(order.deadline + timedelta(minutes=1))
    first = tick(mailing)
    second = tick(mailing)
    assert first["overdue"] == [order.id] and first["overdue_notified"] == [order.id]
    assert second["overdue"] == [order.id] and second["overdue_notified"] == []
    new = [str(r.message["Subject"]) for r in smtp_server.received[before:]]
    assert len(new) == 1 and "超期" in new[0] and "overdue" in new[0]


def test_the_police_filing_is_reminded_before_and_after_its_deadline_until_recorded(
    mailing: Context, filings: Filings, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    applicant, order = filings.applicant_order("110000")
    order = filings.drive(applicant, order)
    assert order.issued is not None
    website = order.issued.site_numbers[0]
    approved_at = order.history[-1].at
    clock.set(approved_at + timedelta(days=22))
    assert website not in tick(mailing)["police_reminders"]  # more than a week left: nothing yet
    clock.set(approved_at + timedelta(days=24))
    assert website in tick(mailing)["police_reminders"]
    assert website not in tick(mailing)["police_reminders"]
    clock.set(approved_at + timedelta(days=31))
    police = PoliceFilingService(mailing)
    [due] = [d for d in police.due(applicant) if d.site_number == website]
    assert due.overdue
    assert website in tick(mailing)["police_reminders"]  # the overdue reminder, once
    reminders = [r for r in smtp_server.received if "公安备案" in str(r.message["Subject"])]
    assert len(reminders) == 2 and all(order.subject.leader.email in r.recipients for r in reminders)

    with pytest.raises(ValidationError) as caught:
        police.record(applicant, website, "沪公网安备31010402000001号")
    assert "police_number" in caught.value.fields  # a police number of another province
    assert police.record(applicant, website, "京公网安备 11010802020134 号") == "京公网安备11010802020134号"
    assert website not in [d.site_number for d in police.due(applicant)]


def test_without_smtp_notifications_are_recorded_but_not_sent(ctx: Context, filings: Filings) -> None:
    ensure_cast(ctx)
    applicant, order = filings.applicant_order("110000")
    filings.orders.act(applicant, order.id or 0, Trigger.SUBMIT)
    with ctx.db.unit_of_work(readonly=True) as uow:
        assert uow.lifecycle.notifications_about(f"stage:{order.id}:") == [f"stage:{order.id}:0"]
