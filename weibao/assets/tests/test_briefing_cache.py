"""The briefing's estate part is rendered once per version of the estate: any save or delete of what it shows (through
the product, the admin or an import) shows at once; the live sections (open orders) are never cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from weibao.assets.models import Device
from weibao.assets.receivers import estate_version
from weibao.assets.services import import_check, import_commit, import_start
from weibao.assets.tests.factories import ProjectFactory, VendorFactory
from weibao.assets.tests.xlsx import row, xlsx_upload
from weibao.customers.models import Contact
from weibao.workorders.tests.factories import DeviceFactory, make_workorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(client, manager, site_a):
    client.force_login(manager)
    url = reverse("assets:briefing_site", args=[site_a.pk])
    return lambda: client.get(url).content.decode()


def test_edits_saved_anywhere_show_at_once(briefing, site_a):
    device = DeviceFactory(site=site_a, name="核心交换机", location="3F 机房")
    assert "3F 机房" in briefing()
    device.location = "5F 弱电间"
    device.save()
    device.vendor.name = "新厂商"
    device.vendor.save()
    body = briefing()
    assert "5F 弱电间" in body
    assert "3F 机房" not in body
    assert "新厂商" in body
    Contact.objects.create(customer=site_a.customer, organisation=site_a.customer.organisation, name="王工")
    assert "王工" in briefing()
    device.delete()
    assert "核心交换机" not in briefing()


def test_the_estate_part_is_read_once_per_version_and_the_open_orders_are_live(briefing, site_a):
    DeviceFactory(site=site_a, name="核心交换机")
    briefing()
    with CaptureQueriesContext(connection) as first:
        briefing()
    assert not any('"assets_device"' in q["sql"] for q in first.captured_queries)  # served from the cache
    order = make_workorder(site=site_a, symptom="门禁控制器离线")
    assert order.number in briefing()  # a new order is no estate change: its section is live


def test_an_import_shows_at_once(briefing, site_a, manager):
    project = ProjectFactory(customer=site_a.customer)
    VendorFactory(name="华为")
    briefing()
    before = estate_version()
    job = import_start(
        actor=manager,
        customer=site_a.customer,
        project=project,
        upload=xlsx_upload([row(site=site_a.name, serial_number="SN-IMPORTED-1", subsystem="")]),
    )
    job = import_check(job_id=job.pk)
    import_commit(job_id=job.pk, actor=manager)
    assert Device.objects.filter(serial_number="SN-IMPORTED-1").exists()
    assert estate_version() != before
    assert "SN-IMPORTED-1" in briefing()


def test_each_organisation_has_its_own_cached_briefing(client, manager, customer_a_user, site_a):
    """A customer's user and our staff read different keys (documents and contacts are scoped per organisation)."""
    DeviceFactory(site=site_a, name="核心交换机")
    url = reverse("assets:briefing_site", args=[site_a.pk])
    client.force_login(manager)
    client.get(url)
    client.force_login(customer_a_user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert any('"assets_device"' in q["sql"] for q in ctx.captured_queries)  # not the staff's copy


def test_device_rows_show_an_edit_at_once_after_they_were_cached(client, manager, site_a):
    device = DeviceFactory(site=site_a, name="核心交换机", location="3F 机房")
    client.force_login(manager)
    url = reverse("assets:device_list")
    assert "3F 机房" in client.get(url).text
    Device.objects.filter(pk=device.pk).update(location="5F 弱电间", status="retired")  # no save(): no signal
    site_a.name = "新园区"
    site_a.save()
    page = client.get(url).text
    assert "5F 弱电间" in page
    assert "新园区" in page
