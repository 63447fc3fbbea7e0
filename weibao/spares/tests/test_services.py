import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from weibao.spares import services
from weibao.spares.choices import MoveKind, UnitStatus
from weibao.spares.models import AppendOnlyError, Move, Stock, StockAlert, StockUnit

pytestmark = pytest.mark.django_db


def ledger_matches_stock():
    for stock in Stock.objects.all():
        sums = Move.objects.filter(warehouse=stock.warehouse, part=stock.part).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert (sums["on_hand"] or 0, sums["reserved"] or 0) == (stock.on_hand, stock.reserved)


def test_receive_issue_return_counted(store, counted_part, order_a, manager, field_engineer):
    services.receive(warehouse=store, part=counted_part, quantity=10, actor=manager)
    move = services.issue_to_order(
        warehouse=store, part=counted_part, workorder=order_a, quantity=3, actor=field_engineer
    )
    assert move.on_hand_delta == -3
    assert move.on_hand_after == 7
    assert services.available(store, counted_part) == 7
    services.return_unused(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=field_engineer)
    assert services.available(store, counted_part) == 9
    assert services.issued_to_order(part=counted_part, workorder=order_a) == 1
    with pytest.raises(ValidationError) as exc:
        services.return_unused(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=field_engineer)
    assert "quantity" in exc.value.message_dict
    ledger_matches_stock()


def test_issue_refused_below_zero_nothing_written(store, counted_part, order_a, manager):
    services.receive(warehouse=store, part=counted_part, quantity=2, actor=manager)
    with pytest.raises(ValidationError) as exc:
        services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=3, actor=manager)
    assert "quantity" in exc.value.message_dict
    assert Move.objects.count() == 1
    assert Stock.objects.get().on_hand == 2


@pytest.mark.parametrize("qty", [0, -1, "-3", "1.5", "abc"])
def test_bad_quantities(store, counted_part, manager, qty):
    with pytest.raises(ValidationError) as exc:
        services.receive(warehouse=store, part=counted_part, quantity=qty, actor=manager)
    assert "quantity" in exc.value.message_dict
    assert not Move.objects.exists()


def test_serials_duplicate_unknown(store, serial_part, order_a, manager):
    with pytest.raises(ValidationError) as exc:
        services.receive(warehouse=store, part=serial_part, serials=["S1", "S2", "S1"], actor=manager)
    assert "S1" in exc.value.message_dict["serials"][0]
    assert not StockUnit.objects.exists()
    services.receive(warehouse=store, part=serial_part, serials="S1\nS2", actor=manager)
    with pytest.raises(ValidationError) as exc:
        services.receive(warehouse=store, part=serial_part, serials=["S2"], actor=manager)
    assert "S2" in exc.value.message_dict["serials"][0]
    with pytest.raises(ValidationError) as exc:
        services.issue_to_order(warehouse=store, part=serial_part, workorder=order_a, serials=["NOPE"], actor=manager)
    assert "NOPE" in exc.value.message_dict["serials"][0]
    services.issue_to_order(warehouse=store, part=serial_part, workorder=order_a, serials=["S1"], actor=manager)
    unit = StockUnit.objects.get(serial="S1")
    assert (unit.status, unit.workorder_id, unit.warehouse_id) == (UnitStatus.ISSUED, order_a.pk, None)
    ledger_matches_stock()


def test_transfer_in_transit_counts_nowhere(store, van, counted_part, manager, field_engineer):
    services.receive(warehouse=store, part=counted_part, quantity=5, actor=manager)
    transfer = services.transfer_send(
        from_warehouse=store, to_warehouse=van, part=counted_part, quantity=2, actor=manager
    )
    assert services.available(store, counted_part) == 3
    assert services.available(van, counted_part) == 0
    services.transfer_receive(transfer=transfer, actor=field_engineer)
    assert services.available(van, counted_part) == 2
    ledger_matches_stock()


def test_reserve_then_issue_uses_reservation(store, counted_part, order_a, order_b, manager):
    services.receive(warehouse=store, part=counted_part, quantity=2, actor=manager)
    services.reserve_for_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=manager)
    assert services.available(store, counted_part) == 0
    with pytest.raises(ValidationError):
        services.issue_to_order(warehouse=store, part=counted_part, workorder=order_b, quantity=1, actor=manager)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=manager)
    stock = Stock.objects.get()
    assert (stock.on_hand, stock.reserved) == (0, 0)
    ledger_matches_stock()


def test_repaired_back_and_write_off(store, serial_part, order_a, manager):
    services.receive(warehouse=store, part=serial_part, serials=["S1"], actor=manager)
    services.issue_to_order(warehouse=store, part=serial_part, workorder=order_a, serials=["S1"], actor=manager)
    move = services.receive_repaired(warehouse=store, part=serial_part, serial="S1", actor=manager, reference="RMA-1")
    assert move.kind == MoveKind.REPAIRED_IN
    assert move.reference == "RMA-1"
    with pytest.raises(ValidationError):
        services.receive_repaired(warehouse=store, part=serial_part, serial="S1", actor=manager)
    with pytest.raises(ValidationError) as exc:
        services.write_off(warehouse=store, part=serial_part, serials=["S1"], reason="", actor=manager)
    assert "reason" in exc.value.message_dict
    services.write_off(warehouse=store, part=serial_part, serials=["S1"], reason="进水损坏", actor=manager)
    assert services.available(store, serial_part) == 0
    ledger_matches_stock()


def test_low_stock_alert_opens_and_clears(store, counted_part, order_a, manager):
    services.receive(warehouse=store, part=counted_part, quantity=6, actor=manager)
    assert not StockAlert.objects.exists()
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=manager)
    alert = StockAlert.objects.get()
    assert (alert.available, alert.min_level, alert.is_open) == (4, 5, True)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=manager)
    assert StockAlert.objects.count() == 1
    services.receive(warehouse=store, part=counted_part, quantity=10, actor=manager)
    alert.refresh_from_db()
    assert not alert.is_open


def test_ledger_is_append_only(store, counted_part, manager):
    move = services.receive(warehouse=store, part=counted_part, quantity=1, actor=manager)
    with pytest.raises(AppendOnlyError):
        move.save()
    with pytest.raises(AppendOnlyError):
        Move.objects.update(note="x")
    with pytest.raises(AppendOnlyError):
        Move.objects.all().delete()
