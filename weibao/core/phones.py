"""Phone numbers and order numbers as searchable keys.

People type phone numbers in many shapes ("+86 139-0049-7829", "0086 13900497829", "010-6552 1234") and quote
only the last digits of an order number ("the order ending 235"). Both searches become a prefix lookup on a
*reversed* digits-only key, which a plain B-tree index answers on PostgreSQL and SQLite alike:
a suffix of the number is a prefix of the reversed key.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

# Country prefixes that are dropped from mobile numbers so "+86 139…" and "139…" share one key.
_CHINA_PREFIXES = ("0086", "86")


def phone_digits(value: str | None) -> str:
    """The digits of a phone number, without the China country prefix of a mobile number.

    Landline numbers keep their area code ("010…"): callers quote either the whole number or its last digits,
    and both still match through the suffix lookup.
    """
    digits = "".join(ch for ch in (value or "") if ch.isascii() and ch.isdigit())
    for prefix in _CHINA_PREFIXES:
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest.startswith("1"):
            return rest
    return digits


def suffix_key(value: str | None) -> str:
    """The reversed digits of a phone number: stored on the row and indexed for suffix searches."""
    return phone_digits(value)[::-1]


def key_prefix_q(field: str, prefix: str) -> Q:
    """Rows whose `field` starts with `prefix`, in a form that uses a B-tree index on both databases.

    PostgreSQL answers LIKE 'p%' from a `varchar_pattern_ops` index; SQLite's LIKE is case-insensitive and
    skips the index, so there the prefix becomes a range (keys are ASCII digits; ':' sorts right after '9').
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + ":"})


def suffix_q(field: str, digits: str) -> Q:
    """Rows whose reversed-digits `field` belongs to a number ending in `digits`."""
    return key_prefix_q(field, digits[::-1])
