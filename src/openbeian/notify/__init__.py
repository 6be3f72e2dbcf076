"""Notifications by e-mail: bilingual texts (`messages`), the EmailSender port (`ports`), SMTP (`smtp`), and the
Notifier that joins them (off when the setting smtp_host is empty).

    notifier = Notifier.from_settings(settings, clock)
    notice = stage_changed(42, OrderKind.FIRST_FILING.label, Stage.DRAFT.label, Stage.PROVIDER_REVIEW.label,
                           at=clock.now())
    notifier.try_send(notice, ["leader@example.cn"])     # logs and returns False if the server fails
"""

from openbeian.notify.messages import (
    Notice,
    beijing_time,
    compose,
    deadline_approaching,
    deadline_overdue,
    mask_phone,
    police_filing_due,
    reminder,
    sms_code_sent,
    stage_changed,
)
from openbeian.notify.notifier import Notifier
from openbeian.notify.ports import EmailSender, MemoryOutbox
from openbeian.notify.smtp import DeliveryFailed, SmtpSender

__all__ = [
    "DeliveryFailed",
    "EmailSender",
    "MemoryOutbox",
    "Notice",
    "Notifier",
    "SmtpSender",
    "beijing_time",
    "compose",
    "deadline_approaching",
    "deadline_overdue",
    "mask_phone",
    "police_filing_due",
    "reminder",
    "sms_code_sent",
    "stage_changed",
]
