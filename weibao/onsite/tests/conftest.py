import io

import pytest


def png(draw=None, size=(320, 120)) -> bytes:
    """A transparent PNG with `draw(ImageDraw)` applied (nothing: a blank pad)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if draw is not None:
        draw(ImageDraw.Draw(image))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def signature_png() -> bytes:
    """A real-looking signature: a zigzag across the pad."""
    points = [(20 + i * 14, 30 if i % 2 else 90) for i in range(20)]
    return png(lambda d: d.line(points, fill=(0, 0, 0, 255), width=3))


def signature_data_url() -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(signature_png()).decode()


@pytest.fixture
def device_a(site_a):
    from weibao.workorders.tests.factories import DeviceFactory

    return DeviceFactory(site=site_a, model="DS-2CD3T46", serial_number="OLD-0001")


@pytest.fixture
def contract_a(customer_a):
    from decimal import Decimal

    from weibao.contracts.tests.factories import ContractFactory

    return ContractFactory(
        customer=customer_a,
        labour_rate_hour=Decimal("200.00"),
        labour_rate_visit=Decimal("500.00"),
        transport_rate=Decimal("80.00"),
        covers_all=False,
    )


@pytest.fixture
def on_site_order(site_a, device_a, contract_a, manager, field_engineer):
    """An order of customer A with the engineer on site, on the contract with rates, out of warranty."""
    from weibao.workorders import services as wo_services
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import make_workorder

    wo = make_workorder(site=site_a, actor=manager, devices=[device_a])
    WorkOrder.objects.filter(pk=wo.pk).update(contract=contract_a, in_warranty=False, chargeable=True)
    wo.refresh_from_db()
    wo_services.workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    wo_services.workorder_arrive(workorder=wo, actor=field_engineer)
    wo.refresh_from_db()
    return wo


@pytest.fixture
def order_b(site_b, manager):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_b, actor=manager)


@pytest.fixture
def spare_part(db):
    from decimal import Decimal

    from weibao.onsite.models import SparePart

    return SparePart.objects.create(model="DS-2CD3T47", name="网络摄像机", unit="台", unit_price=Decimal("1280.00"))
