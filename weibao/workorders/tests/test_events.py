"""The events hook: after-commit subscribers hear only committed events; in-transaction subscribers write with the
event and roll back with it (the notification queue uses this as a transactional outbox)."""

import pytest
from django.db import connection
from django.db.models import Func

from weibao.workorders.events import subscribe, unsubscribe
from weibao.workorders.models import WorkOrderEvent
from weibao.workorders.services.common import number_for_insert
from weibao.workorders.tests.factories import Boom, make_workorder, make_workorder_then_fail

pytestmark = pytest.mark.django_db(transaction=True)


def _report(site, actor):
    return make_workorder(site=site, actor=actor, symptom="断网")


def _report_then_fail(site, actor, check=lambda: None):
    make_workorder_then_fail(site=site, actor=actor, symptom="断网", check=check)


def test_in_transaction_subscriber_runs_inside_and_rolls_back_with_the_order(site_a, duty_engineer):
    heard_inside, heard_after = [], []

    def inside(event_id: int) -> None:
        heard_inside.append((event_id, connection.in_atomic_block))

    def after(event_id: int) -> None:
        heard_after.append(event_id)

    subscribe(inside, in_transaction=True)
    subscribe(after)
    try:
        with pytest.raises(Boom):
            _report_then_fail(site_a, duty_engineer)
        assert len(heard_inside) == 1
        assert heard_inside[0][1] is True  # called while the transaction was open
        assert heard_after == []  # nothing committed, nothing announced
        assert not WorkOrderEvent.objects.filter(pk=heard_inside[0][0]).exists()

        order = _report(site_a, duty_engineer)
        created = order.events.get().pk
        assert heard_inside[-1] == (created, True)
        assert heard_after == [created]
    finally:
        unsubscribe(inside)
        unsubscribe(after)


def test_a_failing_in_transaction_subscriber_fails_the_change(site_a, duty_engineer):
    def broken(event_id: int) -> None:
        raise Boom

    subscribe(broken, in_transaction=True)
    try:
        with pytest.raises(Boom):
            _report(site_a, duty_engineer)
    finally:
        unsubscribe(broken)
    assert not WorkOrderEvent.objects.exists()  # the order and its event rolled back: no half-written intake


def test_subscribing_again_switches_the_mode(site_a, duty_engineer):
    heard = []

    def fn(event_id: int) -> None:
        heard.append(connection.in_atomic_block)

    subscribe(fn)
    subscribe(fn, in_transaction=True)
    try:
        _report(site_a, duty_engineer)
    finally:
        unsubscribe(fn)
    assert heard == [True]  # once, inside


def test_number_taken_by_the_insert_on_postgresql(site_a, duty_engineer):
    value = number_for_insert()
    if connection.vendor == "postgresql":
        assert isinstance(value, Func)  # evaluated by the INSERT, read back through RETURNING
    else:
        assert isinstance(value, str)
    order = _report(site_a, duty_engineer)
    assert isinstance(order.number, str)
    assert order.number.startswith("WB-")
    order.refresh_from_db()
    assert order.number.startswith("WB-")


def test_a_many_subscriber_hears_a_batch_once(site_a, duty_engineer):
    from weibao.workorders.services import workorder_create_many

    heard = []

    def fn(event_ids: list[int]) -> None:
        heard.append(list(event_ids))

    subscribe(fn, in_transaction=True, many=True)
    try:
        report = {"customer": site_a.customer, "site": site_a, "channel": "api", "symptom": "告警"}
        orders = workorder_create_many(actor=duty_engineer, reports=[report, report])
        _report(site_a, duty_engineer)
    finally:
        unsubscribe(fn)
    assert len(heard) == 2
    assert sorted(heard[0]) == sorted(e.pk for o in orders for e in o.events.all())
    assert len(heard[1]) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the order's id is reserved on PostgreSQL only")
def test_the_order_insert_that_takes_the_number_comes_last_on_postgresql(site_a, duty_engineer):
    from django.test.utils import CaptureQueriesContext

    from weibao.assets.tests.factories import DeviceFactory
    from weibao.workorders.services import workorder_create

    device = DeviceFactory(site=site_a, customer=site_a.customer)
    with CaptureQueriesContext(connection) as ctx:
        order = workorder_create(
            actor=duty_engineer,
            customer=site_a.customer,
            site=site_a,
            channel="api",
            symptom="核心交换机掉电",
            severity="B",
            devices=[device],
        )
    writes = [q["sql"].split('"')[1] for q in ctx.captured_queries if q["sql"].startswith("INSERT INTO")]
    # The counter row is locked from the order's INSERT to COMMIT: at most the notice task (with the database queue)
    # is written in between; clocks, device links and the event went in before.
    last = writes.index("workorders_workorder")
    assert set(writes[last + 1 :]) <= {"django_tasks_database_dbtaskresult"}
    assert {"workorders_clock", "workorders_workorder_devices", "workorders_workorderevent"} <= set(writes[:last])
    order.refresh_from_db()
    assert order.number.startswith("WB-")
    assert list(order.devices.all()) == [device]
    assert order.clocks.count() >= 1
    assert order.events.get().workorder_id == order.pk
