from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openbeian.domain.calendar import (
    WorkingCalendar,
    YearOverride,
    default_calendar,
    load_packaged_overrides,
    parse_overrides,
)

CST = timezone(timedelta(hours=8), "CST")


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


# --- is_workday from the chinese_calendar package -------------------------------------------------


def test_national_day_2025_runs_from_october_1_to_8(cal: WorkingCalendar) -> None:
    for day in range(1, 9):
        assert not cal.is_workday(date(2025, 10, day))
    assert cal.is_workday(date(2025, 10, 9))


def test_the_weekends_before_and_after_national_day_2025_are_working_days(cal: WorkingCalendar) -> None:
    assert date(2025, 9, 28).weekday() == 6
    assert date(2025, 10, 11).weekday() == 5
    assert cal.is_workday(date(2025, 9, 28))
    assert cal.is_workday(date(2025, 10, 11))


def test_an_ordinary_weekend_is_not_a_working_day(cal: WorkingCalendar) -> None:
    assert not cal.is_workday(date(2025, 6, 14))
    assert not cal.is_workday(date(2025, 6, 15))
    assert cal.is_workday(date(2025, 6, 16))


def test_is_workday_accepts_a_datetime_and_reads_its_day(cal: WorkingCalendar) -> None:
    assert not cal.is_workday(datetime(2025, 10, 1, 9, 0, tzinfo=CST))
    assert cal.is_workday(datetime(2025, 10, 9, 23, 59, tzinfo=CST))


# --- add_working_days ------------------------------------------------------------------------------


def test_twenty_working_days_across_national_day_2025_skip_the_holiday_and_count_make_up_days(
    cal: WorkingCalendar,
) -> None:
    # Counting from Friday 26 Sep: Sep 28 (Sun, make-up) 1, Sep 29 2, Sep 30 3, Oct 1-8 off,
    # Oct 9 4, Oct 10 5, Oct 11 (Sat, make-up) 6, Oct 13-17 7-11, Oct 20-24 12-16, Oct 27-30 17-20.
    start = datetime(2025, 9, 26, 10, 30, tzinfo=CST)
    assert cal.add_working_days(start, 20) == datetime(2025, 10, 30, 23, 59, 59, tzinfo=CST)


def test_one_working_day_from_a_friday_lands_on_the_monday(cal: WorkingCalendar) -> None:
    friday = datetime(2025, 6, 13, 16, 0, tzinfo=CST)
    assert friday.weekday() == 4
    assert cal.add_working_days(friday, 1) == datetime(2025, 6, 16, 23, 59, 59, tzinfo=CST)


def test_the_count_starts_the_next_day_whatever_the_hour(cal: WorkingCalendar) -> None:
    early = datetime(2025, 6, 10, 0, 0, 1, tzinfo=CST)
    late = datetime(2025, 6, 10, 23, 59, 59, tzinfo=CST)
    assert cal.add_working_days(early, 1) == cal.add_working_days(late, 1)
    assert cal.add_working_days(early, 1).date() == date(2025, 6, 11)


def test_zero_working_days_on_a_working_day_ends_that_day(cal: WorkingCalendar) -> None:
    start = datetime(2025, 6, 13, 8, 0, tzinfo=CST)
    assert cal.add_working_days(start, 0) == datetime(2025, 6, 13, 23, 59, 59, tzinfo=CST)


def test_zero_working_days_on_a_day_off_ends_the_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2025, 6, 14), 0) == datetime(2025, 6, 16, 23, 59, 59)
    assert cal.add_working_days(date(2025, 10, 1), 0) == datetime(2025, 10, 9, 23, 59, 59)


def test_zero_working_days_on_a_make_up_sunday_ends_that_sunday(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(date(2025, 9, 28), 0) == datetime(2025, 9, 28, 23, 59, 59)


def test_a_deadline_keeps_the_start_time_zone(cal: WorkingCalendar) -> None:
    utc_start = datetime(2025, 6, 13, 12, 0, tzinfo=UTC)
    deadline = cal.add_working_days(utc_start, 1)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2025, 6, 16, 23, 59, 59, tzinfo=UTC)


def test_a_date_start_gives_a_naive_deadline(cal: WorkingCalendar) -> None:
    deadline = cal.add_working_days(date(2025, 6, 13), 1)
    assert deadline.tzinfo is None
    assert deadline == datetime(2025, 6, 16, 23, 59, 59)


def test_a_negative_number_of_working_days_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(date(2025, 6, 13), -1)


def test_a_deadline_may_cross_into_the_next_year(cal: WorkingCalendar) -> None:
    # 2025-12-31 (Wed) + 1: 2026-01-01 to 03 off, 2026-01-04 (Sun) is a make-up working day.
    assert cal.add_working_days(date(2025, 12, 31), 1) == datetime(2026, 1, 4, 23, 59, 59)


# --- working_days_between ------------------------------------------------------------------------


def test_working_days_between_counts_after_start_up_to_and_including_end(cal: WorkingCalendar) -> None:
    # (Sep 30, Oct 12]: Oct 1-8 off, Oct 9, 10, 11 (Sat, make-up) work, Oct 12 Sunday.
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 12)) == 3
    # (Fri Jun 13, Mon Jun 16]: only the Monday.
    assert cal.working_days_between(date(2025, 6, 13), date(2025, 6, 16)) == 1


def test_working_days_between_a_day_and_itself_or_an_earlier_day_is_zero(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(date(2025, 6, 13), date(2025, 6, 13)) == 0
    assert cal.working_days_between(date(2025, 6, 16), date(2025, 6, 13)) == 0


def test_working_days_between_reads_datetimes_by_their_day(cal: WorkingCalendar) -> None:
    start = datetime(2025, 6, 13, 23, 0, tzinfo=CST)
    end = datetime(2025, 6, 16, 1, 0, tzinfo=CST)
    assert cal.working_days_between(start, end) == 1


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    days=st.integers(min_value=1, max_value=40),
)
def test_counting_back_to_a_deadline_gives_the_number_of_working_days(start: date, days: int) -> None:
    cal = default_calendar()
    deadline = cal.add_working_days(start, days)
    assert cal.is_workday(deadline.date())
    assert cal.working_days_between(start, deadline.date()) == days
    assert cal.working_days_between(start, deadline.date() - timedelta(days=1)) == days - 1


# --- the override table ----------------------------------------------------------------------------


def test_the_packaged_table_covers_2027_with_an_estimate() -> None:
    table = load_packaged_overrides()
    entry = table[2027]
    assert entry.is_estimated
    assert entry.source == "estimated; replace with the State Council notice"


def test_2027_uses_the_override_table(cal: WorkingCalendar) -> None:
    assert cal.is_covered(2027)
    assert not cal.is_workday(date(2027, 1, 1))  # New Year, Friday
    assert not cal.is_workday(date(2027, 2, 5))  # Spring Festival eve, Friday
    assert not cal.is_workday(date(2027, 2, 12))  # Spring Festival, Friday
    assert cal.is_workday(date(2027, 1, 31))  # make-up Sunday
    assert cal.is_workday(date(2027, 2, 20))  # make-up Saturday
    assert not cal.is_workday(date(2027, 4, 5))  # Qingming, Monday
    assert not cal.is_workday(date(2027, 5, 5))  # Labour Day, Wednesday
    assert not cal.is_workday(date(2027, 6, 9))  # Dragon Boat, Wednesday
    assert not cal.is_workday(date(2027, 9, 15))  # Mid-Autumn, Wednesday
    assert not cal.is_workday(date(2027, 10, 7))  # National Day, Thursday
    assert cal.is_workday(date(2027, 10, 8))  # Friday after National Day
    assert cal.is_workday(date(2027, 10, 9))  # make-up Saturday
    assert cal.is_workday(date(2027, 3, 3))  # an ordinary Wednesday


def test_the_2027_make_up_days_are_weekend_days() -> None:
    for day in load_packaged_overrides()[2027].workdays:
        assert day.weekday() >= 5


def test_a_deadline_across_spring_festival_2027_skips_the_holiday(cal: WorkingCalendar) -> None:
    # Thu Feb 4 + 2: Feb 5-14 off, Mon Feb 15 (1), Tue Feb 16 (2).
    assert cal.add_working_days(date(2027, 2, 4), 2) == datetime(2027, 2, 16, 23, 59, 59)


def test_a_custom_override_table_sets_holidays_and_make_up_days() -> None:
    cal = WorkingCalendar(
        {2030: YearOverride(2030, holidays=frozenset({date(2030, 1, 1)}), workdays=frozenset({date(2030, 1, 5)}))}
    )
    assert cal.is_covered(2030)
    assert not cal.is_workday(date(2030, 1, 1))  # a Tuesday, made a holiday
    assert cal.is_workday(date(2030, 1, 5))  # a Saturday, made a working day
    assert not cal.is_workday(date(2030, 1, 6))  # an ordinary Sunday
    assert cal.is_workday(date(2030, 1, 2))


def test_the_package_data_wins_over_the_table_for_years_it_covers() -> None:
    cal = WorkingCalendar({2025: YearOverride(2025, holidays=frozenset({date(2025, 3, 3)}))})
    assert cal.is_workday(date(2025, 3, 3))
    assert not cal.is_workday(date(2025, 10, 1))


def test_a_year_without_any_data_falls_back_to_monday_to_friday() -> None:
    cal = WorkingCalendar({})
    assert not cal.is_covered(2031)
    assert not cal.is_covered(2027)
    assert cal.is_workday(date(2031, 10, 1))  # a Wednesday: no National Day without data
    assert not cal.is_workday(date(2031, 10, 4))  # a Saturday
    assert cal.is_workday(date(2027, 2, 8))  # Monday of Spring Festival 2027, unknown here


def test_coverage_follows_the_package_data_range() -> None:
    cal = WorkingCalendar({})
    assert cal.is_covered(2004)
    assert cal.is_covered(2026)
    assert not cal.is_covered(2003)


def test_default_calendar_is_built_once_and_covers_2027() -> None:
    assert default_calendar() is default_calendar()
    assert default_calendar().is_covered(2027)


def test_parse_overrides_reads_the_json_shape() -> None:
    table = parse_overrides(
        {"years": {"2032": {"source": "test", "holidays": ["2032-01-01"], "workdays": ["2032-01-03"]}}}
    )
    assert table == {2032: YearOverride(2032, frozenset({date(2032, 1, 1)}), frozenset({date(2032, 1, 3)}), "test")}
    assert not table[2032].is_estimated


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (lambda: YearOverride(2030, holidays=frozenset({date(2031, 1, 1)})), "another year"),
        (lambda: YearOverride(2030, workdays=frozenset({date(2030, 1, 2)})), "weekday already"),
        (
            lambda: YearOverride(2030, holidays=frozenset({date(2030, 1, 5)}), workdays=frozenset({date(2030, 1, 5)})),
            "both holiday and workday",
        ),
    ],
    ids=["date in another year", "weekday as make-up day", "day in both lists"],
)
def test_an_inconsistent_override_is_refused(override: object, message: str) -> None:
    assert callable(override)
    with pytest.raises(ValueError, match=message):
        override()


def test_an_override_keyed_under_the_wrong_year_is_refused() -> None:
    with pytest.raises(ValueError, match="keyed 2031"):
        WorkingCalendar({2031: YearOverride(2030)})


def test_a_malformed_override_table_is_refused() -> None:
    with pytest.raises(ValueError, match="list of ISO dates"):
        parse_overrides({"years": {"2030": {"holidays": "2030-01-01"}}})
    with pytest.raises(ValueError, match="object keyed by year"):
        parse_overrides({"years": ["2030"]})
