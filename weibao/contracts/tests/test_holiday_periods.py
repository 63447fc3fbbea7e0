"""Whole holiday periods (issue 21): weekend days inside a golden week are off for six- and seven-day calendars.

The second, independent source is the `chinesecalendar` package (a test-only dependency), which lists every day of
each State Council notice's period, weekend days included; plus the golden weeks transcribed from the notices.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weibao.contracts.clock import (
    DayKind,
    china_holiday_periods,
    china_statutory,
    deadline,
    deadlines,
    elapsed,
    local_time,
    weekly_calendar,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAL_5 = weekly_calendar("09:00-12:00,13:00-18:00", range(5), name="5x8")
CAL_6 = weekly_calendar("08:00-18:00", range(6), name="6x10")
CAL_7 = weekly_calendar("08:00-20:00", range(7), name="7x12")
SHAPES = {"5-day": (CAL_5, 5), "6-day": (CAL_6, 6), "7-day": (CAL_7, 7)}

# Golden weeks transcribed from the State Council's notices (国务院办公厅关于…部分节假日安排的通知), first and last day off.
GOLDEN_WEEKS = {
    2020: [(date(2020, 1, 24), date(2020, 2, 2)), (date(2020, 10, 1), date(2020, 10, 8))],  # 春节 extended; 国庆中秋
    2021: [(date(2021, 2, 11), date(2021, 2, 17)), (date(2021, 10, 1), date(2021, 10, 7))],
    2022: [(date(2022, 1, 31), date(2022, 2, 6)), (date(2022, 10, 1), date(2022, 10, 7))],
    2023: [(date(2023, 1, 21), date(2023, 1, 27)), (date(2023, 9, 29), date(2023, 10, 6))],  # 中秋国庆
    2024: [(date(2024, 2, 10), date(2024, 2, 17)), (date(2024, 10, 1), date(2024, 10, 7))],
    2025: [(date(2025, 1, 28), date(2025, 2, 4)), (date(2025, 10, 1), date(2025, 10, 8))],  # 国庆中秋 8 days
    2026: [(date(2026, 2, 15), date(2026, 2, 23)), (date(2026, 10, 1), date(2026, 10, 7))],
}


def official_working(day: date, days_a_week: int) -> bool:
    """The second source's answer: a weekly working day not inside a holiday period, or a make-up working day."""
    if day in chinese_calendar.workdays:
        return True
    return day.weekday() < days_a_week and day not in chinese_calendar.holidays


def every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_day_2020_to_2026_agrees_with_the_official_schedule(shape):
    cal, days_a_week = SHAPES[shape]
    wrong = [
        (day.isoformat(), cal.day_info(day).kind)
        for day in every_day(date(2020, 1, 1), date(2026, 12, 31))
        if cal.day_info(day).is_working != official_working(day, days_a_week)
    ]
    assert wrong == []


@pytest.mark.parametrize("year", GOLDEN_WEEKS)
def test_golden_weeks_are_whole_periods_as_in_the_notices(year):
    periods = {(p.first, p.last) for p in china_holiday_periods(year)}
    for first, last in GOLDEN_WEEKS[year]:
        assert (first, last) in periods
        # A Saturday-and-Sunday service desk is closed on every day of the period.
        assert not any(CAL_7.day_info(d).is_working for d in every_day(first, last))


def test_the_weekend_inside_national_day_2025_is_a_holiday_with_the_period_as_reason():
    info = CAL_6.day_info(date(2025, 10, 4))
    assert (info.kind, info.is_working) == (DayKind.HOLIDAY, False)
    assert info.name == "国庆节、中秋节 (放假调休)"
    # The statutory weekdays keep the package's own names.
    assert CAL_6.day_info(date(2025, 10, 1)).name == "国庆节"
    # Sat Oct 11 is a make-up working day (a working day anyway on this calendar).
    assert CAL_6.day_info(date(2025, 10, 11)).kind == DayKind.MAKEUP


def test_period_of_national_day_2025_knows_its_make_up_days():
    (period,) = [p for p in china_holiday_periods(2025) if date(2025, 10, 4) in p]
    assert (period.first, period.last) == (date(2025, 10, 1), date(2025, 10, 8))
    assert period.makeup == (date(2025, 9, 28), date(2025, 10, 11))


def test_a_new_year_period_crossing_the_year_is_off_on_both_sides():
    # 元旦 2023: 2022-12-31 (Saturday) to 2023-01-02.
    assert date(2022, 12, 31) in china_statutory(2022)[0]
    assert not CAL_6.day_info(date(2022, 12, 31)).is_working
    assert not CAL_6.day_info(date(2023, 1, 2)).is_working


def test_six_day_deadline_across_national_day_2025():
    """Acceptance: Mon–Sat 08:00–18:00, 2 working hours from 2025-09-30 17:00 → 2025-10-09 09:00."""
    due = deadline(CAL_6, local_time("2025-09-30 17:00"), timedelta(hours=2))
    assert CAL_6.local(due).strftime("%Y-%m-%d %H:%M") == "2025-10-09 09:00"


def test_seven_day_deadline_across_spring_festival_2026():
    # 7x12: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 make-up days; 13 h from Feb 14 19:00 → Feb 24 20:00.
    due = deadline(CAL_7, local_time("2026-02-14 19:00"), timedelta(hours=13))
    assert CAL_7.local(due).strftime("%Y-%m-%d %H:%M") == "2026-02-24 20:00"


# --- properties: deadlines with pauses on a six-day calendar around each golden week ---------------------------


def oracle_deadline(start: datetime, minutes: int, pauses: list[tuple[datetime, datetime | None]]) -> datetime | None:
    """Hand computation from the second source: walk the working days (Mon–Sat 08:00–18:00, per chinesecalendar),
    cut out the closed pauses and count; an open pause that begins before that instant makes it unknown (None)."""
    left = timedelta(minutes=minutes)
    if left <= timedelta(0):
        return start
    closed = [(ps, pe) for ps, pe in pauses if pe is not None]
    opened = [ps for ps, pe in pauses if pe is None]
    day = start.astimezone(SHANGHAI).date()
    found = None
    while found is None:
        if official_working(day, 6):
            segments = [
                (
                    max(start, datetime.combine(day, time(8), SHANGHAI).astimezone(UTC)),
                    datetime.combine(day, time(18), SHANGHAI).astimezone(UTC),
                )
            ]
            for ps, pe in closed:
                cut = []
                for s, e in segments:
                    if pe <= s or ps >= e:
                        cut.append((s, e))
                        continue
                    if ps > s:
                        cut.append((s, ps))
                    if pe < e:
                        cut.append((pe, e))
                segments = cut
            for s, e in sorted(segments):
                if e <= s:
                    continue
                if e - s >= left:
                    found = s + left
                    break
                left -= e - s
        day += timedelta(days=1)
    if any(max(ps, start) < found for ps in opened):
        return None
    return found


golden_starts = st.sampled_from([first for weeks in GOLDEN_WEEKS.values() for first, _last in weeks])


@st.composite
def cases(draw):
    first = draw(golden_starts)
    start_local = datetime.combine(first, time(0), SHANGHAI) + timedelta(
        days=draw(st.integers(-10, 3)), minutes=draw(st.integers(0, 24 * 60 - 1))
    )
    start = start_local.astimezone(UTC)
    minutes = draw(st.integers(0, 80 * 60))
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        ps = start + timedelta(minutes=draw(st.integers(-600, 20 * 24 * 60)))
        pauses.append((ps, ps + timedelta(minutes=draw(st.integers(1, 3 * 24 * 60)))))
    if draw(st.booleans()) and draw(st.booleans()):
        pauses.append((start + timedelta(minutes=draw(st.integers(0, 30 * 24 * 60))), None))
    return start, minutes, pauses


@settings(max_examples=300, deadline=None)
@given(cases())
def test_six_day_deadlines_with_pauses_around_golden_weeks_match_a_hand_computation(case):
    start, minutes, pauses = case
    expected = oracle_deadline(start, minutes, pauses)
    assert deadline(CAL_6, start, timedelta(minutes=minutes), pauses) == expected


@settings(max_examples=200, deadline=None)
@given(cases())
def test_six_day_deadlines_never_fall_inside_a_holiday_period(case):
    start, minutes, pauses = case
    closed = [(ps, pe) for ps, pe in pauses if pe is not None]
    due = deadline(CAL_6, start, timedelta(minutes=minutes), closed)
    if minutes:
        last_minute = CAL_6.local(due - timedelta(microseconds=1)).date()
        assert official_working(last_minute, 6)
        assert not any(last_minute in p for p in china_holiday_periods(last_minute.year))
    assert elapsed(CAL_6, start, due, closed) == timedelta(minutes=minutes)
    # Several clocks at once agree with one at a time.
    assert deadlines(CAL_6, start, [timedelta(minutes=minutes)], closed) == [due]


def test_a_one_day_holiday_joined_to_the_weekend_leaves_saturday_a_working_day():
    # 端午节 2024: "6月10日放假，与周末连休" — Sat 8 and Sun 9 June are ordinary weekend days.
    assert CAL_6.day_info(date(2024, 6, 8)).is_working
    assert not CAL_6.day_info(date(2024, 6, 10)).is_working
