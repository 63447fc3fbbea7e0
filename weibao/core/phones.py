"""Phone numbers: one rule to accept them, one canonical form to store them, and searchable keys (issue 18 §11).

Accepted, with or without spaces, dashes, dots and brackets (full-width characters too):

============================================================  =====================
mainland mobile, 1[3-9] + 9 digits, also after +86/0086/86      `13800138000`
landline: area code (010, 02x, 0xxx) + 7–8 digit number,         `010-12345678`
  also as +86 10 … (the area code's 0 comes back)
  with an extension after 转 / 分机 / ext / x / # / a last dash   `0311-1234567-123`
400 / 800 service number (an extension as above)                `400-123-4567`
============================================================  =====================

Anything else is refused with `INVALID`. `PhoneField` (models), `PhoneFormField` (forms), `weibao.core.apischema.Phone`
(API) and the Excel cell kind "phone" (`weibao.core.excel.cell_phone`) apply the one rule, so every way in stores the
canonical form. `CANONICAL_RE` recognises that form inside the database: the data migrations skip the rows that
already have it, and the admin filter "Phone to fix" (`weibao.core.admin.PhoneToFixFilter`) and `manage.py phones_to_fix` list those
that neither have it nor parse (old data is flagged, never deleted).

People type numbers in many shapes and quote only the last digits of an order number ("the order ending 235"). Both
searches become a prefix lookup on a *reversed* digits-only key (`suffix_key`), which a plain B-tree index answers on
PostgreSQL and SQLite alike: a suffix of the number is a prefix of the reversed key. The key of a parsed number is
the digits of the number without its extension, so "+86 10 6552 1234", "010-65521234 转 8" and "65521234" all find
the order whose reporter phone is 010-65521234.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

INVALID = _(
    "Enter a mainland mobile number (13800138000), a landline with its area code (010-12345678, an extension after "
    "转) or a 400/800 number."
)

MOBILE, LANDLINE, SERVICE = "mobile", "landline", "service"

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_SERVICE = re.compile(r"[48]00[0-9]{7}")
# Area codes: 010 (Beijing), 020–029 (the other big cities), 0300–0999; local numbers never start with 0 or 1.
_AREA = r"010|02[0-9]|0[3-9][0-9]{2}"
_LANDLINE = re.compile(rf"({_AREA})([2-9][0-9]{{6,7}})")
_EXT = r"[0-9]{1,6}"
# What may surround the digits of a number (after NFKC folding of full-width characters).
_MAIN_CHARS = re.compile(r"\+?[0-9 ()\-./]+")
_EXT_MARK = re.compile(r"\s*(?:转|分机|extension|ext\.?|x|#)\s*", re.IGNORECASE)
_LAST_DASH = re.compile(rf"(.+?)\s*-\s*({_EXT})")

# The stored forms, as a regular expression both databases run (`field__regex`).
CANONICAL_NO_EXT_RE = rf"^(1[3-9][0-9]{{9}}|({_AREA})-[2-9][0-9]{{6,7}}|[48]00-[0-9]{{3}}-[0-9]{{4}})$"
CANONICAL_RE = rf"^(1[3-9][0-9]{{9}}|({_AREA})-[2-9][0-9]{{6,7}}(-{_EXT})?|[48]00-[0-9]{{3}}-[0-9]{{4}}(-{_EXT})?)$"
MAX_INPUT = 64  # longer text is not a phone number (and never reaches the regular expressions)


@dataclasses.dataclass(frozen=True)
class PhoneNumber:
    """A parsed number: `str()` is its canonical (stored) form, `digits` its searchable digits."""

    kind: str  # MOBILE | LANDLINE | SERVICE
    area: str  # the landline's area code with its 0 ("010"); "" otherwise
    number: str  # the subscriber digits ("13800138000", "12345678", "4001234567")
    extension: str = ""

    @property
    def digits(self) -> str:
        """The digits that are dialled to reach the line, without the extension."""
        return self.area + self.number

    @property
    def main(self) -> str:
        """The canonical form without the extension."""
        return str(dataclasses.replace(self, extension=""))

    def __str__(self) -> str:
        if self.kind == MOBILE:
            return self.number
        if self.kind == LANDLINE:
            main = f"{self.area}-{self.number}"
        else:
            main = f"{self.number[:3]}-{self.number[3:6]}-{self.number[6:]}"
        return f"{main}-{self.extension}" if self.extension else main


def parse_phone(value: str | None) -> PhoneNumber | None:
    """The number `value` stands for, or None when it is not one the rule accepts."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if not text or len(text) > MAX_INPUT:
        return None
    parts = _EXT_MARK.split(text)
    if len(parts) > 2:
        return None
    main, extension = parts[0], parts[1] if len(parts) == 2 else ""
    if len(parts) == 2 and not re.fullmatch(_EXT, extension):
        return None
    if not extension and (last := _LAST_DASH.fullmatch(main)):
        # "010-12345678-123": a last dash group is the extension when what comes before it is a whole landline
        # or service number ("138-0013-8000" and "010-6552-1234" are not split: their first part is no number).
        phone = _parse_main(last.group(1))
        if phone is not None and phone.kind != MOBILE:
            return dataclasses.replace(phone, extension=last.group(2))
    phone = _parse_main(main)
    if phone is None or (extension and phone.kind == MOBILE):
        return None
    return dataclasses.replace(phone, extension=extension)


def _parse_main(text: str) -> PhoneNumber | None:
    if not _MAIN_CHARS.fullmatch(text):
        return None
    digits = "".join(ch for ch in text if ch.isdigit())
    international = False
    if text.startswith("+"):
        if not digits.startswith("86"):
            return None  # a foreign number: not one we can call back or text
        digits, international = digits[2:], True
    elif digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and len(digits) == 13 and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]  # "86" without a plus: only in front of a mobile, elsewhere it may be part of the number
    if international and not digits.startswith("0") and not (_MOBILE.fullmatch(digits) or _SERVICE.fullmatch(digits)):
        digits = "0" + digits  # "+86 10 6552 1234": the area code loses its 0 after the country code
    if _MOBILE.fullmatch(digits):
        return PhoneNumber(MOBILE, "", digits)
    if _SERVICE.fullmatch(digits):
        return PhoneNumber(SERVICE, "", digits)
    if landline := _LANDLINE.fullmatch(digits):
        return PhoneNumber(LANDLINE, landline.group(1), landline.group(2))
    return None


def normalise_phone(value: str | None) -> str:
    """The canonical form of `value` ("" for an empty value); ValidationError(INVALID) when it is no phone number."""
    if not (value or "").strip():
        return ""
    phone = parse_phone(value)
    if phone is None:
        raise ValidationError(INVALID, code="invalid_phone")
    return str(phone)


def canonical_phone(value: str | None) -> str:
    """The canonical form when `value` parses, else `value` as given (stripped): for services that store a number
    which came from a checked input or from our own records (a contact's number kept from before the rule)."""
    phone = parse_phone(value)
    return str(phone) if phone is not None else (value or "").strip()


def validate_phone(value: str | None) -> None:
    """Model and form validator: empty, or a number the rule accepts."""
    normalise_phone(value)


def phone_digits(value: str | None) -> str:
    """The searchable digits of a phone number: those of the parsed number without its extension (a mobile without
    its country code, a landline with its area code: "01065521234"); for anything that does not parse (the last
    digits someone quotes, old data), its ASCII digits, less a China prefix in front of a mobile."""
    phone = parse_phone(value)
    if phone is not None:
        return phone.digits
    digits = "".join(ch for ch in (value or "") if ch.isascii() and ch.isdigit())
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and _MOBILE.fullmatch(rest):
            return rest
    return digits


def tel_target(value: str | None) -> str:
    """A number as the target of a `tel:` link: the digits (a leading + kept for what does not parse), the
    extension after a pause (",") so the phone dials it once the line answers."""
    phone = parse_phone(value)
    if phone is not None:
        return f"{phone.digits},{phone.extension}" if phone.extension else phone.digits
    main, *ext = _EXT_MARK.split((value or "").strip(), maxsplit=1)
    digits = ("+" if main.startswith("+") else "") + re.sub(r"\D", "", main)
    ext_digits = re.sub(r"\D", "", ext[0]) if ext else ""
    return f"{digits},{ext_digits}" if ext_digits else digits


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


# --- fields -------------------------------------------------------------------------------------------------------


class TelInput(forms.TextInput):
    input_type = "tel"  # the phone keyboard on a phone


class PhoneFormField(forms.CharField):
    """A form field that accepts any shape of an accepted number and cleans to its canonical form."""

    widget = TelInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)  # checked on the cleaned (canonical) value, at most 20 characters
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        return normalise_phone(super().to_python(value))


class PhoneField(models.CharField):
    """A phone number column: validated by the rule and stored in its canonical form. `to_python` normalises a
    number that parses, and Django runs it on `full_clean()`, on every save and update and on exact lookups
    (`filter(mobile="+86 138…")` looks up 13800138000); text that does not parse is kept for the validator to refuse.
    Model forms get `PhoneFormField`. Migrations see a plain CharField (historical models do not normalise)."""

    default_validators = [validate_phone]

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def to_python(self, value):
        value = super().to_python(value)
        phone = parse_phone(value) if value else None
        return str(phone) if phone is not None else value  # an unparsed value stays for the validator to refuse

    def formfield(self, **kwargs):
        kwargs.setdefault("form_class", PhoneFormField)
        return super().formfield(**kwargs)


# --- stored data --------------------------------------------------------------------------------------------------


def phone_fields(model) -> list[str]:
    """The names of the model's PhoneFields."""
    return [f.name for f in model._meta.concrete_fields if isinstance(f, PhoneField)]


def to_fix_q(fields: Iterable[str]) -> Q:
    """Rows where one of `fields` holds text that is not a canonical number (after the data migrations: text that
    does not parse)."""
    cond = Q(pk__in=[])
    for name in fields:
        cond |= ~Q(**{name: ""}) & ~Q(**{f"{name}__regex": CANONICAL_RE})
    return cond


def normalise_stored_phones(
    model, fields: Iterable[str], *, keys: dict[str, str] | None = None, where: Q | None = None, batch: int = 2000
) -> tuple[int, int]:
    """Rewrite every stored number of `fields` that parses into its canonical form; leave the rest as they are (the
    "Phone to fix" filter lists them). `keys` maps a phone field to its `suffix_key` column, recomputed alongside;
    `where` limits the rows (a signed record keeps what was signed).

    For data migrations (`model` from `apps.get_model`). Only rows that are not canonical already are read — one
    regular-expression scan of the table — and they are written back in primary-key batches. Returns
    (rows rewritten, rows left to fix).
    """
    fields, keys = list(fields), keys or {}
    dirty = Q(pk__in=[])
    for name in fields:
        # A keyed number is re-keyed when it has an extension too: old keys carried the extension's digits.
        pattern = CANONICAL_NO_EXT_RE if name in keys else CANONICAL_RE
        dirty |= ~Q(**{name: ""}) & ~Q(**{f"{name}__regex": pattern})
    if where is not None:
        dirty &= where
    columns = [*fields, *keys.values()]
    manager, last_pk, rewritten, left = model._base_manager, 0, 0, 0
    while True:
        rows = list(manager.filter(dirty, pk__gt=last_pk).order_by("pk").values("pk", *columns)[:batch])
        if not rows:
            return rewritten, left
        last_pk = rows[-1]["pk"]
        changed = []
        for row in rows:
            new = dict(row)
            for name in fields:
                phone = parse_phone(row[name]) if row[name] else None
                if phone is not None:
                    new[name] = str(phone)
                elif row[name]:
                    left += 1
                if name in keys:
                    new[keys[name]] = suffix_key(new[name])
            if new != row:
                changed.append(model(**new))
        if changed:
            manager.bulk_update(changed, columns)
            rewritten += len(changed)
