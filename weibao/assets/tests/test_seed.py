import io

import pytest

from weibao.accounts.models import User
from weibao.assets.models import Device, Project, Vendor
from weibao.customers.models import Customer, Site

pytestmark = pytest.mark.django_db


def _seed(kind: str, **kwargs) -> None:
    from weibao.accounts import seed as accounts_seed
    from weibao.assets import seed as assets_seed
    from weibao.customers import seed as customers_seed

    out = io.StringIO()
    for module in (accounts_seed, customers_seed, assets_seed):
        getattr(module, kind)(stdout=out, **kwargs)


def test_demo_is_realistic_and_idempotent():
    _seed("demo")
    counts = (Customer.objects.count(), Site.objects.count(), Project.objects.count(), Device.objects.count())
    assert 3 <= counts[0] <= 5
    assert 80 <= counts[3] <= 120
    assert {"华为", "海康威视", "大华", "思科", "H3C", "锐捷", "中兴", "Avaya"} <= set(
        Vendor.objects.values_list("name", flat=True)
    )
    assert set(Site.objects.values_list("region_tier", flat=True)) >= {"city", "county"}
    logins = {u.username: u for u in User.objects.filter(username__in=["customer", "customer2", "vendor"])}
    assert logins["customer"].organisation_id != logins["customer2"].organisation_id
    assert logins["customer"].is_customer
    assert logins["vendor"].is_vendor
    assert Project.objects.filter(built_by_us=False).exists()
    _seed("demo")
    assert (Customer.objects.count(), Site.objects.count(), Project.objects.count(), Device.objects.count()) == counts


def test_scale_is_proportional_and_idempotent():
    _seed("scale", n=5000)
    assert Customer.objects.filter(code__startswith="S").count() == 100  # 20,000 × 5,000 / 1,000,000
    assert Site.objects.filter(customer__code__startswith="S").count() == 300
    assert Device.objects.filter(serial_number__startswith="SX").count() == 5000
    _seed("scale", n=5000)
    assert Device.objects.filter(serial_number__startswith="SX").count() == 5000
