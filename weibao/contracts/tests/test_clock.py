"""The SLA clock engine: properties (hypothesis) and fixed cases around Chinese holidays."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weibao.contracts.clock import (
    ALWAYS,
    DayKind,
    WorkingCalendar,
    china_statutory,
    china_year_status,
    deadline,
    deadlines,
    elapsed,
    local_time,
    parse_hours,
    remaining,
    weekly_calendar,
)

CAL_5X8 = weekly_calendar("09:00-12:00,13:00-18:00", name="5x8")
CAL_6X10 = weekly_calendar("08:00-18:00", range(6), name="6x10")

instants = st.datetimes(min_value=datetime(2024, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC))  # noqa: DTZ001
durations = st.integers(min_value=0, max_value=400 * 3600).map(lambda s: timedelta(seconds=s))
calendars = st.sampled_from([ALWAYS, CAL_5X8, CAL_6X10])


def at(text: str) -> datetime:
    return local_time(text)


def local(cal: WorkingCalendar, value: datetime) -> str:
    return cal.local(value).strftime("%Y-%m-%d %H:%M")


# --- properties ---------------------------------------------------------------------------------


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(instants, durations)
def test_always_equals_wall_clock(start, duration):
    assert ALWAYS.add(start, duration) == start + duration
    assert ALWAYS.elapsed(start, start + duration) == duration
    assert deadline(ALWAYS, start, duration) == start + duration


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(calendars, instants, durations)
def test_elapsed_inverts_deadline(cal, start, duration):
    assert cal.elapsed(start, cal.add(start, duration)) == duration


@settings(max_examples=200, deadline=None)
@given(calendars, instants, durations, st.integers(min_value=0, max_value=30 * 86400))
def test_deadline_monotonic_in_start(cal, start, duration, shift):
    later = start + timedelta(seconds=shift)
    assert cal.add(later, duration) >= cal.add(start, duration)


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(calendars, instants, durations, durations)
def test_deadline_monotonic_in_duration(cal, start, d1, d2):
    small, big = sorted((d1, d2))
    assert cal.add(start, small) <= cal.add(start, big)


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(calendars, instants, durations)
def test_deadline_is_earliest_instant(cal, start, duration):
    # One microsecond earlier, the clock had not yet run the whole duration.
    end = cal.add(start, duration)
    if duration > timedelta(0):
        assert cal.elapsed(start, end - timedelta(microseconds=1)) < duration


@settings(max_examples=300, deadline=None)
@given(
    calendars,
    instants,
    durations,
    st.integers(min_value=0, max_value=200 * 3600),
    st.integers(min_value=0, max_value=20 * 86400),
)
def test_pause_moves_deadline_by_its_business_length(cal, start, duration, offset, length):
    pause_start = start + timedelta(seconds=offset)
    pause_end = pause_start + timedelta(seconds=length)
    p = cal.elapsed(pause_start, pause_end)  # the pause's length on business time
    plain = cal.add(start, duration)
    paused = deadline(cal, start, duration, [(pause_start, pause_end)])
    if pause_start >= plain:
        assert paused == plain  # a pause after the deadline changes nothing
    else:
        # Moving by p of business time, measured from the deadline without the pause.
        assert cal.elapsed(plain, paused) == p
        assert elapsed(cal, start, paused, [(pause_start, pause_end)]) == duration


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(calendars, instants, durations, st.lists(st.tuples(st.integers(0, 100 * 3600), st.integers(0, 50 * 3600))))
def test_elapsed_with_pauses_inverts_deadline(cal, start, duration, raw):
    pauses = [(start + timedelta(seconds=o), start + timedelta(seconds=o + n)) for o, n in raw]
    end = deadline(cal, start, duration, pauses)
    assert elapsed(cal, start, end, pauses) == duration


@settings(deadline=None)  # timing varies on a shared machine; correctness is what is tested
@given(calendars, instants, durations)
def test_is_working_matches_elapsed(cal, start, duration):
    one = timedelta(seconds=1)
    assert cal.is_working(start) == (cal.elapsed(start, start + one) == one)


# --- fixed cases: China's holidays and make-up working days ---------------------------------------


def test_statutory_data_2025_and_2026():
    holidays_2025, workdays_2025 = china_statutory(2025)
    assert set(workdays_2025) == {
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    }
    holidays_2026, workdays_2026 = china_statutory(2026)
    assert set(workdays_2026) == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    for d in (date(2026, 2, 16), date(2026, 2, 20), date(2026, 2, 23), date(2026, 10, 5), date(2026, 10, 7)):
        assert d in holidays_2026
    assert china_year_status(2026) == "official"
    assert china_year_status(2099) == "estimated"


def test_spring_festival_2025_skips_the_golden_week():
    # Monday 27 Jan 17:00, 2 h of 5x8 time: 1 h that evening, then 28 Jan–4 Feb are off.
    end = CAL_5X8.add(at("2025-01-27 17:00"), timedelta(hours=2))
    assert local(CAL_5X8, end) == "2025-02-05 10:00"


def test_spring_festival_2025_makeup_sunday_counts():
    # Sunday 26 Jan 2025 is a make-up working day (调休上班): the clock runs from 09:00.
    assert CAL_5X8.day_info(date(2025, 1, 26)).kind == DayKind.MAKEUP
    end = CAL_5X8.add(at("2025-01-25 20:00"), timedelta(hours=1))
    assert local(CAL_5X8, end) == "2025-01-26 10:00"


def test_spring_festival_2025_makeup_saturday_8_feb():
    end = CAL_5X8.add(at("2025-02-07 17:30"), timedelta(hours=1))
    assert local(CAL_5X8, end) == "2025-02-08 09:30"


def test_national_day_2025():
    # Sunday 28 Sep 2025 works; 1–8 Oct are off; Saturday 11 Oct works.
    assert local(CAL_5X8, CAL_5X8.add(at("2025-09-27 12:00"), timedelta(minutes=30))) == "2025-09-28 09:30"
    assert local(CAL_5X8, CAL_5X8.add(at("2025-09-30 17:00"), timedelta(hours=9))) == "2025-10-09 18:00"
    assert local(CAL_5X8, CAL_5X8.add(at("2025-10-10 17:00"), timedelta(hours=2))) == "2025-10-11 10:00"


def test_spring_festival_2026():
    # Saturday 14 Feb works; 15–23 Feb off; Saturday 28 Feb works.
    assert local(CAL_5X8, CAL_5X8.add(at("2026-02-13 17:00"), timedelta(hours=2))) == "2026-02-14 10:00"
    assert local(CAL_5X8, CAL_5X8.add(at("2026-02-14 17:00"), timedelta(hours=2))) == "2026-02-24 10:00"
    assert CAL_5X8.day_info(date(2026, 2, 28)).kind == DayKind.MAKEUP
    assert local(CAL_5X8, CAL_5X8.add(at("2026-02-27 18:00"), timedelta(hours=1))) == "2026-02-28 10:00"


def test_national_day_2026_report_one_minute_before_closing():
    # Wednesday 30 Sep 2026 17:59, 15-minute response: 1 minute that day, 1–7 Oct off, 14 minutes on 8 Oct.
    start = at("2026-09-30 17:59")
    assert local(CAL_5X8, CAL_5X8.add(start, timedelta(minutes=15))) == "2026-10-08 09:14"
    # Exactly the minute that is left: the deadline is closing time itself, not the next opening.
    assert local(CAL_5X8, CAL_5X8.add(start, timedelta(minutes=1))) == "2026-09-30 18:00"
    # Sunday 20 Sep 2026 works, Saturday 10 Oct 2026 works.
    assert CAL_5X8.day_info(date(2026, 9, 20)).kind == DayKind.MAKEUP
    assert local(CAL_5X8, CAL_5X8.add(at("2026-10-09 17:00"), timedelta(hours=2))) == "2026-10-10 10:00"


def test_lunch_break_is_skipped():
    assert local(CAL_5X8, CAL_5X8.add(at("2026-03-02 11:30"), timedelta(hours=1))) == "2026-03-02 13:30"
    assert local(CAL_5X8, CAL_5X8.add(at("2026-03-02 12:15"), timedelta(minutes=10))) == "2026-03-02 13:10"
    assert not CAL_5X8.is_working(at("2026-03-02 12:30"))
    assert CAL_5X8.elapsed(at("2026-03-02 11:00"), at("2026-03-02 14:00")) == timedelta(hours=2)


def test_weekend_on_5x8_but_not_on_6x10():
    saturday = at("2026-03-07 10:00")
    assert not CAL_5X8.is_working(saturday)
    assert CAL_6X10.is_working(saturday)


def test_override_wins_over_everything():
    cal = WorkingCalendar(
        weekly={d: parse_hours("09:00-18:00") for d in range(5)},
        overrides={date(2026, 3, 2): (), date(2026, 3, 7): parse_hours("10:00-12:00")},
        override_reasons={date(2026, 3, 2): "停电"},
    )
    assert cal.day_info(date(2026, 3, 2)).kind == DayKind.OVERRIDE_CLOSED
    assert local(cal, cal.add(at("2026-02-27 17:00"), timedelta(hours=2))) == "2026-03-03 10:00"
    assert local(cal, cal.add(at("2026-03-06 17:30"), timedelta(hours=1))) == "2026-03-07 10:30"


def test_pause_while_waiting_on_customer():
    start = at("2026-03-02 09:00")  # Monday
    pause = (at("2026-03-02 10:00"), at("2026-03-03 10:00"))  # a whole business day waiting
    assert local(CAL_5X8, deadline(CAL_5X8, start, timedelta(hours=2), [pause])) == "2026-03-03 11:00"
    assert elapsed(CAL_5X8, start, at("2026-03-03 11:00"), [pause]) == timedelta(hours=2)
    assert deadline(CAL_5X8, start, timedelta(hours=2), [(at("2026-03-02 10:00"), None)]) is None
    assert remaining(CAL_5X8, start, timedelta(hours=2), at("2026-03-02 10:30")) == timedelta(minutes=30)


def test_time_zone_of_the_calendar():
    urumqi = weekly_calendar("09:00-18:00", tz="Asia/Urumqi")
    # 09:00 in Ürümqi is 03:00 UTC; the deadline comes back in UTC.
    end = urumqi.add(datetime(2026, 3, 2, 3, 0, tzinfo=UTC), timedelta(hours=1))
    assert end == datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    assert end.tzinfo is UTC


def test_daylight_saving_is_honoured():
    berlin = WorkingCalendar(weekly={6: parse_hours("00:00-24:00")}, tz="Europe/Berlin")  # Sundays only
    # Sunday 29 Mar 2026 has only 23 hours in Berlin.
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # = 00:00 local Sunday
    assert berlin.elapsed(start, start + timedelta(days=2)) == timedelta(hours=23)


@pytest.mark.parametrize("hours", ["18:00-09:00", "09:00-12:00,11:00-13:00", "09:00"])
def test_bad_hours_are_refused(hours):
    with pytest.raises(ValueError):  # noqa: PT011
        parse_hours(hours)


def test_calendar_without_hours_is_refused():
    with pytest.raises(ValueError):  # noqa: PT011
        WorkingCalendar(weekly={})


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        CAL_5X8.add(datetime(2026, 3, 2, 9, 0), timedelta(hours=1))  # noqa: DTZ001


def _reference_deadline(cal, start, duration, pauses):
    """Straightforward reference: walk the pauses with add() and elapsed() of the calendar."""
    if duration <= timedelta(0):
        return cal.add(start, duration)
    cur, left = start, duration
    for ps, pe in sorted(pauses, key=lambda p: p[0]):
        if pe is not None and pe <= cur:
            continue
        ps = max(ps, cur)
        if ps > cur:
            candidate = cal.add(cur, left)
            if candidate <= ps:
                return candidate
            left -= cal.elapsed(cur, ps)
        if pe is None:
            return None
        cur = max(cur, pe)
    return cal.add(cur, left)


@settings(max_examples=300, deadline=None)
@given(
    calendars,
    instants,
    st.lists(st.one_of(st.none(), durations), min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(-5 * 3600, 100 * 3600), st.integers(1, 50 * 3600), st.booleans()), max_size=3),
)
def test_deadlines_match_reference(cal, start, targets, raw):
    # Non-overlapping pauses (as a work order's waiting periods are), the last one possibly still open.
    pauses, cursor = [], start + timedelta(seconds=raw[0][0]) if raw else start
    for k, (_, length, still_open) in enumerate(raw):
        ps = cursor
        pe = None if (still_open and k == len(raw) - 1) else ps + timedelta(seconds=length)
        pauses.append((ps, pe))
        if pe is None:
            break
        cursor = pe + timedelta(seconds=length)
    got = deadlines(cal, start, targets, pauses)
    want = [None if d is None else _reference_deadline(cal, start, d, pauses) for d in targets]
    assert got == want
