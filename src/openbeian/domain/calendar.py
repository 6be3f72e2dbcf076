"""Chinese working days (工作日), for every deadline counted in working days.

Which days are working days comes from three sources, first match wins:

1. the `chinese_calendar` package, for the years its data covers (2004 to 2026 in 1.11.0; later
   years raise NotImplementedError there);
2. the override table, for years beyond the package's data: packaged as `openbeian/data/workdays.json`
   (or passed in), one entry per year with its public holidays and its adjusted working weekend days
   (调休上班). The 2027 entry is an estimate until the State Council publishes its notice;
3. otherwise a plain Monday to Friday week. Deadlines in such a year ignore public holidays, so they
   come out early, never late; `WorkingCalendar.is_covered(year)` tells whether a year has real data.

The package's data wins over the table for the years it covers, so upgrading `chinese_calendar`
replaces an estimated table entry without a code change.

Time is an input: nothing here reads the clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from importlib import resources
from typing import Any

import chinese_calendar

# China has one time zone without daylight saving: working days are counted in UTC+8.
CHINA_TZ = timezone(timedelta(hours=8), "CST")

__all__ = [
    "END_OF_DAY",
    "WorkingCalendar",
    "YearOverride",
    "default_calendar",
    "load_packaged_overrides",
    "parse_overrides",
]

#: The time of day a working-day deadline ends.
END_OF_DAY = time(23, 59, 59)

_PACKAGE_YEARS = range(
    min(chinese_calendar.holidays).year,
    max(chinese_calendar.holidays).year + 1,
)


@dataclass(frozen=True, slots=True)
class YearOverride:
    """One year of the override table.

    `holidays` are days off (a weekend day inside a holiday block may be listed; it changes nothing);
    `workdays` are weekend days that are working days (调休上班). Every date must fall in `year`.
    """

    year: int
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    source: str = ""

    def __post_init__(self) -> None:
        for day in self.holidays | self.workdays:
            if day.year != self.year:
                raise ValueError(f"override for {self.year} lists {day.isoformat()}, another year")
        both = self.holidays & self.workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"override for {self.year} lists {listed} as both holiday and workday")
        for day in self.workdays:
            if day.weekday() < 5:
                raise ValueError(
                    f"override for {self.year} lists {day.isoformat()} as an adjusted workday, "
                    "but it is a weekday already"
                )

    @property
    def is_estimated(self) -> bool:
        """True when the entry says it is an estimate rather than the published notice."""
        return "estimate" in self.source.lower()

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def _dates(raw: object, year: int, key: str) -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise ValueError(f"override for {year}: {key!r} must be a list of ISO dates")
    return frozenset(date.fromisoformat(str(item)) for item in raw)


def parse_overrides(raw: Mapping[str, Any]) -> dict[int, YearOverride]:
    """Build the override table from its JSON shape: `{"years": {"2027": {"holidays": [...], ...}}}`."""
    years = raw.get("years", {})
    if not isinstance(years, Mapping):
        raise ValueError("override table: 'years' must be an object keyed by year")
    table: dict[int, YearOverride] = {}
    for key, entry in years.items():
        year = int(key)
        if not isinstance(entry, Mapping):
            raise ValueError(f"override for {year} must be an object")
        table[year] = YearOverride(
            year=year,
            holidays=_dates(entry.get("holidays"), year, "holidays"),
            workdays=_dates(entry.get("workdays"), year, "workdays"),
            source=str(entry.get("source", "")),
        )
    return table


def load_packaged_overrides() -> dict[int, YearOverride]:
    """The override table shipped as `openbeian/data/workdays.json`."""
    text = (resources.files("openbeian") / "data" / "workdays.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    if not isinstance(raw, Mapping):
        raise ValueError("workdays.json must hold a JSON object")
    return parse_overrides(raw)


class WorkingCalendar:
    """Answers "is this a working day?" and counts working-day deadlines.

    `overrides` maps a year to its `YearOverride`; by default the packaged table is loaded. A table
    entry is used only for a year the `chinese_calendar` package does not cover. A year with neither
    falls back to Monday to Friday (public holidays ignored); see `is_covered`.
    """

    def __init__(self, overrides: Mapping[int, YearOverride] | None = None) -> None:
        table = load_packaged_overrides() if overrides is None else dict(overrides)
        for year, entry in table.items():
            if entry.year != year:
                raise ValueError(f"override keyed {year} is for {entry.year}")
        self._overrides: dict[int, YearOverride] = table

    @property
    def overrides(self) -> Mapping[int, YearOverride]:
        return dict(self._overrides)

    def is_covered(self, year: int) -> bool:
        """True when `year` has holiday data (package or table); False means Monday to Friday only."""
        return year in _PACKAGE_YEARS or year in self._overrides

    def is_workday(self, day: date) -> bool:
        day = _as_date(day)
        if day.year in _PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day))
        entry = self._overrides.get(day.year)
        if entry is not None:
            return entry.is_workday(day)
        return day.weekday() < 5

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day = _as_date(day) + timedelta(days=1)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: datetime | date, days: int) -> datetime:
        """The deadline `days` working days after `start`: the end (23:59:59) of that working day.

        The count starts on the day after `start`'s day, whatever the hour, so a filing received on a
        Friday with 1 working day is due at the end of the next Monday (barring holidays). With
        `days=0` the deadline is the end of `start`'s day if it is a working day, else the end of the
        next working day. A datetime keeps its tzinfo (its day is read in that zone); a date gives a
        naive datetime.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        tz = start.tzinfo if isinstance(start, datetime) else None
        day = _as_date(start)
        if days == 0:
            if not self.is_workday(day):
                day = self.next_workday(day)
        else:
            for _ in range(days):
                day = self.next_workday(day)
        return datetime.combine(day, END_OF_DAY, tzinfo=tz)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: after `start`, up to and including `end`.

        Zero when `end` is not after `start`. Datetimes count by their day.
        """
        first, last = _as_date(start), _as_date(end)
        return sum(1 for day in _days(first + timedelta(days=1), last) if self.is_workday(day))


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@cache
def default_calendar() -> WorkingCalendar:
    """The calendar with the packaged override table, built on first use and shared."""
    return WorkingCalendar()
