"""Input limits shared by forms (UI) and schemas (API): what the database and the calendar code can take.

Each check raises django's ValidationError with a translatable message; `weibao.core.apischema` wraps the same
checks for ninja schemas and parameters, so the UI and the API refuse the same values with the same words.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest value of a signed 64-bit column (ids, offsets): anything above fails in the database driver.
MAX_BIGINT = 2**63 - 1
# Dates a person may mean. Year 1 or 9999 is a typo; the SLA calendar walks day by day, so year 5000 costs seconds.
MIN_YEAR, MAX_YEAR = 2000, 2100
# Dates of the estate (installed, delivered, warranty) may be older than 2000.
MIN_RECORD_YEAR = 1900

NUL_MESSAGE = _("NUL characters (\\x00) are not allowed.")


def contains_nul(value) -> bool:
    """True when a string, or any string inside a list/tuple/dict (keys too), holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_nul(v) for v in value)
    return False


def validate_no_nul(value) -> None:
    """PostgreSQL cannot store or compare text with a NUL character (the driver raises): refuse it as input."""
    if contains_nul(value):
        raise ValidationError(NUL_MESSAGE, code="nul")


def year_range_message(low: int, high: int) -> str:
    return _("Enter a date between the years %(low)d and %(high)d.") % {"low": low, "high": high}


def validate_year(
    value: datetime.date | datetime.datetime | None, *, low: int = MIN_YEAR, high: int = MAX_YEAR
) -> None:
    if value is not None and not low <= value.year <= high:
        raise ValidationError(year_range_message(low, high), code="year")


def validate_sane_date(value) -> None:
    """Appointments, SLA previews, official days: years 2000..2100."""
    validate_year(value)


def validate_record_date(value) -> None:
    """Dates of the estate and contracts: years 1900..2100."""
    validate_year(value, low=MIN_RECORD_YEAR)


def validate_local_time(value: datetime.time | None) -> None:
    """Quiet hours, shifts, business hours are wall-clock times in the calendar's zone: no offset."""
    if value is not None and value.tzinfo is not None:
        raise ValidationError(_("Enter a local time without a time zone (e.g. 08:30)."), code="aware_time")


def validate_time_zone(value: str) -> None:
    """An IANA zone name (Asia/Shanghai) that this machine's zone database knows."""
    from zoneinfo import available_timezones

    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone “%(value)s”."), params={"value": value}, code="invalid_tz")


def validate_bigint(value: int | None) -> None:
    if value is not None and not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise ValidationError(_("The number is too large."), code="bigint")


def validate_field(field: str, check, value) -> None:
    """Run a check on a value that arrived outside a form or schema; its error names `field`."""
    try:
        check(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


def parse_id(raw) -> int | None:
    """A query or form parameter as an id: plain ASCII digits within a 64-bit column, else None (not a 500).

    `str.isdigit()` alone lets "²" or "١" through to int() and 20-digit numbers through to the database driver.
    """
    value = str(raw or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_BIGINT else None
