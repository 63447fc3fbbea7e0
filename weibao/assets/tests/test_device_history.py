"""Issue 18 §23: a device's history (DeviceEvent) is append-only like the work-order timeline, and it outlives
nothing: devices are retired, never deleted (the history protects its device)."""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db.models import ProtectedError
from django.test import RequestFactory

from weibao.assets.choices import DeviceEventKind, DeviceStatus
from weibao.assets.models import Device, DeviceEvent
from weibao.assets.services import device_create, device_set_status
from weibao.assets.tests.factories import VendorFactory
from weibao.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(manager):
    customer = CustomerFactory()
    return device_create(
        actor=manager,
        customer=customer,
        site=SiteFactory(customer=customer),
        vendor=VendorFactory(),
        model="S5735",
        serial_number="SN-H1",
    )


def test_an_event_is_never_changed(device):
    event = device.events.get()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        DeviceEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert DeviceEvent.objects.get(pk=event.pk).note == ""


def test_an_event_is_never_deleted(device):
    event = device.events.get()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        DeviceEvent.objects.filter(device=device).delete()
    assert DeviceEvent.objects.filter(pk=event.pk).exists()


def test_a_device_with_history_is_retired_not_deleted(device, manager, admin_user):
    with pytest.raises(ProtectedError):
        device.delete()
    with pytest.raises(ProtectedError):
        Device.objects.filter(pk=device.pk).delete()

    device_set_status(device=device, status=DeviceStatus.RETIRED, actor=manager, note="报废")
    device.refresh_from_db()
    assert device.status == DeviceStatus.RETIRED
    assert list(device.events.order_by("pk").values_list("kind", flat=True)) == [
        DeviceEventKind.CREATED,
        DeviceEventKind.STATUS_CHANGED,
    ]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert admin_site._registry[Device].has_delete_permission(request, device) is False
