"""Confirmed complaints from the feedback app on the database: fines, forfeiture at the threshold, and a complaint
confirmed after the month's lock settled in the next month as an adjustment (with the bonus taken back)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from weibao.payroll import services
from weibao.payroll.choices import LineKind
from weibao.payroll.tests.conftest import local, previous_month

pytestmark = pytest.mark.django_db


def test_confirmed_complaints_fine_and_forfeit_exactly_at_the_threshold(
    rule, service_admin, make_visit, make_complaint, make_user, last_month
):
    two, three = make_user("field_engineer", username="two"), make_user("field_engineer", username="three")
    day = last_month + dt.timedelta(days=2)
    for engineer in (two, three):
        make_visit(engineer, local(day))
    for i in range(2):
        make_complaint(two, local(day, 11 + i), local(day, 15 + i))
    for i in range(3):
        make_complaint(three, local(day, 11 + i), local(day, 15 + i))
    make_complaint(three, local(day, 9), None)  # not confirmed: does not count
    pm = services.paymonth_prepare(month=last_month, actor=service_admin)
    s2, s3 = pm.statements.get(engineer=two), pm.statements.get(engineer=three)
    # Two complaints: 30 + 500 - 200 = 330; three (the threshold): 30 + 0 - 300 = -270.
    assert (s2.complaints, s2.bonus, s2.fines, s2.total) == (2, D("500.00"), D("200.00"), D("330.00"))
    assert (s3.complaints, s3.bonus, s3.bonus_forfeited, s3.fines, s3.total) == (
        3,
        D("0.00"),
        True,
        D("300.00"),
        D("-270.00"),
    )


def test_complaint_confirmed_after_the_lock_is_next_months_adjustment(
    rule, service_admin, dept_manager, general_manager, make_visit, make_complaint, field_engineer, this_month
):
    before = previous_month(this_month, 2)
    after = previous_month(this_month, 1)
    day = before + dt.timedelta(days=5)
    make_visit(field_engineer, local(day))
    make_complaint(field_engineer, local(day, 11), local(day, 15))
    make_complaint(field_engineer, local(day, 12), local(day, 16))
    late = make_complaint(field_engineer, local(before + dt.timedelta(days=20)), None)  # confirmed later
    pm = services.paymonth_prepare(month=before, actor=service_admin)
    pm = services.paymonth_approve(
        pay_month=services.paymonth_review(pay_month=pm, actor=dept_manager), actor=general_manager
    )
    locked = pm.statements.get(engineer=field_engineer)
    assert (locked.complaints, locked.bonus, locked.total) == (2, D("500.00"), D("330.00"))
    # Confirmed after the lock: it belongs to the locked month and is settled in the next one.
    late.confirmed_at = timezone.now()
    late.save(update_fields=["confirmed_at"])
    nxt = services.paymonth_prepare(month=after, actor=service_admin)
    st = nxt.statements.get(engineer=field_engineer)
    adjustments = sorted(
        (line.kind, line.amount, line.from_month) for line in st.lines.filter(from_month__isnull=False)
    )
    assert adjustments == [(LineKind.COMPLAINT, D("-100.00"), before), (LineKind.FORFEIT, D("-500.00"), before)]
    # The next month's own figures: no complaint of its own, its bonus paid, minus the adjustments.
    assert (st.complaints, st.fines, st.bonus, st.adjustments, st.total) == (
        0,
        D("0.00"),
        D("500.00"),
        D("-600.00"),
        D("-100.00"),
    )
    # The locked month is untouched.
    locked.refresh_from_db()
    assert (locked.complaints, locked.total) == (2, D("330.00"))
