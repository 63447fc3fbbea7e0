import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from weibao.core.excel import Column, RowError, cell_phone
from weibao.core.phones import (
    CANONICAL_NO_EXT_RE,
    CANONICAL_RE,
    INVALID,
    PhoneFormField,
    normalise_phone,
    parse_phone,
    phone_digits,
    suffix_key,
    tel_target,
)


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("13900497829", "13900497829"),
        ("+86 139-0049-7829", "13900497829"),
        ("0086 13900497829", "13900497829"),
        ("8613900497829", "13900497829"),
        ("(010) 6552-1234", "01065521234"),
        ("010-65521234 转 8001", "01065521234"),  # the extension is not part of the searchable number
        ("+86 10 6552 1234", "01065521234"),  # the area code gets its 0 back
        ("８６１３９", ""),  # full-width digits that are no number: not a key
        ("", ""),
        (None, ""),
        ("86123", "86123"),  # too short to carry a country prefix: kept as typed
        ("7829", "7829"),  # the last digits someone quotes
    ],
)
def test_phone_digits(raw, digits):
    assert phone_digits(raw) == digits


def test_suffix_key_is_reversed_digits_so_a_suffix_becomes_a_prefix():
    key = suffix_key("+86 139 0049 7829")
    assert key == "92879400931"
    assert key.startswith(suffix_key("7829"))
    assert key.startswith(suffix_key("13900497829"))


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("0086 138 0013 8000", "13800138000"),
        ("86-138-0013-8000", "13800138000"),
        ("１３８ ００１３ ８０００", "13800138000"),  # typed with a Chinese input method
        ("010-62345678", "010-62345678"),
        ("(010) 6234 5678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("021.5234.5678", "021-52345678"),
        ("0311-2345678", "0311-2345678"),
        ("0755 23456789", "0755-23456789"),
        ("+86 10 6234 5678", "010-62345678"),
        ("+86 (0)10 6234 5678", "010-62345678"),
        ("0086-755-23456789", "0755-23456789"),
        ("010-62345678 转 8001", "010-62345678-8001"),
        ("010-62345678转8001", "010-62345678-8001"),
        ("010-62345678 分机 12", "010-62345678-12"),
        ("010-62345678 ext. 12", "010-62345678-12"),
        ("010-62345678 EXT 12", "010-62345678-12"),
        ("010-62345678x12", "010-62345678-12"),
        ("010-62345678#12", "010-62345678-12"),
        ("010-62345678-12", "010-62345678-12"),
        ("0311-2345678-9", "0311-2345678-9"),
        ("010-6234-5678", "010-62345678"),  # a dash inside the number is no extension
        ("400-123-4567", "400-123-4567"),
        ("4001234567", "400-123-4567"),
        ("800 123 4567", "800-123-4567"),
        ("400-123-4567 转 2", "400-123-4567-2"),
        ("+86 400 123 4567", "400-123-4567"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalise_phone_accepts_every_shape(raw, canonical):
    assert normalise_phone(raw) == canonical


@pytest.mark.parametrize(
    "raw",
    [
        "138",
        "1380013800",  # a digit short
        "138001380001",  # a digit too many
        "12800138000",  # 12x is no mobile prefix
        "62345678",  # a landline without its area code
        "010-12345678",  # a local number never starts with 1
        "011-62345678",  # no such area code
        "0311-234567",  # 6 digits
        "010-623456789",  # 9 digits
        "138 0013 8000 转 1",  # mobiles have no extension
        "010-62345678 转 1234567",  # an extension of 7 digits
        "010-62345678 转 12 转 3",
        "+1 650 253 0000",  # a foreign number
        "+44 20 7946 0958",
        "+8613800138000x",
        "abc",
        "电话",
        "13800138000a",
        "138-0013-8000; 139-0013-9000",  # two numbers in one field
        "5" * 80,
    ],
)
def test_normalise_phone_refuses_anything_else_with_the_message(raw):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(raw)
    assert exc.value.code == "invalid_phone"
    assert exc.value.messages == [str(INVALID)]


def test_the_message_says_what_is_accepted_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        normalise_phone("abc")
    assert "带区号的固定电话" in exc.value.messages[0]


# --- properties ----------------------------------------------------------------------------------------------------

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
areas = st.sampled_from(["010", "020", "021", "025", "029", "0311", "0512", "0755", "0991"])
locals_ = st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True)
services = st.from_regex(r"[48]00[0-9]{7}", fullmatch=True)
extensions = st.from_regex(r"[0-9]{1,6}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", "  ", " - ", "."])


@st.composite
def typed_numbers(draw) -> tuple[str, str]:
    """(a number as someone might type it, its canonical form)."""
    kind = draw(st.sampled_from(["mobile", "landline", "service"]))
    sep = draw(separators)
    if kind == "mobile":
        number = draw(mobiles)
        prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086 ", "86", "86-"]))
        typed = prefix + number[:3] + sep + number[3:7] + sep + number[7:]
        return typed, number
    extension = draw(st.one_of(st.just(""), extensions))
    mark = draw(st.sampled_from([" 转 ", "转", " ext ", "x", "#", "-"]))
    if kind == "landline":
        area, local = draw(areas), draw(locals_)
        area_typed = draw(st.sampled_from([area, f"({area})", f"+86 {area[1:]}", f"0086 {area}"]))
        typed = area_typed + sep + local
        canonical = f"{area}-{local}"
    else:
        number = draw(services)
        typed = number[:3] + sep + number[3:6] + sep + number[6:]
        canonical = f"{number[:3]}-{number[3:6]}-{number[6:]}"
    if extension:
        typed, canonical = f"{typed}{mark}{extension}", f"{canonical}-{extension}"
    return typed, canonical


@settings(deadline=None)  # a loaded CI machine must not turn slowness into a failure
@given(typed_numbers())
def test_every_typed_shape_normalises_to_its_canonical_form(case):
    typed, canonical = case
    assert normalise_phone(typed) == canonical


@settings(deadline=None)
@given(typed_numbers())
def test_normalising_is_idempotent_and_round_trips(case):
    canonical = normalise_phone(case[0])
    assert normalise_phone(canonical) == canonical
    assert str(parse_phone(canonical)) == canonical
    # The database recognises the canonical form; the key leaves the extension out.
    assert re.fullmatch(CANONICAL_RE, canonical)
    assert phone_digits(case[0]) == phone_digits(canonical) == parse_phone(canonical).digits


@settings(deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_refused_or_normalised_to_a_canonical_form(text):
    phone = parse_phone(text)
    if phone is not None:
        assert re.fullmatch(CANONICAL_RE, str(phone))
        assert normalise_phone(str(phone)) == str(phone)


@settings(deadline=None)
@given(st.text(alphabet=st.characters(categories=["L"], exclude_characters="转分机extnsioETXNSIO"), min_size=1))
def test_letters_are_never_a_phone_number(text):
    assert parse_phone(f"138{text}00138000") is None
    assert parse_phone(text) is None


@settings(deadline=None)
@given(st.from_regex(r"[0-9]{1,15}", fullmatch=True))
def test_digit_strings_are_accepted_only_in_the_known_shapes(digits):
    phone = parse_phone(digits)
    shapes = r"(86|0086)?1[3-9][0-9]{9}|(010|02[0-9]|0[3-9][0-9]{2})[2-9][0-9]{6,7}|[48]00[0-9]{7}|0086.*"
    if not re.fullmatch(shapes, digits):
        assert phone is None


@settings(deadline=None)
@given(st.from_regex(CANONICAL_RE, fullmatch=True))
def test_every_canonical_value_stays_as_it_is(value):
    # What the "Phone to fix" filter and the migrations treat as clean must be exactly what the parser produces.
    assert normalise_phone(value) == value
    if re.fullmatch(CANONICAL_NO_EXT_RE, value):
        assert parse_phone(value).extension == ""


# --- form field and Excel cells ------------------------------------------------------------------------------------


def test_form_field_cleans_to_the_canonical_form_and_refuses_garbage():
    field = PhoneFormField(required=False)
    assert field.clean("+86 138-0013-8000") == "13800138000"
    assert field.clean("") == ""
    with pytest.raises(ValidationError):
        field.clean("12345")
    assert 'type="tel"' in field.widget.render("p", "")


def test_excel_phone_cells_are_canonical_or_a_row_error():
    column = Column("phone", "电话", ())
    errors: list[RowError] = []
    assert cell_phone(13800138000, column, errors, 2) == "13800138000"  # Excel keeps a typed mobile as a number
    assert cell_phone("010 6234 5678 转 8", column, errors, 3) == "010-62345678-8"
    assert cell_phone(None, column, errors, 4) == ""
    assert cell_phone("6234", column, errors, 5) == "6234"
    assert [(e.row, e.column) for e in errors] == [(5, "电话")]
    assert "6234" in errors[0].message


# --- every phone column --------------------------------------------------------------------------------------------

# Columns with "phone"/"mobile" in their name that are not a person's number typed by someone.
NOT_PHONES = {
    "workorders.workorder.reporter_phone_key",  # the reversed-digits search key
    "labels.scancode.phone_key",  # the same key for scan codes
    "inbound.inboundreceipt.mobile",  # the sender as the provider reported it: kept as received
}


def test_every_phone_column_is_a_phone_field():
    from django.apps import apps
    from django.db import models

    from weibao.core.phones import PhoneField

    columns = {
        f"{m._meta.label_lower}.{f.name}": f
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, models.CharField) and re.search(r"phone|mobile", f.name) and m.__module__.startswith("weibao")
    }
    assert len(columns) >= 15
    assert sorted(name for name, f in columns.items() if not isinstance(f, PhoneField) and name not in NOT_PHONES) == []


@pytest.mark.parametrize(
    ("stored", "target"),
    [
        ("13800138000", "13800138000"),
        ("010-62345678-12", "01062345678,12"),  # the extension after a pause
        ("400-123-4567", "4001234567"),
        ("+44 20 7946 0958", "+442079460958"),  # kept from before the rule: digits and the plus
        ("025-52271001转8001", "02552271001,8001"),
    ],
)
def test_tel_target(stored, target):
    assert tel_target(stored) == target
