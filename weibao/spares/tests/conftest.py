"""The store's fixtures (warehouses, parts); customers, sites and orders come from the project's conftest."""

from decimal import Decimal

import pytest


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
        part_number="P-SFP-1G",
        name="千兆光模块",
        model="SFP-GE-LX",
        tracking="counted",
        min_level=5,
        unit_cost=Decimal("120.00"),
        price=Decimal("260.00"),
        unit="个",
    )


@pytest.fixture
def serial_part(db):
    from weibao.spares.models import Part

    return Part.objects.create(
        part_number="P-CAM-4MP",
        name="网络摄像机",
        model="DS-2CD3T46",
        tracking="serial",
        min_level=0,
        unit_cost=Decimal("800.00"),
        price=Decimal("1280.00"),
        unit="台",
    )
