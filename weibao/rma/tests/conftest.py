import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def commercial(make_user):
    """A member of the commercial department (商务部)."""
    return make_user("commercial")


@pytest.fixture
def vendor(vendor_org):
    from weibao.workorders.tests.factories import VendorFactory

    v = VendorFactory(organisation=vendor_org)
    v.rma_address = "杭州市滨江区阡陌路555号 维修中心"
    v.offers_onsite_service = False
    v.save()
    return v


@pytest.fixture
def other_vendor_user(make_user):
    from weibao.accounts.tests.factories import OrganisationFactory
    from weibao.workorders.tests.factories import VendorFactory

    org = OrganisationFactory(kind="vendor", name="华为")
    VendorFactory(organisation=org)
    return make_user("vendor_contact", org)


@pytest.fixture
def device_a(site_a, vendor):
    """A camera of customer A: out of OUR warranty (ended last year)."""
    from weibao.workorders.tests.factories import DeviceFactory

    return DeviceFactory(
        site=site_a,
        vendor=vendor,
        model="DS-2CD3T46",
        serial_number="OLD-0001",
        warranty_end=timezone.localdate() - datetime.timedelta(days=365),
    )


@pytest.fixture
def device_b(site_b, vendor):
    from weibao.workorders.tests.factories import DeviceFactory

    return DeviceFactory(site=site_b, vendor=vendor, model="DS-2CD3T46", serial_number="B-0001")


@pytest.fixture
def order_a(site_a, device_a, manager):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_a, actor=manager, devices=[device_a])


@pytest.fixture
def order_b(site_b, manager):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_b, actor=manager)


@pytest.fixture
def replacement_a(order_a, device_a, manager, field_engineer):
    """The old unit of customer A's camera swapped for a new one on site."""
    from weibao.onsite import services as onsite
    from weibao.onsite.tests.conftest import signature_png
    from weibao.workorders import services as wo

    wo.workorder_dispatch(workorder=order_a, actor=manager, engineer=field_engineer)
    wo.workorder_arrive(workorder=order_a, actor=field_engineer)
    order_a.refresh_from_db()
    return onsite.replacement_record(
        workorder=order_a,
        actor=field_engineer,
        old_device=device_a,
        new_serial="NEW-0002",
        new_model="DS-2CD3T47",
        signer_name="王主任",
        signature=signature_png(),
    )


@pytest.fixture
def paying_case(replacement_a, commercial):
    """A case from the replacement: out of the vendor's and our warranty — send back, the customer pays."""
    from weibao.rma import services

    return services.rma_open(
        actor=commercial, source="replacement", replacement=replacement_a, fault="图像花屏，无法启动"
    )


@pytest.fixture
def approved_case(paying_case, commercial, customer_a_user):
    from weibao.rma import services

    fee = services.rma_fee_quote(
        case=paying_case, actor=commercial, repair="800", shipping_out="25", shipping_back="25"
    )
    services.rma_fee_answer(fee=fee, actor=customer_a_user, approve=True)
    paying_case.refresh_from_db()
    return paying_case


@pytest.fixture
def shipped_case(approved_case, commercial):
    from weibao.rma import services

    return services.rma_ship_out(case=approved_case, actor=commercial, carrier="sf", waybill="SF1234567890123")


@pytest.fixture
def store(branch):
    from weibao.spares.models import Warehouse

    return Warehouse.objects.create(code="hq", name="总部备件库", kind="head_office", branch=branch)


@pytest.fixture
def camera_part(vendor):
    from decimal import Decimal

    from weibao.spares.models import Part

    return Part.objects.create(
        part_number="P-CAM-4MP",
        name="网络摄像机",
        model="DS-2CD3T46",
        tracking="serial",
        vendor=vendor,
        unit_cost=Decimal("800.00"),
        price=Decimal("1280.00"),
        unit="台",
    )
