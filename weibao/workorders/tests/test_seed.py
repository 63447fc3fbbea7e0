"""The demo and scale seeds produce orders in every state with consistent timelines and clocks."""

import io

import pytest
from django.core.management import call_command

from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import Clock, NumberCounter, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def test_demo_and_scale_seed():
    out = io.StringIO()
    call_command("seed", "--scale", "400", stdout=out)
    assert WorkOrder.objects.filter(source_ref__startswith="demo:").count() == 60
    assert set(WorkOrder.objects.filter(source_ref__startswith="demo:").values_list("status", flat=True)) == set(
        Status.values
    )
    assert WorkOrder.objects.filter(source_ref="scale").count() == 400
    numbers = list(WorkOrder.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    for year, last in NumberCounter.objects.values_list("year", "last"):
        assert WorkOrder.objects.filter(number__startswith=f"WB-{year}-").count() == last
    # Every order starts its timeline with its report; closed ones end with the close.
    assert WorkOrderEvent.objects.filter(kind=EventKind.CREATED).count() == WorkOrder.objects.count()
    closed = WorkOrder.objects.filter(status=Status.CLOSED, source_ref="scale").first()
    assert closed.events.order_by("-created_at", "-id").first().kind == EventKind.CLOSED
    assert Clock.objects.filter(workorder__status=Status.CLOSED, stopped_at__isnull=True).count() == 0
    # Idempotent: a second run adds nothing.
    call_command("seed", "--scale", "400", "--only", "workorders", stdout=out)
    assert WorkOrder.objects.filter(source_ref="scale").count() == 400
