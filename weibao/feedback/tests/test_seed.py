"""`weibao seed --demo` shows callbacks (due, overdue, retry, done) and complaints (open and closed)."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from weibao.feedback.models import Callback, Complaint
from weibao.feedback.seed import DEMO_REF
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_the_queue_and_complaints():
    out = io.StringIO()
    apps = ["accounts", "customers", "assets", "contracts", "feedback"]
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    assert WorkOrder.objects.filter(source_ref=DEMO_REF).count() == 4
    statuses = sorted(Callback.objects.values_list("status", flat=True))
    assert statuses.count("pending") >= 2
    assert "done" in statuses
    assert Callback.objects.filter(status="pending", due_at__lt=timezone.now()).exists()  # the overdue one
    assert Callback.objects.filter(next_try_at__isnull=False).exists()  # waiting for a retry
    assert set(Complaint.objects.values_list("status", flat=True)) == {"investigating", "closed"}
    call_command("seed", "--demo", "--only", *apps, stdout=out)  # idempotent
    assert WorkOrder.objects.filter(source_ref=DEMO_REF).count() == 4
