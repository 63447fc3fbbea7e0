"""Quote money rules for any input: quantities > 0, prices ≥ 0, two decimals, amounts rounded half up; anything
else is a field error naming the line and field."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from weibao.onsite.services import _clean_lines
from weibao.workorders.models import WorkOrder

values = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**6), max_value=10**6),
    st.sampled_from(["NaN", "Infinity", "-0", "1e3", "0.005", " 2 ", "１"]),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
)


def _clean(line):
    try:
        return _clean_lines(WorkOrder(site_id=1), [line])[0], {}
    except ValidationError as exc:
        return None, exc.message_dict


@given(quantity=values, price=values)
def test_line_is_clean_or_a_field_error(quantity, price):
    line = {"kind": "other", "description": "线材", "quantity": quantity, "unit_price": price}
    clean, errors = _clean(line)
    if clean is None:
        assert errors
        assert set(errors) <= {"lines.0.quantity", "lines.0.unit_price"}
        return
    assert clean.quantity > 0
    assert clean.unit_price >= 0
    assert clean.quantity == clean.quantity.quantize(Decimal("0.01"))
    assert clean.amount == (clean.quantity * clean.unit_price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
