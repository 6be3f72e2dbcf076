"""What every use case needs: the database, the clock, the working-day calendar, a source of codes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from openbeian.clock import Clock, SystemClock
from openbeian.domain.calendar import WorkingCalendar, default_calendar
from openbeian.store.uow import Database


def random_sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass
class Context:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    calendar: WorkingCalendar = field(default_factory=default_calendar)
    sms_code: Callable[[], str] = random_sms_code
