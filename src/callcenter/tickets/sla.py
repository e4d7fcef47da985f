"""Working-hours arithmetic for deadlines (SLA): pure, no database.

`Schedule` says when people work: the daily hours (e.g. 08:30–17:30), the public holidays
(days off, even on a weekday) and the make-up working days (调休: a Saturday or Sunday
that is worked). A day is a working day when it is a make-up day, or a Monday to Friday
that is not a holiday.

`add_working_hours(start, hours, schedule) -> datetime`: the moment `hours` of working
time after `start`, skipping nights, weekends and holidays:

- a start outside working time counts from the next start of working time;
- a deadline that falls exactly at the end of a working day stays there (17:30), it is
  not moved to the next morning;
- zero hours returns `start` unchanged;
- the result is in the time zone of `start` (an aware `start` is required; the
  arithmetic is done in the schedule's zone, Asia/Shanghai by default).

`tickets.models.WorkCalendar.schedule()` builds the schedule from the calendar
administered in the web admin.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

# A year of holidays and no make-up day cannot leave more than a few weeks without work;
# a schedule that does (a bad calendar) is refused instead of looping for ever.
MAX_DAYS_WITHOUT_WORK = 366


@dataclass(frozen=True)
class Schedule:
    day_start: time = time(8, 30)
    day_end: time = time(17, 30)
    holidays: Collection[date] = field(default_factory=frozenset)
    workdays: Collection[date] = field(default_factory=frozenset)  # 调休 make-up days
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def __post_init__(self) -> None:
        if self.day_end <= self.day_start:
            raise ValueError("the working day must end after it starts")

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment)


def as_timedelta(hours: float | Decimal | int | timedelta) -> timedelta:
    if isinstance(hours, timedelta):
        return hours
    return timedelta(seconds=round(float(hours) * 3600))


def add_working_hours(
    start: datetime, hours: float | Decimal | int | timedelta, schedule: Schedule
) -> datetime:
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    remaining = as_timedelta(hours)
    if remaining < timedelta(0):
        raise ValueError("hours must not be negative")
    if remaining == timedelta(0):
        return start
    # Naive local time: Asia/Shanghai has no daylight saving, and naive arithmetic on the
    # wall clock is what "working hours" means anyway.
    cursor = start.astimezone(schedule.zone).replace(tzinfo=None)
    idle_days = 0
    while True:
        day = cursor.date()
        opens, closes = _at(day, schedule.day_start), _at(day, schedule.day_end)
        if not schedule.is_working_day(day) or cursor >= closes:
            idle_days += 0 if schedule.is_working_day(day) else 1
            if idle_days > MAX_DAYS_WITHOUT_WORK:
                raise ValueError("the calendar has no working day within a year")
            cursor = _at(day + timedelta(days=1), schedule.day_start)
            continue
        idle_days = 0
        cursor = max(cursor, opens)
        available = closes - cursor
        if remaining <= available:
            local = cursor + remaining
            return local.replace(tzinfo=schedule.zone).astimezone(start.tzinfo)
        remaining -= available
        cursor = _at(day + timedelta(days=1), schedule.day_start)


def working_time_between(start: datetime, end: datetime, schedule: Schedule) -> timedelta:
    """Working time from `start` to `end` (zero when `end` is not after `start`): how late
    or early an order was, in working hours."""
    if end <= start:
        return timedelta(0)
    cursor = start.astimezone(schedule.zone).replace(tzinfo=None)
    stop = end.astimezone(schedule.zone).replace(tzinfo=None)
    total = timedelta(0)
    while cursor < stop:
        day = cursor.date()
        if schedule.is_working_day(day):
            opens = max(cursor, _at(day, schedule.day_start))
            closes = min(stop, _at(day, schedule.day_end))
            if closes > opens:
                total += closes - opens
        cursor = _at(day + timedelta(days=1), time(0))
    return total
