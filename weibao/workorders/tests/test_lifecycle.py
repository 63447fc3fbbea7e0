"""The lifecycle end to end through the services: one event per change, clocks follow the state."""

import pytest

from weibao.contracts.choices import ClockKind
from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


def kinds(wo):
    return list(WorkOrderEvent.objects.filter(workorder=wo).order_by("id").values_list("kind", flat=True))


def test_create_numbers_clocks_and_first_event(order_a, duty_engineer):
    assert order_a.number.startswith("WB-")
    assert len(order_a.number) == 14
    assert order_a.status == Status.NEW
    assert order_a.organisation_id == order_a.customer.organisation_id
    assert {c.kind for c in order_a.clocks.all()} >= {ClockKind.RESPONSE, ClockKind.RESOLUTION}
    assert order_a.next_deadline is not None
    assert kinds(order_a) == [EventKind.CREATED]


def test_full_happy_path(order_a, duty_engineer, manager, field_engineer, customer_a_user):
    wo = svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    wo = svc.workorder_start_diagnosis(workorder=wo, actor=duty_engineer)
    svc.workorder_log_work(workorder=wo, actor=duty_engineer, minutes=25, note="远程登录检查端口")
    wo = svc.workorder_dispatch(workorder=wo, actor=manager, engineer=field_engineer)
    wo = svc.workorder_accept(workorder=wo, actor=field_engineer)
    wo = svc.workorder_arrive(workorder=wo, actor=field_engineer)
    wo = svc.workorder_resolve(workorder=wo, actor=field_engineer, resolution="更换光模块", cause="system")
    assert wo.observation_ends_at is not None
    wo = svc.workorder_customer_confirm(workorder=wo, actor=customer_a_user)
    assert wo.status == Status.OBSERVING
    wo = svc.workorder_close(workorder=wo, actor=manager, reason_code="customer_confirmed")
    assert wo.status == Status.CLOSED
    assert kinds(wo) == [
        EventKind.CREATED,
        EventKind.ACKNOWLEDGED,
        EventKind.DIAGNOSIS_STARTED,
        EventKind.WORK_LOGGED,
        EventKind.DISPATCHED,
        EventKind.ACCEPTED,
        EventKind.ARRIVED,
        EventKind.RESOLVED,
        EventKind.CUSTOMER_CONFIRMED,
        EventKind.CLOSED,
    ]
    assert all(c.stopped_at is not None for c in wo.clocks.all())
