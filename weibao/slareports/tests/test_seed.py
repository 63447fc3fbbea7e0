"""`weibao seed --demo` shows a monthly schedule and a regular report with numbers (and so charts). Idempotent."""

import io

import pytest
from django.core.management import call_command

from weibao.slareports.models import PeriodicReport, ReportSchedule

pytestmark = pytest.mark.django_db


def test_demo_seed_has_a_regular_report_with_orders():
    out = io.StringIO()
    apps = ["accounts", "customers", "assets", "contracts", "workorders", "slareports"]
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    assert ReportSchedule.objects.filter(frequency="monthly", major_down_hours=8).exists()
    reports = list(PeriodicReport.objects.all())
    assert reports
    assert any(r.data["orders_total"] > 0 for r in reports)
    count = len(reports)
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    assert PeriodicReport.objects.count() == count
