"""The e-mail port and the in-memory sender that ships with it (for tests, demos and the development outbox)."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class EmailSender(Protocol):
    """Delivers one composed message to the recipients in its To header; raises DeliveryFailed when it cannot."""

    def send(self, message: EmailMessage) -> None: ...


class MemoryOutbox:
    """An EmailSender that keeps every message in `messages`, in order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        self.messages.append(message)
