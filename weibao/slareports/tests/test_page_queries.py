"""No page of the SLA reports, regular reports, fault analysis and similar faults (and the satisfaction page) costs
more queries when the data grows (issue 12, the 1M acceptance point): each page is loaded, twenty orders of the
same contract — rated, with a device, finished — and two more regular reports are added, and it is loaded again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from weibao.slareports.tests.conftest import MARCH, H, at, build_order, rate_order

pytestmark = pytest.mark.django_db

PERIOD = f"start={MARCH[0]}&end={MARCH[1]}"


@pytest.fixture(autouse=True)
def _frozen_as_of(monkeypatch):
    from django.utils import timezone

    from weibao.slareports.tests.conftest import AS_OF

    monkeypatch.setattr(timezone, "now", lambda: AS_OF)


def _pages(contract, report, order) -> dict[str, str]:
    return {
        "report": reverse("slareports:report") + f"?contract={contract.pk}&{PERIOD}",
        "drill": reverse("slareports:drill") + f"?contract={contract.pk}&{PERIOD}&key=orders",
        "regular list": reverse("slareports:periodic_list"),
        "regular report": reverse("slareports:periodic", args=[report.pk]),
        "regular drill": reverse("slareports:periodic_drill", args=[report.pk]) + "?key=orders",
        "analysis": reverse("slareports:analysis") + f"?{PERIOD}",
        "analysis drill": reverse("slareports:analysis_drill") + f"?{PERIOD}&dimension=site&key={order.site_id}",
        "similar panel": reverse("slareports:similar_panel", args=[order.pk]),
        "similar at intake": reverse("slareports:similar") + "?symptom=核心交换机端口丢包",
        "satisfaction": reverse("feedback:satisfaction") + f"?by=contract&{PERIOD}",
    }


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_no_page_grows_its_query_count_with_the_data(client, manager, march, site_a, contract_a):
    import datetime

    from weibao.slareports import services
    from weibao.workorders.tests.factories import DeviceFactory

    report, _ = services.report_generate(contract=contract_a, start=MARCH[0], end=MARCH[1], frequency="monthly")
    client.force_login(manager)
    pages = _pages(contract_a, report, march["O1"])
    for url in pages.values():
        client.get(url)  # warm caches (calendar, session)
    before = {name: _count(client, url) for name, url in pages.items()}

    device = DeviceFactory(site=site_a, model="S5720-28X", serial_number="SN-MANY")
    for day in range(1, 21):
        wo = build_order(
            site=site_a,
            contract=contract_a,
            severity="B",
            reported_at=at(3, day, 11),
            status="closed",
            clocks=[("response", H, H / 2), ("resolution", 24 * H, 2 * H)],
            resolved_after=2 * H,
            resolution=f"第{day}次：更换端口模块",
        )
        wo.devices.add(device)
        rate_order(wo, 1 + day % 5)
    for month in (1, 2):
        services.report_generate(
            contract=contract_a,
            start=datetime.date(2026, month, 1),
            end=datetime.date(2026, month, 28),
            frequency="monthly",
        )
    report = services.report_generate(contract=contract_a, start=MARCH[0], end=MARCH[1], frequency="monthly")[0]
    after = {name: _count(client, url) for name, url in pages.items()}
    assert after == before


def test_a_batch_of_reports_costs_the_same_queries_for_two_contracts_or_twenty(site_a, customer_a, contract_a):
    # The monthly job builds 500 contracts' reports at once: nothing may be read per contract (the 1M benchmark
    # found the inspections row read once per contract: 508 queries for a batch of 500).
    from weibao.contracts.tests.factories import ContractFactory
    from weibao.slareports import metrics

    def queries(contracts) -> int:
        with CaptureQueriesContext(connection) as ctx:
            metrics.build_reports(contracts=contracts, start=MARCH[0], end=MARCH[1])
        return len(ctx.captured_queries)

    contracts = [contract_a] + [ContractFactory(customer=customer_a, calendar=contract_a.calendar) for _ in range(19)]
    for c in contracts:
        build_order(
            site=site_a,
            contract=c,
            severity="B",
            reported_at=at(3, 5, 11),
            clocks=[("resolution", 24 * H, H)],
            resolved_after=H,
        )
    queries(contracts[:2])  # warm the calendar cache
    assert queries(contracts) == queries(contracts[:2])
