"""The SLA clock engine: business-time arithmetic on a working calendar (SPEC §3). Pure Python, no ORM.

A `WorkingCalendar` knows, for every local date, the intervals during which SLA clocks run: the weekly
pattern (e.g. Mon–Fri 09:00–12:00 and 13:00–18:00), statutory holidays (off), make-up working days
(调休, on, with the make-up hours) and per-date overrides set by an administrator (these win).

How it is fast: working intervals are expanded lazily, year by year, into sorted lists of absolute
instants (integer microseconds since the Unix epoch, UTC) plus the running total of business time
before each interval. A deadline is then two binary searches and an addition; no loop over minutes
or days. Because the intervals are absolute instants, daylight-saving changes in a site's zone are
honoured (an interval that spans a skipped hour is an hour shorter).

Conventions:
- Every datetime passed in must be aware; results are aware datetimes in UTC.
- `add(start, d)` is the earliest instant at which `d` of business time has run since `start`
  (so a deadline that falls exactly at closing time is closing time, not the next opening).
- Pauses are intervals of wall time, `(start, end)` or `(start, None)` for "still paused", during
  which the clock does not run (SPEC §3: waiting on the customer).
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
DAY_MINUTES = 24 * 60
US_PER_MINUTE = 60_000_000
MAX_YEARS_AHEAD = 60  # a deadline further than this is a configuration error (a calendar with no working time)

# An interval of a working day: (start minute, end minute) since local midnight, 0 <= start < end <= 1440.
Minutes = tuple[int, int]
Pause = tuple[datetime, datetime | None]


class DayKind:
    """Why a date is (not) a working day; used by the preview's reasoning and the yearly calendar view."""

    WORKDAY = "workday"
    WEEKEND = "weekend"  # no hours in the weekly pattern
    HOLIDAY = "holiday"  # statutory holiday (法定节假日)
    MAKEUP = "makeup"  # make-up working day (调休上班)
    OVERRIDE_CLOSED = "override_closed"
    OVERRIDE_OPEN = "override_open"  # an override that sets hours on the date


@dataclass(frozen=True, slots=True)
class DayInfo:
    """A resolved date: its kind, the working intervals in minutes, and a human name (holiday or reason)."""

    day: date
    kind: str
    hours: tuple[Minutes, ...]
    name: str = ""

    @property
    def is_working(self) -> bool:
        return bool(self.hours)


def _minutes(value: time | int | str, *, is_end: bool = False) -> int:
    """Minutes since midnight from a time, an int or "HH:MM"; an end of 00:00 or "24:00" means midnight."""
    if isinstance(value, int):
        result = value
    elif isinstance(value, str):
        hh, mm = value.strip().split(":")
        result = int(hh) * 60 + int(mm)
    else:
        result = value.hour * 60 + value.minute
    if is_end and result == 0:
        result = DAY_MINUTES
    return result


def normalise_hours(hours: Iterable[tuple[time | int | str, time | int | str]]) -> tuple[Minutes, ...]:
    """Check and sort the intervals of one day. Raises ValueError for inverted, empty or overlapping ones."""
    result = sorted((_minutes(a), _minutes(b, is_end=True)) for a, b in hours)
    for start, end in result:
        if not (0 <= start < end <= DAY_MINUTES):
            raise ValueError(f"inverted or out-of-range working hours {start}-{end}")
    for (_, end1), (start2, _) in zip(result, result[1:], strict=False):
        if start2 < end1:
            raise ValueError("overlapping working hours")
    return tuple(result)


def parse_hours(text: str) -> tuple[Minutes, ...]:
    """`"09:00-12:00, 13:00-18:00"` -> ((540, 720), (780, 1080)); an empty string is a day off."""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    pairs = []
    for part in parts:
        start, sep, end = part.replace("–", "-").partition("-")
        if not sep:
            raise ValueError(f"not an interval: {part!r}")
        pairs.append((start, end))
    return normalise_hours(pairs)


def format_hours(hours: Sequence[Minutes]) -> str:
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in hours)


@lru_cache(maxsize=256)
def china_statutory(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """Chinese statutory holidays and make-up working days of one year, from the `holidays` package.

    Returns (holidays, make-up workdays), each date -> name. The package lists the weekday holidays of
    the State Council's notice (weekend days inside a golden week are weekends anyway) and exposes the
    make-up Saturdays/Sundays as `weekend_workdays`.
    """
    import holidays  # imported here: building a calendar is rare, importing the package is not free

    cal = holidays.China(years=year)
    days = {d: str(name) for d, name in cal.items() if d.year == year}
    workdays = {}
    for d in sorted(cal.weekend_workdays):
        if d.year != year:
            continue
        # The package names the holiday that the working day pays for: "休息日（由 2025-01-26 调休）".
        paid_for = next((h for h, n in days.items() if d.isoformat() in n), None)
        workdays[d] = f"补{paid_for.month}月{paid_for.day}日休息" if paid_for else "调休"
    return days, workdays


def china_year_status(year: int) -> str:
    """'official' when the package carries the State Council notice for `year`, else 'estimated'.

    The notice for a year is published late in the year before; until the package is updated, the
    holiday dates are computed from the rules (no make-up days), which is only an estimate.
    """
    from holidays.countries.china import ChinaStaticHolidays

    special = getattr(ChinaStaticHolidays, "special_public_holidays", {})
    if not special:
        return "estimated"
    return "official" if year <= max(special) else "estimated"


class WorkingCalendar:
    """When SLA clocks run. Immutable after construction (internal caches aside); safe to share."""

    __slots__ = (
        "name",
        "tz",
        "zone",
        "always",
        "weekly",
        "makeup_hours",
        "holidays",
        "workdays",
        "overrides",
        "override_reasons",
        "statutory",
        "_lock",
        "_span",
    )

    def __init__(
        self,
        *,
        weekly: Mapping[int, Iterable] | Sequence[Iterable] | None = None,
        holidays: Mapping[date, str] | None = None,
        workdays: Mapping[date, str] | None = None,
        overrides: Mapping[date, Iterable] | None = None,
        override_reasons: Mapping[date, str] | None = None,
        tz: str = "Asia/Shanghai",
        makeup_hours: Iterable | None = None,
        statutory: Callable[[int], tuple[Mapping[date, str], Mapping[date, str]]] | None = None,
        always: bool = False,
        name: str = "",
    ) -> None:
        """Build a calendar.

        weekly: per weekday (0 = Monday) the working intervals, as (start, end) of time/"HH:MM"/minutes.
        holidays / workdays: extra fixed dates off / make-up working dates (date -> name).
        statutory: a function year -> (holidays, workdays), e.g. `china_statutory`, consulted lazily.
        overrides: date -> intervals (empty = closed); they win over everything else.
        makeup_hours: hours of a make-up working day; default the first non-empty weekday's hours.
        always: 7x24 — every instant counts, in plain wall-clock arithmetic.
        """
        self.name = name
        self.tz = tz
        self.zone = ZoneInfo(tz)
        self.always = always
        if always:
            self.weekly = tuple(((0, DAY_MINUTES),) for _ in range(7))
        else:
            items = weekly.items() if isinstance(weekly, Mapping) else enumerate(weekly or ())
            table: list[tuple[Minutes, ...]] = [() for _ in range(7)]
            for weekday, hours in items:
                table[int(weekday)] = normalise_hours(hours)
            self.weekly = tuple(table)
            if not any(self.weekly):
                raise ValueError("a weekly calendar needs working hours on at least one weekday")
        if makeup_hours is not None:
            self.makeup_hours = normalise_hours(makeup_hours)
        else:
            self.makeup_hours = next((h for h in self.weekly if h), ())
        self.holidays = dict(holidays or {})
        self.workdays = dict(workdays or {})
        self.overrides = {d: normalise_hours(h) for d, h in (overrides or {}).items()}
        self.override_reasons = dict(override_reasons or {})
        self.statutory = statutory
        self._lock = threading.Lock()
        # (first year, last year, starts, ends, business µs before / after each interval, safe lo, safe hi)
        self._span: tuple | None = None

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.name or ('7x24' if self.always else 'weekly')} {self.tz}>"

    # --- what a date is -------------------------------------------------------------------------

    def day_info(self, day: date) -> DayInfo:
        """The resolved working hours of a local date and why (override > make-up day > holiday > weekly)."""
        if self.always:
            return DayInfo(day, DayKind.WORKDAY, ((0, DAY_MINUTES),))
        if day in self.overrides:
            hours = self.overrides[day]
            kind = DayKind.OVERRIDE_OPEN if hours else DayKind.OVERRIDE_CLOSED
            return DayInfo(day, kind, hours, self.override_reasons.get(day, ""))
        holidays, workdays = self._year_dates(day.year)
        if day in workdays:
            return DayInfo(day, DayKind.MAKEUP, self.makeup_hours, workdays[day])
        if day in holidays:
            return DayInfo(day, DayKind.HOLIDAY, (), holidays[day])
        hours = self.weekly[day.weekday()]
        return DayInfo(day, DayKind.WORKDAY if hours else DayKind.WEEKEND, hours)

    def _year_dates(self, year: int) -> tuple[Mapping[date, str], Mapping[date, str]]:
        if self.statutory is None:
            return self.holidays, self.workdays
        holidays, workdays = self.statutory(year)
        if self.holidays or self.workdays:
            holidays = {**holidays, **self.holidays}
            workdays = {**workdays, **self.workdays}
        return holidays, workdays

    # --- the expanded interval table --------------------------------------------------------------

    def _build(self, first: int, last: int) -> None:
        starts: list[int] = []
        ends: list[int] = []
        zone = self.zone
        day = date(first, 1, 1)
        stop = date(last + 1, 1, 1)
        one = timedelta(days=1)
        while day < stop:
            info = self.day_info(day)
            if info.hours:
                midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
                for a, b in info.hours:
                    s = _to_us((midnight + timedelta(minutes=a)).astimezone(UTC))
                    e = _to_us((midnight + timedelta(minutes=b)).astimezone(UTC))
                    if e <= s:  # an interval swallowed by a DST gap
                        continue
                    if ends and s <= ends[-1]:  # touching intervals across midnight: merge
                        ends[-1] = max(ends[-1], e)
                    else:
                        starts.append(s)
                        ends.append(e)
            day += one
        cum_before: list[int] = []
        cum_after: list[int] = []
        total = 0
        for s, e in zip(starts, ends, strict=True):
            cum_before.append(total)
            total += e - s
            cum_after.append(total)
        # Instants between lo and hi are safely inside the table (a day of margin for any time zone).
        lo = _to_us(datetime(first, 1, 2, tzinfo=UTC))
        hi = _to_us(datetime(last, 12, 30, tzinfo=UTC))
        self._span = (first, last, starts, ends, cum_before, cum_after, lo, hi)

    def _ensure(self, us: int, us2: int | None = None) -> tuple:
        """The interval table covering instant `us` (and `us2`), expanded a year beyond on both sides.

        Rebuilding replaces the whole tuple at once, so a reader always sees one consistent table.
        """
        span = self._span
        if span is not None and span[6] <= us < span[7] and (us2 is None or span[6] <= us2 < span[7]):
            return span
        with self._lock:
            years = [(EPOCH + timedelta(microseconds=u)).year for u in (us, us2) if u is not None]
            span = self._span
            first, last = min(years) - 1, max(years) + 1
            if span is not None:
                first, last = min(first, span[0]), max(last, span[1])
            if span is None or (first, last) != (span[0], span[1]):
                self._build(first, last)
            return self._span

    @staticmethod
    def _position(span: tuple, us: int) -> int:
        """Business µs from the table's origin up to instant `us`."""
        starts, ends, cum_before = span[2], span[3], span[4]
        i = bisect_right(starts, us) - 1
        if i < 0:
            return 0
        return cum_before[i] + (min(us, ends[i]) - starts[i])

    # --- the public arithmetic --------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: the earliest instant at which `duration` of business time has run since `start`."""
        if self.always:
            return (start + duration).astimezone(UTC)
        if duration <= timedelta(0):
            return start.astimezone(UTC)
        us = (start - EPOCH) // ONE_US
        duration_us = duration // ONE_US
        span = self._ensure(us)
        for _ in range(MAX_YEARS_AHEAD):
            starts, ends, cum_before, cum_after = span[2], span[3], span[4], span[5]
            i = bisect_right(starts, us) - 1
            target = duration_us + (0 if i < 0 else cum_before[i] + (min(us, ends[i]) - starts[i]))
            if cum_after and target <= cum_after[-1]:
                j = bisect_left(cum_after, target)
                return EPOCH + timedelta(microseconds=starts[j] + (target - cum_before[j]))
            # The deadline lies beyond the expanded years: extend the table forward and search again.
            span = self._ensure(us, _to_us(datetime(span[1] + 1, 7, 1, tzinfo=UTC)))
        raise ValueError("no working time found within the next decades; check the calendar")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if `end` is not after `start`)."""
        if end <= start:
            return timedelta(0)
        if self.always:
            return end - start
        us_start = (start - EPOCH) // ONE_US
        us_end = (end - EPOCH) // ONE_US
        span = self._ensure(us_start, us_end)
        return timedelta(microseconds=self._position(span, us_end) - self._position(span, us_start))

    def is_working(self, at: datetime) -> bool:
        """Whether the clock runs at instant `at`."""
        if self.always:
            return True
        us = (at - EPOCH) // ONE_US
        span = self._ensure(us)
        starts, ends = span[2], span[3]
        i = bisect_right(starts, us) - 1
        return i >= 0 and us < ends[i]

    def local(self, at: datetime) -> datetime:
        """`at` in the calendar's zone (for display)."""
        return at.astimezone(self.zone)

    def explain(self, start: datetime, end: datetime) -> list[DayInfo]:
        """Every local date from `start` to `end` that is not an ordinary working day, with the reason.

        The preview prints this: weekends, holidays (with their names), make-up days and overrides.
        """
        if self.always or end <= start:
            return []
        day, last = self.local(start).date(), self.local(end).date()
        result = []
        while day <= last:
            info = self.day_info(day)
            if info.kind != DayKind.WORKDAY:
                result.append(info)
            day += timedelta(days=1)
        return result


def _to_us(dt: datetime) -> int:
    return (dt - EPOCH) // ONE_US


ALWAYS = WorkingCalendar(always=True, tz="UTC", name="7x24")


def _merged_pauses(pauses: Iterable[Pause], start: datetime) -> list[tuple[datetime, datetime | None]]:
    """Pauses sorted, clipped to start at `start` or later, overlapping ones merged; None = open-ended."""
    items = sorted(((max(ps, start), pe) for ps, pe in pauses if pe is None or pe > start), key=lambda p: p[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for ps, pe in items:
        if merged:
            last_s, last_e = merged[-1]
            if last_e is None:
                break  # paused for good from an earlier point
            if ps <= last_e:
                merged[-1] = (last_s, None if pe is None else max(last_e, pe))
                continue
        merged.append((ps, pe))
    return merged


def deadline(
    cal: WorkingCalendar, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant at which `duration` of business time has run since `start`, not counting pauses.

    None when an open-ended pause (still waiting on the customer) begins before the clock would expire:
    the deadline is unknown until the clock resumes.
    """
    if not pauses or duration <= timedelta(0):
        return cal.add(start, duration)
    cur, remaining = start, duration
    for ps, pe in _merged_pauses(pauses, start):
        if ps > cur:
            candidate = cal.add(cur, remaining)
            if candidate <= ps:
                return candidate
            remaining -= cal.elapsed(cur, ps)
        if pe is None:
            return None
        cur = max(cur, pe)
    return cal.add(cur, remaining)


def elapsed(cal: WorkingCalendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
    """Business time from `start` to `end`, minus the business time inside pauses (an open pause runs to `end`)."""
    total = cal.elapsed(start, end)
    if not pauses or total <= timedelta(0):
        return total
    for ps, pe in _merged_pauses(pauses, start):
        if ps >= end:
            break
        total -= cal.elapsed(ps, end if pe is None else min(pe, end))
    return total


def remaining(
    cal: WorkingCalendar, start: datetime, duration: timedelta, now: datetime, pauses: Iterable[Pause] = ()
) -> timedelta:
    """Business time left on a clock at `now` (negative once breached)."""
    return duration - elapsed(cal, start, now, pauses)


def weekly_calendar(
    hours: str, weekdays: Iterable[int] = range(5), *, china: bool = True, tz: str = "Asia/Shanghai", name: str = ""
) -> WorkingCalendar:
    """Shorthand used by tests, benchmarks and defaults: the same hours on `weekdays`, optionally China's holidays."""
    parsed = parse_hours(hours)
    return WorkingCalendar(
        weekly=dict.fromkeys(weekdays, parsed),
        statutory=china_statutory if china else None,
        tz=tz,
        name=name,
    )


def local_time(value: str, tz: str = "Asia/Shanghai") -> datetime:
    """`"2026-09-30 17:50"` in zone `tz` -> aware datetime (command line, tests)."""
    naive = datetime.fromisoformat(value)
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=ZoneInfo(tz))
