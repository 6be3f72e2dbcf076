"""`tick`: the time-based transitions, applied idempotently (a timer that fires twice changes nothing
the second time, because each step acts only on what is still due)."""

from __future__ import annotations

from typing import Any

from openbeian.domain.orders import SYSTEM
from openbeian.services.cleanup import CleanupService
from openbeian.services.context import Context
from openbeian.services.notifications import NotificationService
from openbeian.services.orders import OrderService


def tick(ctx: Context) -> dict[str, Any]:
    """Apply every timer due at the context's clock; report what moved and whom it told."""
    orders = OrderService(ctx)
    report: dict[str, Any] = {
        "at": ctx.clock.now().isoformat(),
        "sms_expired": orders.expire_sms(),
        "access_reviews_expired": orders.expire_access_reviews(),
        "empty_shells_cancelled": CleanupService(ctx).enforce(ctx.clock.now()),
    }
    notifications = NotificationService(ctx)
    overdue = orders.overdue(SYSTEM)
    report["overdue"] = [s.id for s in overdue]
    report["overdue_notified"] = notifications.overdue(overdue)
    report["police_reminders"] = notifications.police_due()
    return report
