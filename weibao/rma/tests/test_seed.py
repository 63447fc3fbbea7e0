"""`weibao seed --demo` shows an RMA case at each stage, a vendor agreement and escalations (one solved)."""

import io

import pytest
from django.core.management import call_command

from weibao.rma.choices import EscalationStatus, Status
from weibao.rma.models import RmaCase, VendorAgreement, VendorEscalation

pytestmark = pytest.mark.django_db


def test_demo_seed_has_a_case_at_each_stage():
    out = io.StringIO()
    apps = ["accounts", "customers", "assets", "contracts", "onsite", "spares", "rma"]
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    statuses = set(RmaCase.objects.values_list("status", flat=True))
    assert set(Status) <= statuses, out.getvalue()
    assert RmaCase.objects.filter(source="stock", status=Status.RETURNED).exists()
    assert RmaCase.objects.filter(source="replacement").exists()
    assert any(c.overdue_with_vendor for c in RmaCase.objects.filter(status__in=["shipped_out", "in_repair"]))
    assert VendorAgreement.objects.exists()
    assert VendorEscalation.objects.filter(status=EscalationStatus.SOLVED).exclude(root_cause="").exists()
    assert VendorEscalation.objects.filter(status=EscalationStatus.OPEN, questions__answered_at__isnull=False).exists()
    count = RmaCase.objects.count()
    call_command("seed", "--demo", "--only", *apps, stdout=out)  # idempotent
    assert RmaCase.objects.count() == count
