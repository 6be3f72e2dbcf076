"""Domain events: what happened, as frozen facts. Services record and publish them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from openbeian.domain.workflow import Stage, Trigger


@dataclass(frozen=True, slots=True)
class StageChanged:
    order_id: int | None
    trigger: Trigger
    source: Stage
    target: Stage
    at: datetime
    actor_id: int | None
    note: str


@dataclass(frozen=True, slots=True)
class NumberIssued:
    order_id: int
    subject_number: str
    site_numbers: tuple[str, ...]
    at: datetime
