"""What every use case needs: the database, the clock, the working-day calendar, a source of codes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from openbeian.clock import Clock, SystemClock
from openbeian.config import Settings
from openbeian.domain.calendar import WorkingCalendar, default_calendar
from openbeian.notify import Notifier
from openbeian.store.uow import Database
from openbeian.verification import BackdropRules, UploadStore, parse_colour
from openbeian.verification.uploads import default_upload_dir


def random_sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


@dataclass
class Context:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    calendar: WorkingCalendar = field(default_factory=default_calendar)
    sms_code: Callable[[], str] = random_sms_code
    uploads: UploadStore | None = None  # where verification files go; default: data/uploads beside the database
    backdrop: BackdropRules = field(default_factory=BackdropRules)
    notifier: Notifier | None = None  # e-mail; None or disabled: notifications are only recorded

    def __post_init__(self) -> None:
        if self.uploads is None:
            self.uploads = UploadStore(default_upload_dir(self.db.url))


def context_from_settings(settings: Settings, db: Database | None = None, clock: Clock | None = None) -> Context:
    """The context the app and the CLI run with: the database, uploads and backdrop from the settings."""
    clock = clock or SystemClock()
    return Context(
        db or Database(settings.database_url),
        clock,
        uploads=UploadStore.from_settings(settings),
        notifier=Notifier.from_settings(settings, clock),
        backdrop=BackdropRules(colour=parse_colour(settings.backdrop_colour)),
    )
