"""Demo data of QR labels: every in-service device of the demo hospital gets its label, and an SMS template for
the scan page's one-time code (Alibaba Cloud template code of the demo). Idempotent."""

from __future__ import annotations

from django.db import transaction


@transaction.atomic
def demo(*, stdout) -> None:
    from weibao.accounts.models import User
    from weibao.assets.models import Device
    from weibao.labels.services import labels_ensure
    from weibao.notifications.choices import Notice
    from weibao.notifications.models import SmsTemplate

    manager = User.objects.filter(username="manager").first()
    devices = list(Device.objects.filter(customer__code="C001").exclude(status="retired").order_by("pk"))
    if manager is None or not devices:
        stdout.write("  labels: skipped (needs the accounts and assets demo data)")
        return
    labels = labels_ensure(devices=devices, actor=manager)
    SmsTemplate.objects.get_or_create(notice=Notice.SCAN_CODE, defaults={"template_code": "SMS_DEMO_SCAN"})
    stdout.write(f"  labels: {len(labels)} devices labelled")


def scale(*, n: int, stdout) -> None:
    """Benchmarks need no labels."""
