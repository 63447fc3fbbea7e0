from decimal import Decimal

import pytest


@pytest.fixture
def customer_a(customer_a_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_a_org, code="CA")


@pytest.fixture
def customer_b(customer_b_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_b_org, code="CB")


@pytest.fixture
def site_a(customer_a):
    from weibao.workorders.tests.factories import SiteFactory

    return SiteFactory(customer=customer_a, name="甲公司总部")


@pytest.fixture
def site_b(customer_b):
    from weibao.workorders.tests.factories import SiteFactory

    return SiteFactory(customer=customer_b, name="乙公司总部")


@pytest.fixture
def order_a(site_a, manager):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_a, actor=manager)


@pytest.fixture
def order_b(site_b, manager):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_b, actor=manager)


@pytest.fixture
def store(branch):
    from weibao.spares.models import Warehouse

    return Warehouse.objects.create(code="hq", name="总部备件库", kind="head_office", branch=branch)


@pytest.fixture
def store2(branch):
    from weibao.spares.models import Warehouse

    return Warehouse.objects.create(code="hq2", name="总部二号库", kind="branch", branch=branch)


@pytest.fixture
def van(branch, field_engineer):
    from weibao.spares.models import Warehouse

    return Warehouse.objects.create(code="van-1", name="张工车载库", kind="van", branch=branch, owner=field_engineer)


@pytest.fixture
def counted_part(db):
    from weibao.spares.models import Part

    return Part.objects.create(
        part_number="P-SFP-1G", name="千兆光模块", model="SFP-GE-LX", tracking="counted", min_level=5,
        unit_cost=Decimal("120.00"), price=Decimal("260.00"), unit="个",
    )  # fmt: skip


@pytest.fixture
def serial_part(db):
    from weibao.spares.models import Part

    return Part.objects.create(
        part_number="P-CAM-4MP", name="网络摄像机", model="DS-2CD3T46", tracking="serial", min_level=0,
        unit_cost=Decimal("800.00"), price=Decimal("1280.00"), unit="台",
    )  # fmt: skip
