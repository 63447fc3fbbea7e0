"""Twenty engineers taking the last units at the same moment (threads with their own connections and real
transactions; PostgreSQL only — SQLite serialises writers). Exactly the available quantity is issued, the rest
are refused, nothing goes below zero and the ledger's sums equal the stock."""

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from weibao.spares import services
from weibao.spares.choices import MoveKind, UnitStatus
from weibao.spares.models import Move, Stock, StockUnit
from weibao.workorders.tests.factories import make_workorder
from weibao.workorders.tests.test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

THREADS = 20


def _orders(site, actor, n):
    return [make_workorder(site=site, actor=actor, symptom=f"并发领用 {i}") for i in range(n)]


def _assert_ledger_equals_stock():
    for stock in Stock.objects.all():
        sums = Move.objects.filter(warehouse_id=stock.warehouse_id, part_id=stock.part_id).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
        )
        assert sums["on_hand"] == stock.on_hand
        assert (sums["reserved"] or 0) == stock.reserved


def test_twenty_concurrent_issues_of_the_last_counted_units(store, counted_part, site_a, manager, field_engineer):
    services.receive(warehouse=store, part=counted_part, quantity=7, actor=manager)
    orders = _orders(site_a, manager, THREADS)
    refused: list[ValidationError] = []

    def issue(i: int) -> None:
        try:
            services.issue_to_order(
                warehouse=store, part=counted_part, workorder=orders[i], quantity=1, actor=field_engineer
            )
        except ValidationError as exc:
            refused.append(exc)

    assert run_threads(THREADS, issue) == []
    assert len(refused) == THREADS - 7
    assert all("quantity" in exc.message_dict for exc in refused)
    assert Move.objects.filter(kind=MoveKind.ISSUE).count() == 7
    stock = Stock.objects.get(warehouse=store, part=counted_part)
    assert stock.on_hand == 0
    _assert_ledger_equals_stock()
    # every refused issue left nothing behind: no event on its order either
    issued_orders = set(Move.objects.filter(kind=MoveKind.ISSUE).values_list("workorder_id", flat=True))
    assert len(issued_orders) == 7


def test_twenty_concurrent_issues_of_five_serial_units(store, serial_part, site_a, manager, field_engineer):
    serials = [f"SN-{i}" for i in range(5)]
    services.receive(warehouse=store, part=serial_part, serials=serials, actor=manager)
    orders = _orders(site_a, manager, THREADS)
    refused: list[ValidationError] = []

    def issue(i: int) -> None:
        try:
            services.issue_to_order(
                warehouse=store, part=serial_part, workorder=orders[i], serials=[serials[i % 5]], actor=field_engineer
            )
        except ValidationError as exc:
            refused.append(exc)

    assert run_threads(THREADS, issue) == []
    assert len(refused) == THREADS - 5
    assert Stock.objects.get(warehouse=store, part=serial_part).on_hand == 0
    assert StockUnit.objects.filter(status=UnitStatus.ISSUED).count() == 5
    _assert_ledger_equals_stock()


def test_concurrent_issues_in_bulk_never_overdraw(store, counted_part, site_a, manager, field_engineer):
    """Mixed sizes: 20 requests of 1–3 units against 10; whatever succeeds sums to at most 10, and stock agrees."""
    services.receive(warehouse=store, part=counted_part, quantity=10, actor=manager)
    orders = _orders(site_a, manager, THREADS)

    def issue(i: int) -> None:
        with contextlib.suppress(ValidationError):
            services.issue_to_order(
                warehouse=store, part=counted_part, workorder=orders[i], quantity=1 + i % 3, actor=field_engineer
            )

    assert run_threads(THREADS, issue) == []
    issued = -Move.objects.filter(kind=MoveKind.ISSUE).aggregate(n=Sum("on_hand_delta"))["n"]
    stock = Stock.objects.get(warehouse=store, part=counted_part)
    assert issued + stock.on_hand == 10
    assert stock.on_hand >= 0
    assert stock.on_hand < 3  # refused only when too few were left
    _assert_ledger_equals_stock()
