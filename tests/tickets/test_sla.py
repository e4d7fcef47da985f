"""Working-hours arithmetic over the 2026 calendar (国务院办公厅 2026 年节假日安排):
nights, weekends, holidays, make-up working days (调休), several days; and the calendar
administered in the admin."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callcenter.tickets import demo
from callcenter.tickets.choices import DayKind
from callcenter.tickets.models import CalendarDay, WorkCalendar
from callcenter.tickets.sla import Schedule, add_working_hours, working_time_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOLIDAYS = frozenset(day for _name, off, _work in demo.HOLIDAYS[2026] for day in off)
WORKDAYS = frozenset(day for _name, _off, work in demo.HOLIDAYS[2026] for day in work)
SCHEDULE = Schedule(time(8, 30), time(17, 30), HOLIDAYS, WORKDAYS, SHANGHAI)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Within a day (Monday 23 November 2026).
        (at(11, 23, 9), 2, at(11, 23, 11)),
        (at(11, 23, 9), Decimal("0.5"), at(11, 23, 9, 30)),
        (at(11, 23, 8, 30), 9, at(11, 23, 17, 30)),  # ends exactly at closing time
        # Over a night.
        (at(11, 23, 16, 30), 2, at(11, 24, 9, 30)),
        (at(11, 23, 7), 1, at(11, 23, 9, 30)),  # before opening
        (at(11, 23, 18), 1, at(11, 24, 9, 30)),  # after closing
        (at(11, 23, 23, 59), 1, at(11, 24, 9, 30)),
        # Over a weekend.
        (at(11, 27, 17), 1, at(11, 30, 9)),  # Friday → Monday
        (at(11, 28, 10), 1, at(11, 30, 9, 30)),  # Saturday → Monday
        (at(11, 22, 10, 50), 2, at(11, 23, 10, 30)),  # Sunday → Monday
        # Several days: 8.5 + 9 + 9 + 0.5.
        (at(11, 23, 9), 27, at(11, 26, 9)),
        (at(11, 23, 9), 45, at(11, 30, 9)),  # a working week later
        # National Day 1–7 October; 20 September (Sunday) and 10 October (Saturday) worked.
        (at(9, 30, 16, 30), 2, at(10, 8, 9, 30)),
        (at(10, 9, 17), 1, at(10, 10, 9)),  # into the make-up Saturday
        (at(9, 19, 10), 1, at(9, 20, 9, 30)),  # Saturday → the make-up Sunday
        (at(10, 10, 17), 1, at(10, 12, 9)),  # make-up Saturday → Monday
        # Spring Festival 15–23 February; 14 and 28 February (Saturdays) worked.
        (at(2, 13, 16, 30), 2, at(2, 14, 9, 30)),
        (at(2, 14, 17), 1, at(2, 24, 9)),
        (at(2, 14, 17), 10, at(2, 25, 9)),
        # New Year's Day (Thursday) to the 3rd; Sunday 4 January worked.
        (at(1, 1, 9), 1, at(1, 4, 9, 30)),
        # Qingming 4–6 April (Saturday to Monday): nothing worked.
        (at(4, 3, 17), 1, at(4, 7, 9)),
    ],
)
def test_due_times(start: datetime, hours: Decimal | int, due: datetime) -> None:
    assert add_working_hours(start, hours, SCHEDULE) == due


def test_result_keeps_the_time_zone_of_the_start() -> None:
    start = at(11, 23, 9).astimezone(UTC)
    due = add_working_hours(start, 1, SCHEDULE)
    assert due.tzinfo is UTC
    assert due == at(11, 23, 10)


def test_zero_hours_and_bad_input() -> None:
    assert add_working_hours(at(11, 28, 3), 0, SCHEDULE) == at(11, 28, 3)
    with pytest.raises(ValueError, match="aware"):
        add_working_hours(datetime(2026, 11, 23, 9), 1, SCHEDULE)
    with pytest.raises(ValueError, match="negative"):
        add_working_hours(at(11, 23, 9), -1, SCHEDULE)
    every_day_off = Schedule(
        holidays=frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(800))
    )
    with pytest.raises(ValueError, match="no working day"):
        add_working_hours(at(1, 1, 9), 1, every_day_off)
    with pytest.raises(ValueError, match="end after"):
        Schedule(time(17), time(9))


def test_working_time_between() -> None:
    assert working_time_between(at(11, 27, 17), at(11, 30, 9), SCHEDULE) == timedelta(hours=1)
    # 8.5 on 30 September, nothing 1–7 October, 9 on the 8th, 0.5 on the 9th.
    assert working_time_between(at(9, 30, 9), at(10, 9, 9), SCHEDULE) == timedelta(hours=18)
    assert working_time_between(at(11, 30, 9), at(11, 27, 9), SCHEDULE) == timedelta(0)


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),
        max_value=datetime(2026, 12, 31),
        timezones=st.just(SHANGHAI),
    ),
    minutes=st.integers(min_value=1, max_value=60 * 120),
)
def test_due_time_properties(start: datetime, minutes: int) -> None:
    hours = timedelta(minutes=minutes)
    due = add_working_hours(start, hours, SCHEDULE)
    local = due.astimezone(SHANGHAI)
    assert due > start
    assert SCHEDULE.is_working_day(local.date())
    assert time(8, 30) < local.time() <= time(17, 30)
    assert working_time_between(start, due, SCHEDULE) == hours


def test_the_administered_calendar(db: None) -> None:
    default = WorkCalendar.current()
    assert default.pk is None
    assert default.schedule().day_start == time(8, 30)
    calendar = WorkCalendar.objects.create(day_start=time(9), day_end=time(18))
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 12, 31), kind=DayKind.HOLIDAY)
    CalendarDay.objects.create(calendar=calendar, date=date(2026, 12, 26), kind=DayKind.WORKDAY)
    schedule = WorkCalendar.current().schedule()
    assert (schedule.day_start, schedule.day_end) == (time(9), time(18))
    assert not schedule.is_working_day(date(2026, 12, 31))  # a Thursday off
    assert schedule.is_working_day(date(2026, 12, 26))  # a Saturday worked
    due = add_working_hours(datetime(2026, 12, 30, 17, 30, tzinfo=SHANGHAI), 1, schedule)
    # Half an hour on the 30th, none on the 31st, half an hour on Friday 1 January 2027
    # (not entered as a holiday in this calendar).
    assert due == datetime(2027, 1, 1, 9, 30, tzinfo=SHANGHAI)


def test_calendar_validation(db: None) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        WorkCalendar(day_start=time(18), day_end=time(9)).full_clean()
    assert "day_end" in error.value.message_dict
