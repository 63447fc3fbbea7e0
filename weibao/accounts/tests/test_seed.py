import io

import pytest
from django.core.management import call_command

from weibao.accounts.choices import Role
from weibao.accounts.models import Branch, Region, User
from weibao.accounts.seed import DEMO_PASSWORD, demo, scale

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_logins_work():
    demo(stdout=io.StringIO())
    counts = (User.objects.count(), Branch.objects.count(), Region.objects.count())
    demo(stdout=io.StringIO())
    assert (User.objects.count(), Branch.objects.count(), Region.objects.count()) == counts
    duty = User.objects.get(username="duty")
    assert duty.check_password(DEMO_PASSWORD)
    assert duty.branch.is_head_office
    assert set(duty.skills.values_list("code", flat=True)) == {"network", "software"}
    assert User.objects.get(username="admin").is_superuser


def test_demo_logins_lists_every_role(make_user, customer_a_org, vendor_org):
    demo(stdout=io.StringIO())
    make_user("customer_contact", customer_a_org, username="customer")
    make_user("vendor_contact", vendor_org, username="vendor")
    from weibao.accounts.tests.factories import OrganisationFactory

    make_user("supervisor", OrganisationFactory(kind="supervisor"), username="supervisor")  # the delivery seed's
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    assert "(none yet)" not in text
    for username in ("admin", "manager", "duty", "field", "clerk", "pm", "customer", "vendor"):
        assert f" {username} " in text
    assert len([line for line in text.splitlines() if line.startswith("  ")]) == len(Role)


def test_scale_adds_engineers_once():
    scale(n=100_000, stdout=io.StringIO())
    engineers = User.objects.filter(username__startswith="eng")
    assert engineers.count() == 20
    assert engineers.first().skills.count() == 2
    scale(n=100_000, stdout=io.StringIO())
    assert engineers.count() == 20
