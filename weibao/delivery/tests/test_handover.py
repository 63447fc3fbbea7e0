import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from weibao.assets.models import Device, Document, Project, Subsystem
from weibao.assets.tests.factories import DeviceFactory, VendorFactory
from weibao.contracts.models import Contract
from weibao.contracts.selectors import entitlement_for
from weibao.contracts.tests.factories import ContractFactory
from weibao.customers.models import Site
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery.choices import Stage
from weibao.delivery.handover import HandoverRefused, project_handover
from weibao.delivery.models import StageEvent
from weibao.delivery.services import team_member_add
from weibao.delivery.tests.factories import add_equipment, delivery_project, walk_to

pytestmark = pytest.mark.django_db


def _accepted(manager, **kwargs):
    project = delivery_project(actor=manager, **kwargs)
    return walk_to(project, manager, Stage.ACCEPTED)


def test_handover_before_final_acceptance_is_refused(manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.FINAL_ACCEPTANCE)
    with pytest.raises(HandoverRefused, match="终验"):
        project_handover(project=project, actor=manager)
    assert not Project.objects.exists()


def test_handover_writes_the_estate_and_the_service_contract(manager):
    template = ContractFactory(code="GOLD-TPL")
    template.sla.targets.filter(severity="A").update(arrival_city_minutes=30)
    project = _accepted(manager, sla_template=template, hardware_warranty_months=24)
    team_member_add(project=project, actor=manager, role="project_manager", name=manager.name, user=manager)

    project = project_handover(project=project, actor=manager)

    estate = project.estate_project
    assert estate.in_maintenance
    assert estate.accepted_on == datetime.date(2026, 8, 1)
    assert estate.project_manager == manager
    assert Site.objects.filter(customer=project.customer, name="总部大楼").count() == 1
    assert list(Subsystem.objects.filter(project=estate).values_list("name", flat=True)) == ["网络系统"]
    devices = Device.objects.filter(project=estate).order_by("serial_number")
    assert devices.count() == 2
    assert devices[0].installed_on == datetime.date(2026, 3, 2)
    assert devices[0].warranty_end == datetime.date(2028, 3, 2)  # 24 months from installation
    contract = project.service_contract
    assert contract.start_date == datetime.date(2026, 8, 1)
    assert list(contract.projects.all()) == [estate]
    assert contract.sla.targets.get(severity="A").arrival_city_minutes == 30  # copied from the template
    # documents for maintenance: the as-built drawings and the maintenance and emergency plans
    assert set(Document.objects.filter(project=estate).values_list("doc_type", flat=True)) >= {
        "drawing",
        "maintenance_plan",
        "emergency_plan",
    }
    # a fault on a handed-over device finds this contract
    ent = entitlement_for(customer=project.customer, at=timezone.now(), device=devices[0])
    assert ent.contract == contract


def test_handover_twice_changes_nothing(manager):
    project = _accepted(manager)
    project_handover(project=project, actor=manager)
    counts = (
        Device.objects.count(),
        Contract.objects.count(),
        Document.objects.count(),
        Site.objects.count(),
        StageEvent.objects.filter(kind="handed_over").count(),
    )
    stamp = Device.objects.order_by("pk").first().updated_at

    project_handover(project=project, actor=manager)

    again = (
        Device.objects.count(),
        Contract.objects.count(),
        Document.objects.count(),
        Site.objects.count(),
        StageEvent.objects.filter(kind="handed_over").count(),
    )
    assert again == counts
    assert Device.objects.order_by("pk").first().updated_at == stamp


def test_an_invalid_row_rolls_everything_back_and_is_named(manager):
    vendor = VendorFactory(name="华为")
    project = delivery_project(actor=manager)
    add_equipment(project, manager, vendor=vendor)
    # line 3 carries a serial number that another customer's device already has
    DeviceFactory(vendor=vendor, serial_number="TAKEN-1", customer=CustomerFactory())
    from weibao.delivery.services import equipment_add

    equipment_add(
        project=project, actor=manager, site_name="总部大楼", vendor=vendor, model="S5735", serial_number="TAKEN-1"
    )
    project = walk_to(project, manager, Stage.ACCEPTED)
    before = (Device.objects.count(), Site.objects.count(), Project.objects.count(), Contract.objects.count())

    with pytest.raises(ValidationError) as exc:
        project_handover(project=project, actor=manager)

    assert "line 3" in exc.value.messages[0].lower() or "第 3 行" in exc.value.messages[0]
    assert (Device.objects.count(), Site.objects.count(), Project.objects.count(), Contract.objects.count()) == before
    project.refresh_from_db()
    assert project.stage == Stage.ACCEPTED
    assert project.estate_project is None


def test_handover_updates_an_existing_device_of_the_customer(manager):
    vendor = VendorFactory(name="华为")
    customer = CustomerFactory()
    existing = DeviceFactory(vendor=vendor, serial_number="D001-SN1", customer=customer, location="旧位置")
    project = delivery_project(actor=manager, customer=customer)
    add_equipment(project, manager, vendor=vendor)
    project = walk_to(project, manager, Stage.ACCEPTED)
    project = project_handover(project=project, actor=manager)
    existing.refresh_from_db()
    assert existing.location == "3F 机房 U1"
    assert existing.project == project.estate_project
    assert Device.objects.filter(customer=customer).count() == 2
