"""API intake cost: the statements one order costs are counted, so that a slower intake shows up as a failing test
(the throughput itself is measured in bench/workorders_bench.py, never in a timed test)."""

import datetime
import json

from django.utils import timezone

from weibao.accounts.services import token_create
from weibao.contracts.tests.factories import ContractFactory
from weibao.workorders.models import Clock, WorkOrder, WorkOrderEvent


def _post(client, site, symptom: str):
    body = {"customer_id": site.customer_id, "site_id": site.pk, "symptom": symptom, "severity": "B"}
    return client.post("/api/work-orders/", json.dumps(body), content_type="application/json")


def test_api_intake_statement_budget(api_client, duty_engineer, site_a, django_assert_max_num_queries):
    today = timezone.localdate()
    contract = ContractFactory(
        customer=site_a.customer,
        start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=300),
    )
    _token, raw = token_create(user=duty_engineer, name="test")
    client = api_client.bearer(raw)
    assert _post(client, site_a, "第一单").status_code == 201  # the token's last-use stamp is written once
    # token, site, savepoint, contracts in force (with calendar and policy), SLA targets, number, order, clocks,
    # event, release: ten statements for an order with a contract and four clocks (on PostgreSQL the order's INSERT
    # takes the number itself and the order's id is reserved first instead: ten as well).
    with django_assert_max_num_queries(10):
        response = _post(client, site_a, "第二单：核心交换机掉电")
    assert response.status_code == 201, response.content
    wo = WorkOrder.objects.get(pk=response.json()["id"])
    assert wo.contract == contract
    assert wo.service_type == "contract"
    assert wo.chargeable is False
    assert Clock.objects.filter(workorder=wo).count() == 4
    assert WorkOrderEvent.objects.filter(workorder=wo).count() == 1
    assert wo.next_deadline is not None


def test_api_intake_prefers_the_contract_that_lists_the_site(api_client, duty_engineer, site_a):
    today = timezone.localdate()
    period = {"start_date": today - datetime.timedelta(days=30), "end_date": today + datetime.timedelta(days=300)}
    ContractFactory(customer=site_a.customer, covers_all=True, **period)
    listed = ContractFactory(customer=site_a.customer, covers_all=False, **period)
    listed.sites.add(site_a)
    _token, raw = token_create(user=duty_engineer, name="test")
    response = _post(api_client.bearer(raw), site_a, "门禁控制器离线")
    assert response.status_code == 201, response.content
    assert WorkOrder.objects.get(pk=response.json()["id"]).contract == listed
