"""The briefing's device table is cached by the values it shows: an edit shows at once."""

import pytest
from django.urls import reverse

from weibao.assets.models import Device, Vendor
from weibao.workorders.tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def test_device_and_vendor_edits_show_at_once_after_the_table_was_cached(client, manager, site_a):
    device = DeviceFactory(site=site_a, name="核心交换机", location="3F 机房")
    url = reverse("assets:briefing_site", args=[site_a.pk])
    client.force_login(manager)
    assert "3F 机房" in client.get(url).content.decode()
    Device.objects.filter(pk=device.pk).update(location="5F 弱电间")  # no save(): no timestamp moves either
    Vendor.objects.filter(pk=device.vendor_id).update(name="新厂商")
    body = client.get(url).content.decode()
    assert "5F 弱电间" in body
    assert "3F 机房" not in body
    assert "新厂商" in body
