import pytest
from django.core.exceptions import PermissionDenied, ValidationError
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


def test_issue_and_return_are_on_the_order_timeline(store, counted_part, order_a, manager, customer_a_user):
    from weibao.workorders.choices import EventKind
    from weibao.workorders.selectors import events_visible_to

    services.receive(warehouse=store, part=counted_part, quantity=5, actor=manager)
    services.reserve_for_order(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=manager)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=manager)
    services.return_unused(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=manager)
    kinds = list(order_a.events.values_list("kind", flat=True))
    assert EventKind.PARTS_RESERVED in kinds
    assert EventKind.PARTS_ISSUED in kinds
    assert EventKind.PARTS_RETURNED in kinds
    seen = {e.kind: e for e in events_visible_to(user=customer_a_user, workorder=order_a)}
    assert EventKind.PARTS_RESERVED not in seen  # internal
    issued = seen[EventKind.PARTS_ISSUED]
    assert "千兆光模块" in issued.body
    assert "warehouse" not in issued.data  # which store it came from stays ours
    assert store.name not in issued.body


def test_parts_cannot_be_issued_to_a_closed_order(store, counted_part, order_a, manager):
    from weibao.core.exceptions import TransitionNotAllowed
    from weibao.workorders.models import WorkOrder

    services.receive(warehouse=store, part=counted_part, quantity=5, actor=manager)
    WorkOrder.objects.filter(pk=order_a.pk).update(status="closed")
    order_a.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=manager)
    assert services.available(store, counted_part) == 5


def test_engineer_takes_only_from_stores_and_his_own_van(
    store, van, counted_part, order_a, manager, field_engineer, make_user
):
    services.receive(warehouse=van, part=counted_part, quantity=2, actor=manager)
    services.receive(warehouse=store, part=counted_part, quantity=2, actor=manager)
    other = make_user("field_engineer")
    with pytest.raises(ValidationError) as exc:
        services.issue_to_order(warehouse=van, part=counted_part, workorder=order_a, quantity=1, actor=other)
    assert "warehouse" in exc.value.message_dict
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=1, actor=other)
    services.issue_to_order(warehouse=van, part=counted_part, workorder=order_a, quantity=1, actor=field_engineer)
    with pytest.raises(PermissionDenied):
        services.receive(warehouse=van, part=counted_part, quantity=1, actor=field_engineer)


def test_serial_reserve_release_transfer_return(store, van, serial_part, order_a, manager, field_engineer):
    services.receive(warehouse=store, part=serial_part, serials=["A", "B", "C"], actor=manager)
    services.reserve_for_order(warehouse=store, part=serial_part, workorder=order_a, serials=["A"], actor=manager)
    assert StockUnit.objects.get(serial="A").status == UnitStatus.RESERVED
    with pytest.raises(ValidationError):  # a reserved unit cannot travel
        services.transfer_send(from_warehouse=store, to_warehouse=van, part=serial_part, serials=["A"], actor=manager)
    services.release_reservation(warehouse=store, part=serial_part, workorder=order_a, serials=["A"], actor=manager)
    transfer = services.transfer_send(
        from_warehouse=store, to_warehouse=van, part=serial_part, serials=["A", "B"], actor=manager
    )
    assert StockUnit.objects.get(serial="B").status == UnitStatus.IN_TRANSIT
    with pytest.raises(ValidationError):  # in transit: not in the van yet
        services.issue_to_order(warehouse=van, part=serial_part, workorder=order_a, serials=["B"], actor=field_engineer)
    services.transfer_receive(transfer=transfer, actor=field_engineer)
    services.issue_to_order(warehouse=van, part=serial_part, workorder=order_a, serials=["B"], actor=field_engineer)
    services.return_unused(warehouse=store, part=serial_part, workorder=order_a, serials=["B"], actor=field_engineer)
    unit = StockUnit.objects.get(serial="B")
    assert (unit.status, unit.warehouse_id, unit.workorder_id) == (UnitStatus.IN_STOCK, store.pk, None)
    ledger_matches_stock()


def test_parts_go_onto_the_orders_quote(store, counted_part, serial_part, order_a, manager, field_engineer):
    from weibao.onsite.models import Quote
    from weibao.workorders import services as wo_services

    wo_services.workorder_dispatch(workorder=order_a, actor=manager, engineer=field_engineer)
    wo_services.workorder_arrive(workorder=order_a, actor=field_engineer)
    order_a.refresh_from_db()
    services.receive(warehouse=store, part=counted_part, quantity=5, actor=manager)
    services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=2, actor=field_engineer)
    quote = services.parts_add_to_quote(workorder=order_a, actor=field_engineer)
    line = quote.lines.get()
    assert (line.kind, line.quantity, line.unit_price) == ("part", 2, counted_part.price)
    assert "P-SFP-1G" in line.description
    with pytest.raises(ValidationError):  # nothing new to add
        services.parts_add_to_quote(workorder=order_a, actor=field_engineer)
    services.receive(warehouse=store, part=serial_part, serials=["Q1"], actor=manager)
    services.issue_to_order(warehouse=store, part=serial_part, workorder=order_a, serials=["Q1"], actor=field_engineer)
    revised = services.parts_add_to_quote(workorder=order_a, actor=field_engineer)
    assert revised.revision == 2
    assert revised.lines.count() == 2
    assert Quote.objects.get(pk=quote.pk).status == "superseded"


def test_low_stock_alert_mails_the_branch_manager(
    store, counted_part, order_a, manager, mailoutbox, django_capture_on_commit_callbacks
):
    from weibao.notifications.models import Delivery
    from weibao.spares.notify import alert_deliver

    services.receive(warehouse=store, part=counted_part, quantity=6, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_to_order(warehouse=store, part=counted_part, workorder=order_a, quantity=3, actor=manager)
    delivery = Delivery.objects.get(notice="low_stock")
    assert delivery.recipient == manager.email.lower()
    assert "P-SFP-1G" in delivery.body_text
    alert = StockAlert.objects.get()
    assert alert_deliver(alert_id=alert.pk) == 0  # a second run sends nothing twice
    assert Delivery.objects.filter(notice="low_stock").count() == 1


def test_sale_cancel_and_issue_all_or_nothing(store, counted_part, serial_part, customer_a_org, manager):
    from weibao.spares import sales
    from weibao.spares.choices import SaleStatus

    services.receive(warehouse=store, part=counted_part, quantity=1, actor=manager)
    services.receive(warehouse=store, part=serial_part, serials=["X1"], actor=manager)
    sale = sales.sale_quote(
        customer=customer_a_org,
        warehouse=store,
        actor=manager,
        lines=[{"part": serial_part, "quantity": 1}, {"part": counted_part, "quantity": 2}],
    )
    sale = sales.sale_approve(sale=sale, actor=manager, approved_by_name="王主任")
    line = sale.lines.get(part=serial_part)
    with pytest.raises(ValidationError) as exc:  # the counted line is short: the serial line is not issued either
        sales.sale_issue(sale=sale, actor=manager, serials={line.pk: ["X1"]})
    assert any(key.endswith(".quantity") for key in exc.value.message_dict)
    assert StockUnit.objects.get(serial="X1").status == UnitStatus.IN_STOCK
    assert not Move.objects.filter(kind=MoveKind.SALE).exists()
    with pytest.raises(ValidationError):
        sales.sale_cancel(sale=sale, actor=manager, reason="")
    sale = sales.sale_cancel(sale=sale, actor=manager, reason="客户改买整机")
    assert sale.status == SaleStatus.CANCELLED
    with pytest.raises(ValidationError) as exc:
        sales.sale_quote(
            customer=customer_a_org, warehouse=store, actor=manager, lines=[{"part": counted_part, "quantity": "-1"}]
        )
    assert "lines.0.quantity" in exc.value.message_dict
