"""`weibao seed --demo` labels the demo hospital's devices and offers the scan-code SMS template; idempotent."""

import io

import pytest
from django.core.management import call_command

from weibao.assets.models import Device
from weibao.labels.models import Label
from weibao.notifications.models import SmsTemplate

pytestmark = pytest.mark.django_db


def test_demo_seed_labels_the_hospital_devices():
    apps = ["accounts", "customers", "assets", "labels"]
    call_command("seed", "--demo", "--only", *apps, stdout=io.StringIO())
    devices = Device.objects.filter(customer__code="C001").exclude(status="retired")
    assert devices.exists()
    assert Label.objects.filter(revoked_at__isnull=True).count() == devices.count()
    assert SmsTemplate.objects.filter(notice="scan_code").exists()
    call_command("seed", "--demo", "--only", *apps, stdout=io.StringIO())  # idempotent
    assert Label.objects.count() == devices.count()
