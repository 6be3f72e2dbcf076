"""Who is told what, and when: e-mail to the subject's leader on every stage change, when an SMS code is
sent, when a stage is overdue, and when the police filing falls due.

Each notification has a key naming what it is about; the key is recorded once (a unique constraint), so a
timer that fires twice, or two processes, never send the same notice twice. Sending happens after the
record is committed; a mail failure is logged and marked, never raised into the use case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from openbeian.domain.orders import FilingOrder
from openbeian.domain.workflow import Stage
from openbeian.errors import Text
from openbeian.notify import Notice, deadline_overdue, police_filing_due, sms_code_sent, stage_changed
from openbeian.services.context import Context
from openbeian.services.police import POLICE_FILING_DAYS, REMINDER_DAYS_BEFORE, police_due_at
from openbeian.store.orders import OrderSummary
from openbeian.store.uow import UnitOfWork

# Who the stage waits on, for the overdue notice.
WAITING_ON = {
    Stage.PROVIDER_REVIEW: Text("the provider's first review", "接入商初审"),
    Stage.VERIFICATION: Text("the provider's verification", "接入商核验"),
    Stage.SMS_CHECK: Text("your SMS code", "您的短信验证码"),
    Stage.REGULATOR_REVIEW: Text("the regulator's review", "管局审核"),
}


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notification recorded in the log and not sent yet."""

    id: int
    key: str
    notice: Notice
    recipient: str


class NotificationService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def deliver(self, key: str, notice: Notice, recipient: str) -> bool:
        """Record the notice under `key` once and send it; False when it was already recorded or has no recipient."""
        return bool(self.deliver_all([(key, notice, recipient)]))

    def deliver_all(self, items: list[tuple[str, Notice, str]]) -> list[str]:
        """Record each (key, notice, recipient) not recorded before, in one transaction, then send those; returns
        their keys. The log is written first so that a timer firing twice, or a second process, sends nothing."""
        with self.ctx.db.unit_of_work() as uow:
            claimed = self.claim(uow, items)
            if claimed:
                uow.commit()
        self.send(claimed)
        return [c.key for c in claimed]

    def claim(self, uow: UnitOfWork, items: list[tuple[str, Notice, str]]) -> list[Claimed]:
        """Record the notices not recorded before in the caller's transaction (an outbox: they commit with the
        change they tell of); `send` them once it committed."""
        now = self.ctx.clock.now()
        claimed: list[Claimed] = []
        for key, notice, recipient in items:
            if recipient:
                notification_id = uow.lifecycle.claim_notification(key, recipient, notice.subject_line[:300], now)
                if notification_id is not None:
                    claimed.append(Claimed(notification_id, key, notice, recipient))
        return claimed

    def send(self, claimed: list[Claimed]) -> None:
        notifier = self.ctx.notifier
        if claimed and notifier is not None and notifier.enabled:
            outcomes = [(c.id, notifier.try_send(c.notice, [c.recipient])) for c in claimed]
            with self.ctx.db.unit_of_work() as uow:
                for notification_id, sent in outcomes:
                    uow.lifecycle.mark_notification(notification_id, "yes" if sent else "failed")
                uow.commit()

    # -- order events ---------------------------------------------------------------------------------
    def order_changed(self, order: FilingOrder, since: int = 0) -> None:
        """Tell the leader about the order's stage changes from history entry `since` on (and a new SMS code)."""
        self.deliver_all(self.order_notices(order, since))

    def claim_order_changes(self, uow: UnitOfWork, order: FilingOrder, since: int = 0) -> list[Claimed]:
        """`order_changed` inside the transaction that changed the order; `send` the result after the commit."""
        return self.claim(uow, self.order_notices(order, since))

    @staticmethod
    def order_notices(order: FilingOrder, since: int = 0) -> list[tuple[str, Notice, str]]:
        assert order.id is not None
        recipient = order.subject.leader.email
        items = []
        for index, entry in enumerate(order.history[since:], start=since):
            notice = stage_changed(
                order.id, order.kind.label, entry.source.label, entry.target.label, at=entry.at, note=entry.note or None
            )
            items.append((f"stage:{order.id}:{index}", notice, recipient))
        if order.sms is not None and order.sms.sent_at == order.updated_at:
            notice = sms_code_sent(
                order.id, order.sms.phone, expires_at=order.sms.expires_at, tries_left=order.sms_tries_left
            )
            items.append((f"sms:{order.id}:{order.sms.sent_at.isoformat()}", notice, recipient))
        return items

    def overdue(self, summaries: list[OrderSummary]) -> list[int]:
        """Tell the leader of each overdue order, once per stage and deadline; returns the orders told now.
        Orders told already are skipped before they are loaded."""
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            told = set(uow.lifecycle.notifications_about("overdue:"))
            items = []
            for summary in summaries:
                if summary.deadline is None:
                    continue
                key = f"overdue:{summary.id}:{summary.stage.value}:{summary.deadline.isoformat()}"
                if key in told:
                    continue
                order = uow.orders.get(summary.id)
                notice = deadline_overdue(
                    summary.id,
                    order.kind.label,
                    order.stage.label,
                    due=summary.deadline,
                    waiting_on=WAITING_ON.get(order.stage),
                )
                items.append((key, notice, order.subject.leader.email))
        return [int(key.split(":")[1]) for key in self.deliver_all(items)]

    def police_due(self, limit: int = 1000) -> list[str]:
        """Remind the leader of each website whose police filing falls due within a week, and again once overdue;
        what was told is left out in the query, so each round takes the next `limit` sites."""
        now = self.ctx.clock.now()
        deadline_passed = now - timedelta(days=POLICE_FILING_DAYS)
        items = []
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            due_soon = uow.registry.sites_without_police_number(
                now - timedelta(days=POLICE_FILING_DAYS - REMINDER_DAYS_BEFORE),
                approved_after=deadline_passed,
                not_told=":due",
                limit=limit,
            )
            overdue = uow.registry.sites_without_police_number(deadline_passed, not_told=":overdue", limit=limit)
            for phase, sites in (("due", due_soon), ("overdue", overdue)):
                for site in sites:
                    if site.order_id is None:
                        continue
                    due = police_due_at(site.approved_at)
                    recipient = uow.orders.get(site.order_id).subject.leader.email
                    where = site.domains[0] if site.domains else site.name
                    notice = police_filing_due(where, site.number, due=due, overdue=phase == "overdue")
                    items.append((f"police:{site.number}:{phase}", notice, recipient))
        return [key.split(":")[1] for key in self.deliver_all(items)]
