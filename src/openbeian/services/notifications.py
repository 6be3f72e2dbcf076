"""Who is told what, and when: e-mail to the subject's leader on every stage change, when an SMS code is
sent, when a stage is overdue, and when the police filing falls due.

Each notification has a key naming what it is about; the key is recorded once (a unique constraint), so a
timer that fires twice, or two processes, never send the same notice twice. Sending happens after the
record is committed; a mail failure is logged and marked, never raised into the use case.
"""

from __future__ import annotations

from datetime import timedelta

from openbeian.domain.orders import FilingOrder
from openbeian.domain.workflow import Stage
from openbeian.errors import Text
from openbeian.notify import Notice, deadline_overdue, police_filing_due, sms_code_sent, stage_changed
from openbeian.services.context import Context
from openbeian.services.police import POLICE_FILING_DAYS, REMINDER_DAYS_BEFORE

# Who the stage waits on, for the overdue notice.
WAITING_ON = {
    Stage.PROVIDER_REVIEW: Text("the provider's first review", "接入商初审"),
    Stage.VERIFICATION: Text("the provider's verification", "接入商核验"),
    Stage.SMS_CHECK: Text("your SMS code", "您的短信验证码"),
    Stage.REGULATOR_REVIEW: Text("the regulator's review", "管局审核"),
}


class NotificationService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def deliver(self, key: str, notice: Notice, recipient: str) -> bool:
        """Record the notice under `key` once and send it; False when it was already recorded or has no recipient."""
        if not recipient:
            return False
        with self.ctx.db.unit_of_work() as uow:
            notification_id = uow.lifecycle.claim_notification(
                key, recipient, notice.subject_line[:300], self.ctx.clock.now()
            )
            uow.commit()
        if notification_id is None:
            return False
        notifier = self.ctx.notifier
        if notifier is None or not notifier.enabled:
            return True  # recorded; e-mail is off
        sent = notifier.try_send(notice, [recipient])
        with self.ctx.db.unit_of_work() as uow:
            uow.lifecycle.mark_notification(notification_id, "yes" if sent else "failed")
            uow.commit()
        return True

    # -- order events ---------------------------------------------------------------------------------
    def order_changed(self, order: FilingOrder, since: int = 0) -> None:
        """Tell the leader about the order's stage changes from history entry `since` on (and a new SMS code)."""
        assert order.id is not None
        recipient = order.subject.leader.email
        for index, entry in enumerate(order.history[since:], start=since):
            notice = stage_changed(
                order.id, order.kind.label, entry.source.label, entry.target.label, at=entry.at, note=entry.note or None
            )
            self.deliver(f"stage:{order.id}:{index}", notice, recipient)
        if order.sms is not None and order.sms.sent_at == order.updated_at:
            notice = sms_code_sent(
                order.id, order.sms.phone, expires_at=order.sms.expires_at, tries_left=order.sms_tries_left
            )
            self.deliver(f"sms:{order.id}:{order.sms.sent_at.isoformat()}", notice, recipient)

    def overdue(self, order: FilingOrder) -> bool:
        assert order.id is not None and order.deadline is not None
        notice = deadline_overdue(
            order.id, order.kind.label, order.stage.label, due=order.deadline, waiting_on=WAITING_ON.get(order.stage)
        )
        return self.deliver(
            f"overdue:{order.id}:{order.stage.value}:{order.deadline.isoformat()}", notice, order.subject.leader.email
        )

    def police_due(self) -> list[str]:
        """Remind the leader of each website whose police filing falls due within a week, and again once overdue."""
        now = self.ctx.clock.now()
        reminded = []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            sites = uow.registry.sites_without_police_number(
                now - timedelta(days=POLICE_FILING_DAYS - REMINDER_DAYS_BEFORE)
            )
            contacts = {}
            for site in sites:
                if site.order_id is not None:
                    contacts[site.number] = uow.orders.get(site.order_id).subject.leader.email
        for site in sites:
            due = site.approved_at + timedelta(days=POLICE_FILING_DAYS)
            overdue = now > due
            notice = police_filing_due(
                site.domains[0] if site.domains else site.name, site.number, due=due, overdue=overdue
            )
            phase = "overdue" if overdue else "due"
            if self.deliver(f"police:{site.number}:{phase}", notice, contacts.get(site.number, "")):
                reminded.append(site.number)
        return reminded
