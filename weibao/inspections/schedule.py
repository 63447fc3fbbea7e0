"""When a plan's visits fall: pure date arithmetic on a working calendar, no ORM (tested on its own).

A calendar frequency (monthly … yearly) cuts time into periods from the plan's first date; each period's visit
is the first working day of the period (a holiday is skipped, a make-up working day counts). "Every N working
days" chains visits N working days apart. A visit is keyed by its period's first day, so the same plan always
yields the same keys: generating again finds the visits it made before.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import cache

from weibao.contracts import clock
from weibao.inspections.choices import FREQUENCY_MONTHS, Frequency

ONE_DAY = timedelta(days=1)
MAX_SEARCH_DAYS = 60  # a period with no working day in two months is a broken calendar: no visit


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


@cache
def office_calendar() -> clock.WorkingCalendar:
    """Visits are office-hours work: on a 7x24 contract they follow China's 5x8 working days (weekends and
    statutory holidays off, make-up working days on), not the round-the-clock SLA hours."""
    return clock.WorkingCalendar(
        weekly={d: [("09:00", "18:00")] for d in range(5)}, statutory=clock.china_statutory, name="5x8 visits"
    )


def visit_day_test(cal: clock.WorkingCalendar) -> Callable[[date], bool]:
    """`is_visit_day(d)` for a calendar, memoised (generation asks the same dates for thousands of plans)."""
    if cal.always:
        cal = office_calendar()
    memo: dict[date, bool] = {}

    def is_visit_day(day: date) -> bool:
        result = memo.get(day)
        if result is None:
            result = memo[day] = cal.day_info(day).is_working
        return result

    return is_visit_day


def first_visit_day(is_visit_day: Callable[[date], bool], start: date, last: date) -> date | None:
    day = start
    while day <= last and (day - start).days <= MAX_SEARCH_DAYS:
        if is_visit_day(day):
            return day
        day += ONE_DAY
    return None


def slots(
    *, frequency: str, interval_days: int | None, anchor: date, until: date, is_visit_day: Callable[[date], bool]
) -> Iterator[tuple[date, date]]:
    """(period start, scheduled day) of every visit from `anchor` whose period starts on or before `until`."""
    if frequency == Frequency.WORKING_DAYS:
        if not interval_days or interval_days < 1:
            raise ValueError("every N working days needs N >= 1")
        day = first_visit_day(is_visit_day, anchor, until)
        while day is not None and day <= until:
            yield day, day
            # The N-th working day after this visit.
            count, nxt = 0, day
            while count < interval_days:
                nxt += ONE_DAY
                if (nxt - day).days > MAX_SEARCH_DAYS * interval_days:
                    return
                if is_visit_day(nxt):
                    count += 1
            day = nxt
        return
    months = FREQUENCY_MONTHS[frequency]
    k = 0
    while True:
        start = add_months(anchor, k * months)
        if start > until:
            return
        last = add_months(anchor, (k + 1) * months) - ONE_DAY
        day = first_visit_day(is_visit_day, start, last)
        if day is not None:
            yield start, day
        k += 1
