"""`weibao seed --demo` shows a newcomer an out-of-warranty order with a quote, a replacement and a signed form."""

import io

import pytest
from django.core.management import call_command

from weibao.onsite.choices import FormStatus, QuoteStatus
from weibao.onsite.models import Quote, Replacement, ServiceForm
from weibao.onsite.seed import DEMO_REF
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_seed_has_a_paid_order_with_quote_replacement_and_signed_form():
    out = io.StringIO()
    apps = ["accounts", "customers", "assets", "contracts", "onsite"]
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    wo = WorkOrder.objects.get(source_ref=DEMO_REF)
    assert wo.chargeable is True
    assert wo.service_type == "paid"
    assert Quote.objects.get(workorder=wo).status == QuoteStatus.APPROVED
    swap = Replacement.objects.get(workorder=wo)
    assert swap.old_device.status == "faulty"
    form = ServiceForm.objects.get(workorder=wo)
    assert form.status == FormStatus.SIGNED
    assert form.complete
    assert form.replaced_devices[0]["new_serial"] == swap.new_serial
    call_command("seed", "--demo", "--only", *apps, stdout=out)  # idempotent
    assert WorkOrder.objects.filter(source_ref=DEMO_REF).count() == 1
