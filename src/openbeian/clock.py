"""Time is an input: services ask a Clock, never datetime.now().

All instants are timezone-aware UTC. China has one time zone without daylight saving, so calendar days
for working-day deadlines are taken in UTC+8 (`CHINA_TZ`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from openbeian.domain.calendar import CHINA_TZ

__all__ = ["CHINA_TZ", "Clock", "FixedClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self._at += delta
        return self._at
