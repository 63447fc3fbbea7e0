"""`weibao seed --demo` for the month end: an approved, a reviewed and a prepared month; idempotent."""

import io

import pytest

from weibao.payroll.models import PayMonth, PayRule

pytestmark = pytest.mark.django_db


def test_demo_has_an_approved_a_reviewed_and_a_prepared_month():
    from weibao.accounts import seed as accounts_seed
    from weibao.payroll import seed

    out = io.StringIO()
    accounts_seed.demo(stdout=out)
    seed.demo(stdout=out)
    seed.demo(stdout=out)  # idempotent
    months = list(PayMonth.objects.order_by("month").values_list("status", flat=True))
    assert months == ["approved", "reviewed", "prepared"]
    assert PayRule.objects.count() == 1
    assert [e.kind for e in PayMonth.objects.order_by("month").first().events.all()] == [
        "prepared",
        "reviewed",
        "approved",
    ]
