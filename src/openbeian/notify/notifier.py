"""Notifier: sends notices by e-mail through whichever EmailSender is configured, or does nothing when none is."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage

from openbeian.clock import Clock
from openbeian.config import Settings
from openbeian.notify.messages import Notice, compose
from openbeian.notify.ports import EmailSender
from openbeian.notify.smtp import DeliveryFailed, SmtpSender

log = logging.getLogger("openbeian.notify")


class Notifier:
    def __init__(self, sender: EmailSender | None, from_address: str, clock: Clock) -> None:
        self.sender = sender
        self.from_address = from_address
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> Notifier:
        return cls(SmtpSender.from_settings(settings), settings.smtp_sender, clock)

    @property
    def enabled(self) -> bool:
        return self.sender is not None

    def send(self, notice: Notice, to: Sequence[str]) -> EmailMessage | None:
        """Compose and send; returns the message sent (None when e-mail is off). Raises DeliveryFailed."""
        if self.sender is None:
            return None
        message = compose(notice, sender=self.from_address, to=to, now=self.clock.now())
        self.sender.send(message)
        return message

    def try_send(self, notice: Notice, to: Sequence[str]) -> bool:
        """For timers and after-commit hooks: a mail failure is logged, never raised. True when sent."""
        try:
            return self.send(notice, to) is not None
        except DeliveryFailed as error:
            log.warning("notification %s to %s not sent: %s", notice.topic, ", ".join(to), error.text.en)
            return False
