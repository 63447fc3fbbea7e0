"""`weibao seed --demo` shows the store: a van warehouse, a low-stock alert, a transfer in transit, a part issued
from the van to the demo order, a parts sale through to its invoice. Idempotent."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from weibao.spares.choices import MoveKind, SaleStatus, TransferStatus
from weibao.spares.models import Move, PartSale, Stock, StockAlert, Transfer, Warehouse

pytestmark = pytest.mark.django_db


def test_demo_seed_has_van_alert_transit_and_sale():
    out = io.StringIO()
    apps = ["accounts", "customers", "assets", "contracts", "onsite", "spares"]
    call_command("seed", "--demo", "--only", *apps, stdout=out)
    van = Warehouse.objects.get(code="van-zhangwei")
    assert van.kind == "van"
    assert van.owner.username == "field"
    alert = StockAlert.objects.get(cleared_at=None, part__part_number="P-PSU-150")
    assert alert.warehouse.code == "hq-store"
    assert Transfer.objects.filter(status=TransferStatus.IN_TRANSIT, to_warehouse=van).exists()
    assert Move.objects.filter(kind=MoveKind.ISSUE, warehouse=van, workorder__source_ref="demo:onsite").exists()
    assert PartSale.objects.filter(status=SaleStatus.INVOICED).exists()
    for stock in Stock.objects.all():
        total = Move.objects.filter(warehouse=stock.warehouse, part=stock.part).aggregate(n=Sum("on_hand_delta"))["n"]
        assert total == stock.on_hand
    moves = Move.objects.count()
    call_command("seed", "--demo", "--only", *apps, stdout=out)  # idempotent
    assert Move.objects.count() == moves
