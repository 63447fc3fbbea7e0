"""Events intake (issue 20 point 4): POST /api/work-orders/events answers 202 with a receipt; a task turns pending
alarms into orders in batches through the batch intake; a repeated dedup key folds into the open order."""

import datetime
import json

import pytest
from django.utils import timezone

from weibao.accounts.services import token_create
from weibao.contracts.tests.factories import ContractFactory
from weibao.workorders import services
from weibao.workorders.choices import AlarmStatus, EventKind
from weibao.workorders.models import AlarmEvent, Clock, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def _alarm(client, site, symptom: str = "核心交换机离线", **extra):
    body = {"customer_id": site.customer_id, "site_id": site.pk, "symptom": symptom, "severity": "A", **extra}
    return client.post("/api/work-orders/events", json.dumps(body), content_type="application/json")


@pytest.fixture
def duty_client(api_client, duty_engineer):
    _token, raw = token_create(user=duty_engineer, name="monitoring")
    return api_client.bearer(raw)


@pytest.fixture
def contract_a(site_a):
    today = timezone.localdate()
    return ContractFactory(
        customer=site_a.customer,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=300),
    )


def test_alarm_is_accepted_at_once_and_becomes_an_order_with_clocks_and_timeline(
    duty_client, site_a, contract_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _alarm(duty_client, site_a, dedup_key="zabbix:sw-core-01")
    assert response.status_code == 202, response.content
    receipt = response.json()
    assert (receipt["status"], receipt["dedup_key"], receipt["number"]) == ("pending", "zabbix:sw-core-01", None)
    assert callbacks[0].__name__ == "schedule_alarm_processing"  # the task is queued once the alarm is committed

    answer = duty_client.get(f"/api/work-orders/events/{receipt['id']}").json()
    assert answer["status"] == "created"
    wo = WorkOrder.objects.get(pk=answer["workorder_id"])
    assert answer["number"] == wo.number
    assert (wo.channel, wo.severity, wo.contract, wo.site) == ("api", "A", contract_a, site_a)
    assert Clock.objects.filter(workorder=wo).count() == 4
    assert list(WorkOrderEvent.objects.filter(workorder=wo).values_list("kind", flat=True)) == [EventKind.CREATED]
    assert wo.next_deadline is not None


def test_a_repeated_alarm_of_an_open_incident_folds_into_its_order(duty_client, manager, site_a, contract_a):
    first = _alarm(duty_client, site_a, dedup_key="nagios:cam-17").json()
    second = _alarm(duty_client, site_a, "摄像头17仍然离线", dedup_key="nagios:cam-17").json()
    other = _alarm(duty_client, site_a, "门禁离线", dedup_key="nagios:door-3").json()

    assert services.alarms_process() == 3  # one batch: the same incident twice gets one order

    receipts = {e.pk: e for e in AlarmEvent.objects.all()}
    assert receipts[first["id"]].status == AlarmStatus.CREATED
    assert receipts[second["id"]].status == AlarmStatus.DUPLICATE
    assert receipts[second["id"]].workorder_id == receipts[first["id"]].workorder_id
    assert receipts[other["id"]].workorder_id != receipts[first["id"]].workorder_id
    assert WorkOrder.objects.count() == 2

    again = _alarm(duty_client, site_a, dedup_key="nagios:cam-17").json()  # a later batch: still the open order
    services.alarms_process()
    assert AlarmEvent.objects.get(pk=again["id"]).workorder_id == receipts[first["id"]].workorder_id

    services.workorder_cancel(workorder=receipts[first["id"]].workorder, actor=manager, reason="误报")
    after_close = _alarm(duty_client, site_a, dedup_key="nagios:cam-17").json()
    services.alarms_process()
    reopened = AlarmEvent.objects.get(pk=after_close["id"])
    assert reopened.status == AlarmStatus.CREATED  # the incident's order is done: a new one
    assert reopened.workorder_id != receipts[first["id"]].workorder_id


def test_an_alarm_without_a_key_never_folds(duty_client, site_a):
    a, b = _alarm(duty_client, site_a).json(), _alarm(duty_client, site_a).json()
    assert a["dedup_key"] != b["dedup_key"]
    services.alarms_process()
    assert WorkOrder.objects.count() == 2


def test_pending_alarms_go_in_as_batches_with_gapless_numbers(duty_client, site_a, contract_a):
    ids = [_alarm(duty_client, site_a, f"告警 {i}").json()["id"] for i in range(7)]
    assert services.alarms_process(batch_size=3) == 7
    orders = WorkOrder.objects.filter(alarm_events__pk__in=ids).order_by("number")
    numbers = [int(n.rsplit("-", 1)[1]) for n in orders.values_list("number", flat=True)]
    assert numbers == list(range(numbers[0], numbers[0] + 7))
    assert Clock.objects.filter(workorder__in=orders).count() == 28
    assert WorkOrderEvent.objects.filter(workorder__in=orders, kind=EventKind.CREATED).count() == 7
    assert not AlarmEvent.objects.filter(status=AlarmStatus.PENDING).exists()


def test_an_alarm_for_a_site_the_caller_cannot_see_is_rejected_alone(customer_a_user, api_client, site_a, site_b):
    _token, raw = token_create(user=customer_a_user, name="customer monitoring")
    client = api_client.bearer(raw)
    good = _alarm(client, site_a).json()
    foreign = _alarm(client, site_b).json()  # another organisation's site: unknown, as if it did not exist
    services.alarms_process()
    assert AlarmEvent.objects.get(pk=good["id"]).status == AlarmStatus.CREATED
    answer = client.get(f"/api/work-orders/events/{foreign['id']}").json()
    assert (answer["status"], answer["number"]) == ("rejected", None)
    assert "site_id" in answer["errors"]


def test_a_batchs_outcomes_are_written_in_one_statement(customer_a_user, api_client, site_a, site_b):
    """Created, duplicate and rejected alarms of one batch: status, order, errors and times on every receipt, in
    one UPDATE on PostgreSQL (one per alarm elsewhere)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _token, raw = token_create(user=customer_a_user, name="customer monitoring")
    client = api_client.bearer(raw)
    first = _alarm(client, site_a, dedup_key="ups-1").json()
    repeat = _alarm(client, site_a, dedup_key="ups-1").json()  # the same incident in the same batch
    foreign = _alarm(client, site_b).json()
    before = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        assert services.alarms_process() == 3
    alarms = AlarmEvent.objects.in_bulk([first["id"], repeat["id"], foreign["id"]])
    created, duplicate, rejected = alarms[first["id"]], alarms[repeat["id"]], alarms[foreign["id"]]
    assert (created.status, duplicate.status, rejected.status) == ("created", "duplicate", "rejected")
    assert created.workorder_id is not None
    assert duplicate.workorder_id == created.workorder_id
    assert rejected.workorder_id is None
    assert "site_id" in rejected.errors
    assert created.errors == duplicate.errors == {}
    for alarm in alarms.values():
        assert alarm.processed_at == alarm.updated_at >= before
    # One statement (PostgreSQL) or one executemany call (SQLite), not bulk_update's CASE per row and field.
    updates = [q["sql"] for q in queries.captured_queries if 'UPDATE "workorders_alarmevent"' in q["sql"]]
    assert len(updates) == 1
    assert "CASE" not in updates[0]


def test_an_invalid_alarm_is_refused_at_once(duty_client, site_a):
    response = _alarm(duty_client, site_a, symptom="", severity="X")
    assert response.status_code == 422
    assert not AlarmEvent.objects.exists()


def test_a_receipt_is_visible_to_the_sending_organisation_only(duty_client, api_client, site_a, customer_a_user):
    receipt = _alarm(duty_client, site_a).json()
    _token, raw = token_create(user=customer_a_user, name="other")
    assert api_client.bearer(raw).get(f"/api/work-orders/events/{receipt['id']}").status_code == 404


def test_the_request_path_writes_the_alarm_only(duty_client, site_a, django_assert_max_num_queries):
    _alarm(duty_client, site_a)  # the token's last-use stamp is written once a minute
    with django_assert_max_num_queries(2):  # token, alarm INSERT (no site, contract or number lookup)
        assert _alarm(duty_client, site_a).status_code == 202


def test_a_burst_of_alarms_queues_one_task_for_the_end_of_the_window(
    duty_client, site_a, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from weibao.workorders.services import alarms

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.WEIBAO_ALARM_BATCH_SECONDS = 30
    alarms._window_ends[0] = float("-inf")  # a fresh web process
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            assert _alarm(duty_client, site_a, f"告警 {i}").status_code == 202
    queued = DBTaskResult.objects.filter(task_path="weibao.workorders.tasks.process_alarms")
    assert queued.count() == 1  # one task for the burst, run when the window closes
    assert queued.get().run_after > timezone.now() + datetime.timedelta(seconds=20)
    assert AlarmEvent.objects.filter(status=AlarmStatus.PENDING).count() == 3
