"""`weibao sla preview` and the seed functions."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from weibao.contracts import seed
from weibao.contracts.models import BusinessCalendar, Contract
from weibao.contracts.tests.factories import ContractFactory, CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


def test_preview_command_prints_deadlines_and_reasons():
    site = SiteFactory(region_tier="county")
    contract = ContractFactory(customer=site.customer, code="HT-CLI")
    out = io.StringIO()
    call_command(
        "sla",
        "preview",
        "--contract",
        contract.code,
        "--severity",
        "A",
        "--site",
        str(site.pk),
        "--channel",
        "phone",
        "--at",
        "2026-09-30 17:50",
        "--language",
        "en",
        stdout=out,
    )
    text = out.getvalue()
    assert "deadline 2026-10-08 09:05" in text  # response: 10 min on 30 Sep, then 8 Oct
    assert "statutory holiday: 国庆节" in text
    assert "make-up working day" in text  # Saturday 10 Oct 2026 counts for the 24 h arrival clock
    assert "region tier county" in text


def test_preview_command_refuses_unknown_contract_and_foreign_site():
    with pytest.raises(CommandError):
        call_command("sla", "preview", "--contract", "NOPE", "--at", "2026-09-30 17:50", stdout=io.StringIO())
    contract = ContractFactory()
    other = SiteFactory()
    with pytest.raises(CommandError):
        call_command(
            "sla",
            "preview",
            "--contract",
            contract.code,
            "--site",
            str(other.pk),
            "--at",
            "2026-09-30 17:50",
            stdout=io.StringIO(),
        )


def test_demo_seed_is_idempotent():
    for code in ("C001", "C002", "C003", "C004"):
        CustomerFactory(code=code)
    seed.demo(stdout=io.StringIO())
    seed.demo(stdout=io.StringIO())
    assert BusinessCalendar.objects.count() == 3
    assert Contract.objects.filter(code__startswith="HT-DEMO").count() == 5
    assert Contract.objects.get(code="HT-DEMO-004-R1").renewed_from.code == "HT-DEMO-004"
    assert Contract.objects.get(code="HT-DEMO-001").sla.targets.get(severity="A").response_minutes == 30


def test_scale_seed_one_contract_per_scaled_customer():
    for i in range(7):
        CustomerFactory(code=f"S{i:06d}")
    seed.scale(n=1000, stdout=io.StringIO())
    seed.scale(n=1000, stdout=io.StringIO())
    assert Contract.objects.filter(code__startswith="HT-S").count() == 7
    assert all(c.sla.targets.count() == 4 for c in Contract.objects.filter(code__startswith="HT-S"))
