"""Two managers recording the same callback at once record one result; complaints registered at once get distinct
numbers without gaps; two sweeps at once add each callback once (threads with their own connections; PostgreSQL only)."""

import pytest
from django.db import connection
from django.utils import timezone

from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.feedback import services
from weibao.feedback.models import Callback, CallbackAttempt, Complaint, ComplaintCounter
from weibao.workorders.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def test_two_managers_record_one_result(order_a, manager):
    services.callbacks_select()
    cb = Callback.objects.get(order=order_a)
    refused: list[str] = []

    def record(i: int) -> None:
        try:
            services.callback_record(
                callback=Callback.objects.get(pk=cb.pk),
                actor=manager,
                outcome="reached",
                satisfaction=5,
                expected_version=1,
            )
        except (StaleEdit, TransitionNotAllowed) as exc:
            refused.append(type(exc).__name__)

    assert run_threads(3, record) == []
    assert len(refused) == 2
    assert CallbackAttempt.objects.filter(callback=cb).count() == 1


def test_complaints_at_once_get_gapless_numbers_from_the_counter(order_a, manager):
    # Eight registrations at once: the year's counter row serialises them (no max+retry), numbers 1..8 without gaps.
    def register(i: int) -> None:
        services.complaint_register(
            actor=manager,
            customer=order_a.organisation,
            order=order_a,
            source="phone",
            category="late",
            complainant_name="王",
            description=f"第{i}次",
        )

    assert run_threads(8, register) == []
    year = timezone.localdate().year
    numbers = sorted(Complaint.objects.values_list("number", flat=True))
    assert numbers == [f"TS-{year}-{n:05d}" for n in range(1, 9)]
    assert ComplaintCounter.objects.get(year=year).last == 8


def test_two_sweeps_at_once_add_each_callback_once(close_order, site_a):
    for _ in range(3):
        close_order(site_a, severity="A")
    assert run_threads(2, lambda i: services.callbacks_select()) == []
    assert Callback.objects.count() == 3
