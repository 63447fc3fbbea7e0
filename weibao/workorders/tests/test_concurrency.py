"""Numbering and the SLA sweep under real concurrency (threads with their own connections; PostgreSQL only —
SQLite serialises writers, so there is nothing to race)."""

import datetime
import threading

import pytest
from django.db import close_old_connections, connection

from weibao.workorders.clocks import sla_sweep
from weibao.workorders.models import Alert, WorkOrder, WorkOrderEvent
from weibao.workorders.services import workorder_create

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def run_threads(n: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def wrapped(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_numbers_unique_and_gapless_under_concurrent_intake(site_a, duty_engineer):
    def create(i: int) -> None:
        for _ in range(5):
            workorder_create(
                actor=duty_engineer,
                customer=site_a.customer,
                site=site_a,
                channel="api",
                symptom=f"并发报修 {i}",
                severity="B",
            )

    assert run_threads(8, create) == []
    numbers = sorted(WorkOrder.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 40
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 41))


def test_parallel_sweeps_never_duplicate(site_a, duty_engineer):
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=100)
    for _ in range(30):
        workorder_create(
            actor=duty_engineer,
            customer=site_a.customer,
            site=site_a,
            channel="phone",
            symptom="断网",
            severity="A",
            reported_at=past,
        )
    assert run_threads(4, lambda i: sla_sweep(batch=7)) == []
    # Per order: the 15 min response clock breached; the 2 h arrival clock warned (100 min > 90 min).
    assert WorkOrderEvent.objects.filter(kind="sla_breach").count() == 30
    assert WorkOrderEvent.objects.filter(kind="sla_warning").count() == 30
    assert Alert.objects.count() == Alert.objects.values("event", "recipient").distinct().count()
    assert sla_sweep() == {"warnings": 0, "breaches": 0}


def test_batches_and_single_reports_share_one_gapless_counter(site_a, duty_engineer):
    from weibao.workorders.services import workorder_create_many

    report = {"customer": site_a.customer, "site": site_a, "channel": "api", "symptom": "告警", "severity": "B"}

    def create(i: int) -> None:
        if i % 2:
            workorder_create_many(actor=duty_engineer, reports=[report] * 5)
        else:
            for _ in range(5):
                workorder_create(actor=duty_engineer, **report)

    assert run_threads(6, create) == []
    numbers = sorted(WorkOrder.objects.values_list("number", flat=True))
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, 31))


def test_an_answer_link_clicked_twice_at_once_answers_once(site_a, duty_engineer):
    # Issue 23: the link row is locked (select_for_update); the second click waits, then sees it used.
    from weibao.core.action_links import LinkUsed
    from weibao.workorders import services as svc
    from weibao.workorders.models import Reopen

    wo = workorder_create(
        actor=duty_engineer, customer=site_a.customer, site=site_a, channel="phone", symptom="断网", severity="B"
    )
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    svc.workorder_resolve(workorder=wo, actor=duty_engineer, resolution="重启交换机")
    links = svc.observation_links_for(workorder=wo, recipient="a@jia.example.cn", channel="email")
    tokens = [links["not_fixed"].rsplit("/answer/", 1)[1].rstrip("/"), links["fixed"].rsplit("/answer/", 1)[1][:-1]]

    errors = run_threads(4, lambda i: svc.observation_link_answer(token=tokens[i % 2]))

    assert len(errors) == 3
    assert all(isinstance(e, LinkUsed) for e in errors), errors
    wo.refresh_from_db()
    assert Reopen.objects.filter(workorder=wo).count() == (1 if wo.status == "reopened" else 0)
    assert wo.status in ("reopened", "observing")
