"""The SLA clock engine: business-time arithmetic on a working calendar (SPEC §3). Pure Python, no ORM.

A `WorkingCalendar` knows, for every local date, the intervals during which SLA clocks run: the weekly
pattern (e.g. Mon–Fri 09:00–12:00 and 13:00–18:00), statutory holidays (off), make-up working days
(调休, on, with the make-up hours) and per-date overrides set by an administrator (these win).

How it is fast: working intervals are expanded lazily, year by year, into sorted lists of absolute
UTC instants plus the running total of business time before each interval. A deadline is then two binary searches and an addition; no loop over minutes
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

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MINUTES = 24 * 60
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


# A weekend day inside a holiday period is off because the notice says so ("10月1日至8日放假调休，共8天").
PERIOD_DAY_SUFFIX = " (放假调休)"
# Weekend days next to a one-day holiday that a notice gave "与周末连休" (joined to the weekend) instead of a period
# ("4月4日至6日放假，共3天"): they stay ordinary weekend days, worked on a six-day calendar. Transcribed from the
# notices 2011–2024 (cross-checked against the `chinesecalendar` package's tables); newer notices give periods.
ORDINARY_WEEKENDS = frozenset(
    date.fromisoformat(d)
    for d in (
        "2011-06-05",
        "2014-05-31",
        "2014-06-01",
        "2014-09-06",
        "2014-09-07",
        "2015-04-04",
        "2015-05-02",
        "2015-05-03",
        "2015-06-21",
        "2015-09-05",
        "2015-09-26",
        "2016-01-02",
        "2016-01-03",
        "2016-04-02",
        "2016-04-03",
        "2016-04-30",
        "2016-12-31",
        "2017-04-29",
        "2017-04-30",
        "2017-12-30",
        "2017-12-31",
        "2018-06-16",
        "2018-06-17",
        "2018-09-22",
        "2018-09-23",
        "2024-06-08",
        "2024-06-09",
    )
)
_RE_SHIFTED = re.compile(r"由 ?(\d{4}-\d{2}-\d{2}) ?调休")


@dataclass(frozen=True, slots=True)
class HolidayPeriod:
    """One holiday period of a State Council notice: first to last day off (weekend days included) and the
    make-up working days (调休上班) that pay for it, e.g. 国庆节、中秋节 2025-10-01..2025-10-08, make-up 09-28, 10-11."""

    name: str
    first: date
    last: date
    makeup: tuple[date, ...] = ()

    @property
    def label(self) -> str:
        """The reason shown for a day of the period that is not itself a statutory day: "国庆节 (放假调休)"."""
        return f"{self.name}{PERIOD_DAY_SUFFIX}"

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last


@lru_cache(maxsize=256)
def _package_year(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """The `holidays` package's China data of one year: (statutory days off, make-up workdays), date -> name.

    The package lists the statutory days of the notice that fall on weekdays (plus a festival day itself even on
    a weekend) and exposes the make-up Saturdays/Sundays as `weekend_workdays`; it leaves out the weekend days
    inside a golden week, which `china_holiday_periods` adds back.
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


def _festival(name: str) -> str:
    """ "端午节（补假）" -> "端午节"; a day that only shifts a weekend ("休息日（由 … 调休）") names no festival."""
    if name.startswith("休息日"):
        return ""
    return re.sub(r"[（(].*?[)）]", "", name).strip()


def holiday_periods(holidays: Mapping[date, str], workdays: Mapping[date, str]) -> list[HolidayPeriod]:
    """Group statutory days into the notice's periods: a run of days each a statutory day or a weekend day that is
    not a make-up workday, containing at least one statutory day (so "4月4日至6日" includes Sat/Sun 5–6)."""

    def off(day: date) -> bool:
        if day in holidays:
            return True
        return day.weekday() >= 5 and day not in workdays and day not in ORDINARY_WEEKENDS

    one = timedelta(days=1)
    periods: list[HolidayPeriod] = []
    seen: set[date] = set()
    for day in sorted(holidays):
        if day in seen or day in workdays:
            continue
        first = last = day
        while off(first - one):
            first -= one
        while off(last + one):
            last += one
        # Weekend days at the edges belong to the period only next to a statutory day (always true by the walk).
        members = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        seen.update(members)
        names: list[str] = []
        makeup: set[date] = set()
        for member in members:
            name = holidays.get(member, "")
            for part in name.split(";"):  # the package joins two festivals on one day: "中秋节; 国庆节"
                festival = _festival(part)
                if festival and festival not in names:
                    names.append(festival)
            for shifted in _RE_SHIFTED.findall(name):
                makeup.add(date.fromisoformat(shifted))
        if "春节" in names and "农历除夕" in names:
            names.remove("农历除夕")  # New Year's Eve is part of the Spring Festival period
        # A make-up day names the day off it pays for by month and day ("补10月8日休息"): look only nearby.
        makeup.update(
            w
            for w, n in workdays.items()
            if abs((w - first).days) < 60 and any(f"{m.month}月{m.day}日" in n for m in members)
        )
        periods.append(HolidayPeriod("、".join(names) or "调休", first, last, tuple(sorted(makeup))))
    return periods


@lru_cache(maxsize=256)
def china_holiday_periods(year: int) -> tuple[HolidayPeriod, ...]:
    """The holiday periods that touch `year` (a New Year period may start on 31 December of the year before)."""
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    for y in (year - 1, year, year + 1):
        h, w = _package_year(y)
        holidays.update(h)
        workdays.update(w)
    return tuple(p for p in holiday_periods(holidays, workdays) if p.first.year <= year <= p.last.year)


@lru_cache(maxsize=256)
def china_statutory(year: int) -> tuple[dict[date, str], dict[date, str]]:
    """Chinese statutory days off and make-up working days of one year, each date -> name.

    Every day of each holiday period is off, the weekend days inside it too (named "国庆节 (放假调休)"): a calendar
    that works on Saturdays or Sundays is closed on them, as the notice says.
    """
    days, workdays = _package_year(year)
    days = dict(days)
    for period in china_holiday_periods(year):
        for day in period.days():
            if day.year == year and day not in days:
                days[day] = period.label
    return dict(sorted(days.items())), dict(workdays)


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
        starts: list[datetime] = []
        ends: list[datetime] = []
        zone = self.zone
        day = date(first, 1, 1)
        stop = date(last + 1, 1, 1)
        one = timedelta(days=1)
        while day < stop:
            info = self.day_info(day)
            if info.hours:
                midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
                for a, b in info.hours:
                    s = (midnight + timedelta(minutes=a)).astimezone(UTC)
                    e = (midnight + timedelta(minutes=b)).astimezone(UTC)
                    if e <= s:  # an interval swallowed by a DST gap
                        continue
                    if ends and s <= ends[-1]:  # touching intervals across midnight: merge
                        ends[-1] = max(ends[-1], e)
                    else:
                        starts.append(s)
                        ends.append(e)
            day += one
        cum_before: list[timedelta] = []
        cum_after: list[timedelta] = []
        total = ZERO
        for s, e in zip(starts, ends, strict=True):
            cum_before.append(total)
            total += e - s
            cum_after.append(total)
        # Instants between lo and hi are safely inside the table (a day of margin for any time zone).
        lo = datetime(first, 1, 2, tzinfo=UTC)
        hi = datetime(last, 12, 30, tzinfo=UTC)
        self._span = (first, last, starts, ends, cum_before, cum_after, lo, hi)

    def _ensure(self, at: datetime, other: datetime | None = None) -> tuple:
        """The interval table covering UTC instant `at` (and `other`), expanded a year beyond on both sides.

        Rebuilding replaces the whole tuple at once, so a reader always sees one consistent table.
        """
        span = self._span
        if span is not None and span[6] <= at < span[7] and (other is None or span[6] <= other < span[7]):
            return span
        with self._lock:
            years = [u.year for u in (at, other) if u is not None]
            span = self._span
            first, last = min(years) - 1, max(years) + 1
            if span is not None:
                first, last = min(first, span[0]), max(last, span[1])
            if span is None or (first, last) != (span[0], span[1]):
                self._build(first, last)
            return self._span

    @staticmethod
    def _position(span: tuple, at: datetime) -> timedelta:
        """Business time from the table's origin up to UTC instant `at`."""
        starts, ends, cum_before = span[2], span[3], span[4]
        i = bisect_right(starts, at) - 1
        if i < 0:
            return ZERO
        end = ends[i]
        return cum_before[i] + ((at if at < end else end) - starts[i])

    # --- the public arithmetic --------------------------------------------------------------------
    # Why datetimes and timedeltas rather than integer microseconds: comparing and adding UTC datetimes and
    # timedeltas happens in C without conversions, which makes a deadline several times faster; both are exact.

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: the earliest instant at which `duration` of business time has run since `start`."""
        if start.tzinfo is not UTC:
            start = _utc(start)
        if self.always:
            return start + duration
        if duration <= ZERO:
            return start
        span = self._span
        if span is None or not (span[6] <= start < span[7]):
            span = self._ensure(start)
        for _ in range(MAX_YEARS_AHEAD):
            starts, ends, cum_before, cum_after = span[2], span[3], span[4], span[5]
            i = bisect_right(starts, start) - 1
            if i < 0:
                target = duration
            else:
                end = ends[i]
                target = cum_before[i] + ((start if start < end else end) - starts[i]) + duration
            j = bisect_left(cum_after, target)
            if j < len(cum_after):
                return starts[j] + (target - cum_before[j])
            # The deadline lies beyond the expanded years: extend the table forward and search again.
            span = self._ensure(start, datetime(span[1] + 1, 7, 1, tzinfo=UTC))
        raise ValueError("no working time found within the next decades; check the calendar")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if `end` is not after `start`)."""
        if end <= start:
            return ZERO
        if self.always:
            return end - start
        if start.tzinfo is not UTC:
            start = _utc(start)
        if end.tzinfo is not UTC:
            end = _utc(end)
        span = self._span
        if span is None or not (span[6] <= start < span[7] and span[6] <= end < span[7]):
            span = self._ensure(start, end)
        return self._position(span, end) - self._position(span, start)

    def is_working(self, at: datetime) -> bool:
        """Whether the clock runs at instant `at`."""
        if self.always:
            return True
        if at.tzinfo is not UTC:
            at = _utc(at)
        span = self._ensure(at)
        starts, ends = span[2], span[3]
        i = bisect_right(starts, at) - 1
        return i >= 0 and at < ends[i]

    def _span_for(self, first: datetime, last: datetime) -> tuple:
        span = self._span
        if span is None or not (span[6] <= first < span[7] and span[6] <= last < span[7]):
            span = self._ensure(first, last)
        return span

    @staticmethod
    def _instant_at(span: tuple, position: timedelta) -> datetime | None:
        """The earliest UTC instant at business position `position` (None: beyond the expanded table)."""
        cum_after = span[5]
        j = bisect_left(cum_after, position)
        if j == len(cum_after):
            return None
        return span[2][j] + (position - span[4][j])

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


def _utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is a programming error (its zone would be guessed)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: SLA clocks need aware datetimes")
    return value.astimezone(UTC)


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


def _utc_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    return [
        (ps if ps.tzinfo is UTC else _utc(ps), pe if pe is None or pe.tzinfo is UTC else _utc(pe)) for ps, pe in pauses
    ]


def _running_segments(start: datetime, pauses: Iterable[Pause]) -> list[tuple[datetime, datetime | None]]:
    """The stretches of wall time during which the clock runs: from `start`, around the pauses.

    The last segment ends with None (runs on), unless the last pause is still open (then no last segment).
    """
    segments: list[tuple[datetime, datetime | None]] = []
    cur: datetime | None = start
    for ps, pe in _merged_pauses(pauses, start):
        if ps > cur:
            segments.append((cur, ps))
        if pe is None:
            return segments
        cur = max(cur, pe)
    segments.append((cur, None))
    return segments


def deadlines(
    cal: WorkingCalendar, start: datetime, durations: Sequence[timedelta | None], pauses: Iterable[Pause] = ()
) -> list[datetime | None]:
    """`deadline()` for several clocks of one work order at once: the pauses are merged and located once.

    A None duration (no clock) gives None; so does a clock still running into an open-ended pause.
    """
    if start.tzinfo is not UTC:
        start = _utc(start)
    pauses = _utc_pauses(pauses)
    if not pauses:
        return [None if d is None else cal.add(start, d) for d in durations]
    segments = _running_segments(start, pauses)
    if not segments:  # paused from the start and still paused: no clock has run yet
        return [start if d is not None and d <= ZERO else None for d in durations]
    results: list[datetime | None] = []
    for _attempt in range(MAX_YEARS_AHEAD):
        # Business positions of every segment boundary, all on one table (so they are comparable).
        bounds = [t for seg in segments for t in seg if t is not None]
        if cal.always:
            span = None
            pos = {t: t - EPOCH for t in bounds}
        else:
            span = cal._span_for(min(bounds), max(bounds))
            pos = {t: cal._position(span, t) for t in bounds}
        results = []
        for duration in durations:
            if duration is None:
                results.append(None)
                continue
            if duration <= ZERO:
                results.append(start)
                continue
            left, found = duration, None
            for seg_start, seg_end in segments:
                length = None if seg_end is None else pos[seg_end] - pos[seg_start]
                if length is None or left <= length:
                    target = pos[seg_start] + left
                    found = EPOCH + target if span is None else cal._instant_at(span, target)
                    if found is None:
                        break  # beyond the expanded years
                    results.append(found)
                    break
                left -= length
            else:
                results.append(None)  # the clock ran into a pause that is still open
                continue
            if found is None:
                break
        else:
            return results
        # Some deadline lies beyond the expanded table: extend it and compute again.
        cal._ensure(start, datetime(cal._span[1] + 1, 7, 1, tzinfo=UTC))
    raise ValueError("no working time found within the next decades; check the calendar")


def deadline(
    cal: WorkingCalendar, start: datetime, duration: timedelta, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant at which `duration` of business time has run since `start`, not counting pauses.

    None when an open-ended pause (still waiting on the customer) begins before the clock would expire:
    the deadline is unknown until the clock resumes.
    """
    if not pauses or duration <= ZERO:
        return cal.add(start, duration)
    return deadlines(cal, start, (duration,), pauses)[0]


def elapsed(cal: WorkingCalendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> timedelta:
    """Business time from `start` to `end`, minus the business time inside pauses (an open pause runs to `end`)."""
    if not pauses or end <= start:
        return cal.elapsed(start, end)
    if start.tzinfo is not UTC:
        start = _utc(start)
    if end.tzinfo is not UTC:
        end = _utc(end)
    total = ZERO
    for seg_start, seg_end in _running_segments(start, _utc_pauses(pauses)):
        if seg_start >= end:
            break
        total += cal.elapsed(seg_start, end if seg_end is None or seg_end > end else seg_end)
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
