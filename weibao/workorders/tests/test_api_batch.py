"""Batch intake (`POST /api/work-orders/batch`): up to 100 reports, all or nothing, errors by position and field,
scoped like single intake, and the same entitlement, clocks, numbers and events as one by one."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from weibao.accounts.services import token_create
from weibao.contracts.tests.factories import ContractFactory
from weibao.workorders.models import Clock, NumberCounter, WorkOrder, WorkOrderEvent
from weibao.workorders.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def _report(site, symptom="交换机端口丢包", **extra):
    return {"customer_id": site.customer_id, "site_id": site.pk, "symptom": symptom, "severity": "B", **extra}


def _post(client, reports):
    return client.post("/api/work-orders/batch", json.dumps({"reports": reports}), content_type="application/json")


@pytest.fixture
def duty_client(api_client, duty_engineer):
    _token, raw = token_create(user=duty_engineer, name="batch")
    return api_client.bearer(raw)


def test_batch_creates_every_order_like_single_intake(duty_client, site_a, site_b):
    today = timezone.localdate()
    contract = ContractFactory(
        customer=site_a.customer,
        start_date=today - datetime.timedelta(days=5),
        end_date=today + datetime.timedelta(days=90),
    )
    second = SiteFactory(customer=site_a.customer, name="甲公司分部")
    reports = [
        _report(site_a, "核心交换机掉电"),
        _report(site_b, "门禁离线", severity="A"),
        _report(second, "<script>x</script>"),
    ]
    response = _post(duty_client, reports)
    assert response.status_code == 201, response.content
    body = response.json()
    assert [o["symptom"] for o in body] == ["核心交换机掉电", "门禁离线", "<script>x</script>"]  # stored as given
    numbers = [int(o["number"].rsplit("-", 1)[1]) for o in body]
    assert numbers == [1, 2, 3]  # one range, no gaps
    orders = {o.pk: o for o in WorkOrder.objects.filter(pk__in=[o["id"] for o in body])}
    first = orders[body[0]["id"]]
    assert first.contract == contract
    assert (first.service_type, first.chargeable, first.channel) == ("contract", False, "api")
    assert orders[body[1]["id"]].contract is None  # customer B has no contract: paid service
    assert orders[body[1]["id"]].chargeable is True
    assert Clock.objects.filter(workorder=first).count() == 4
    for pk in orders:
        assert WorkOrderEvent.objects.filter(workorder_id=pk, kind="created").count() == 1
    assert first.next_deadline is not None
    # Single intake continues the same counter.
    single = duty_client.post("/api/work-orders/", json.dumps(_report(site_a)), content_type="application/json")
    assert single.json()["number"].endswith("-000004")


def test_one_bad_report_refuses_the_whole_batch_with_its_position(duty_client, site_a, site_b):
    reports = [
        _report(site_a),
        {**_report(site_a), "customer_id": site_b.customer_id},  # a site of another customer
        _report(site_a, symptom="   "),
        {**_report(site_a), "site_id": 99_999_999},
    ]
    response = _post(duty_client, reports)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert set(detail) == {"1.site_id", "3.site_id"}  # lookups first; the blank symptom waits for those fixes
    assert WorkOrder.objects.count() == 0
    assert not NumberCounter.objects.exists()
    response = _post(duty_client, [_report(site_a), _report(site_a, symptom="   ")])
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"1.symptom"}
    assert WorkOrder.objects.count() == 0


def test_batch_size_is_bounded(duty_client, site_a):
    assert _post(duty_client, []).status_code == 422
    assert _post(duty_client, [_report(site_a)] * 101).status_code == 422
    assert WorkOrder.objects.count() == 0


def test_customer_batch_is_scoped_to_its_own_sites(api_client, customer_a_user, site_a, site_b):
    _token, raw = token_create(user=customer_a_user, name="portal-robot")
    client = api_client.bearer(raw)
    response = _post(client, [_report(site_a), _report(site_b)])
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"1.site_id"}  # the other customer's site is simply unknown
    assert WorkOrder.objects.count() == 0
    response = _post(client, [_report(site_a), _report(site_a, "又坏了")])
    assert response.status_code == 201
    assert {o.organisation_id for o in WorkOrder.objects.all()} == {site_a.customer.organisation_id}


def test_batch_statements_do_not_grow_with_the_batch(duty_client, site_a):
    today = timezone.localdate()
    ContractFactory(
        customer=site_a.customer,
        start_date=today - datetime.timedelta(days=5),
        end_date=today + datetime.timedelta(days=90),
    )
    assert _post(duty_client, [_report(site_a)]).status_code == 201  # token stamp written once

    def statements(n: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _post(duty_client, [_report(site_a, f"告警 {i}") for i in range(n)]).status_code == 201
        # Notices are queued one task per event (the immediate test backend runs them after commit).
        return len([q for q in captured.captured_queries if "notifications_" not in q["sql"]])

    assert statements(2) == statements(20)


def test_oversize_batch_is_a_clear_413_and_creates_nothing(duty_client, site_a):
    reports = [_report(site_a, "断" * 20_000)] * 100  # about 6 MB of JSON, above DATA_UPLOAD_MAX_MEMORY_SIZE
    response = _post(duty_client, reports)
    assert response.status_code == 413
    assert "MiB" in response.json()["detail"]
    assert WorkOrder.objects.count() == 0


def test_a_device_of_another_customer_is_named_by_position(duty_client, site_a, site_b):
    from weibao.workorders.tests.factories import DeviceFactory

    foreign = DeviceFactory(site=site_b)
    own = DeviceFactory(site=site_a)
    reports = [_report(site_a, device_ids=[own.pk]), _report(site_a, device_ids=[foreign.pk])]
    response = _post(duty_client, reports)
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"1.devices"}
    assert WorkOrder.objects.count() == 0
    response = _post(duty_client, [_report(site_a, device_ids=[own.pk, own.pk])])
    assert response.status_code == 201
    assert list(WorkOrder.objects.get().devices.all()) == [own]


def test_create_each_refuses_a_bad_report_alone_and_creates_the_others(duty_engineer, site_a, site_b):
    from django.core.exceptions import ValidationError

    from weibao.workorders.services import workorder_create_each

    def report(site, symptom, **extra):
        return {"customer": site.customer, "site": site, "channel": "api", "symptom": symptom, **extra}

    reports = [report(site_a, "交换机掉电"), report(site_a, "   "), report(site_b, "门禁离线")]
    reports += [report(site_a, f"故障{i}") for i in range(100)]  # more than one intake batch

    results = workorder_create_each(actor=duty_engineer, reports=reports)

    assert isinstance(results[1], ValidationError)
    assert "symptom" in results[1].message_dict  # its own fields, without the position
    created = [r for r in results if isinstance(r, WorkOrder)]
    assert len(created) == 102
    assert [o.symptom for o in created[:2]] == ["交换机掉电", "门禁离线"]
    numbers = sorted(int(o.number.rsplit("-", 1)[1]) for o in created)
    assert numbers == list(range(1, 103))  # the refused report took no number
    assert WorkOrderEvent.objects.filter(kind="created").count() == 102
