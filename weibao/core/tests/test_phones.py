import pytest

from weibao.core.phones import phone_digits, suffix_key


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("13900497829", "13900497829"),
        ("+86 139-0049-7829", "13900497829"),
        ("0086 13900497829", "13900497829"),
        ("8613900497829", "13900497829"),
        ("(010) 6552-1234", "01065521234"),
        ("010-65521234 转 8001", "010655212348001"),
        ("８６１３９", ""),  # full-width digits are not ASCII digits: not a phone number we store keys for
        ("", ""),
        (None, ""),
        ("86123", "86123"),  # too short to carry a country prefix: kept as typed
    ],
)
def test_phone_digits(raw, digits):
    assert phone_digits(raw) == digits


def test_suffix_key_is_reversed_digits_so_a_suffix_becomes_a_prefix():
    key = suffix_key("+86 139 0049 7829")
    assert key == "92879400931"
    assert key.startswith(suffix_key("7829"))
    assert key.startswith(suffix_key("13900497829"))
