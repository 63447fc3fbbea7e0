"""API: the report and its drill-down, bad periods (422), scoping (another customer and a vendor: 404), regular
reports review/send with expected_version (409 when stale), the schedule, similar faults; all in the OpenAPI schema."""

import datetime

import pytest

from weibao.accounts.services import token_create
from weibao.slareports.tests.conftest import MARCH, ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_as_of(monkeypatch):
    from django.utils import timezone

    from weibao.slareports.tests.conftest import AS_OF

    monkeypatch.setattr(timezone, "now", lambda: AS_OF)


@pytest.fixture
def api_as(api_client):
    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        api_client.defaults.pop("HTTP_AUTHORIZATION", None)
        return api_client.bearer(raw)

    return as_user


def url(contract, start=MARCH[0], end=MARCH[1], **extra):
    query = "&".join(f"{k}={v}" for k, v in {"contract": contract.pk, "start": start, "end": end, **extra}.items())
    return f"/api/sla-reports/report?{query}"


def test_report_numbers_and_drill_down(api_as, manager, march, contract_a):
    client = api_as(manager)
    response = client.get(url(contract_a))
    assert response.status_code == 200
    data = response.json()
    assert data["fix_on_time"] == {"met": 2, "missed": 2, "pending": 1, "rate": "50.0"}
    assert data["drill"]["major"] == ids(march, "O1", "O2")
    orders = client.get(url(contract_a).replace("/report?", "/report/orders?") + "&key=legacy").json()
    assert sorted(o["id"] for o in orders) == ids(march, "O4", "O7")


def test_inverted_range_is_422(api_as, manager, contract_a):
    response = api_as(manager).get(url(contract_a, MARCH[1], MARCH[0]))
    assert response.status_code == 422
    assert "end" in response.json()["detail"]


def test_other_customer_and_vendor_get_404(api_as, customer_a_user, customer_b_user, vendor_user, march, contract_a):
    assert api_as(customer_a_user).get(url(contract_a)).status_code == 200
    assert api_as(customer_b_user).get(url(contract_a)).status_code == 404
    assert api_as(vendor_user).get(url(contract_a)).status_code == 404


def test_regular_report_review_and_send(
    api_as, manager, march, contract_a, customer_a, customer_b_user, mailoutbox, django_capture_on_commit_callbacks
):
    from weibao.customers.models import Contact
    from weibao.slareports import services

    Contact.objects.create(customer=customer_a, organisation=customer_a.organisation, name="王", email="w@a.cn")
    report, _ = services.report_generate(contract=contract_a, start=MARCH[0], end=MARCH[1], frequency="monthly")
    client = api_as(manager)
    base = f"/api/sla-reports/regular/{report.pk}"
    assert client.get(base).json()["data"]["orders_total"] == 5
    ok = client.post(f"{base}/review", {"expected_version": 1, "note": "ok"}, content_type="application/json")
    assert ok.status_code == 200
    stale = client.post(f"{base}/review", {"expected_version": 1}, content_type="application/json")
    assert stale.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{base}/send", {"expected_version": 2}, content_type="application/json")
    assert sent.status_code == 200
    assert sent.json()["sent_to"] == ["w@a.cn"]
    assert len(mailoutbox) == 1
    assert api_as(customer_b_user).get(base).status_code == 404


def test_schedule_put_validates(api_as, manager, contract_a):
    client = api_as(manager)
    path = f"/api/sla-reports/contracts/{contract_a.pk}/schedule"
    bad = client.put(path, {"frequency": "weekly"}, content_type="application/json")
    assert bad.status_code == 422
    ok = client.put(path, {"frequency": "monthly", "major_down_hours": 4}, content_type="application/json")
    assert ok.json()["major_down_hours"] == 4


def test_similar_faults_api(api_as, duty_engineer, march):
    response = api_as(duty_engineer).get("/api/sla-reports/similar?text=核心交换机端口大量丢包")
    assert response.status_code == 200
    found = {row["id"] for row in response.json()}
    assert march["O1"].pk in found  # closed, with its resolution
    assert march["O4"].pk not in found  # still open: no known fix


def test_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/sla-reports/report",
        "/api/sla-reports/report/orders",
        "/api/sla-reports/regular",
        "/api/sla-reports/similar",
        "/api/sla-reports/analysis",
    ):
        assert path in paths


def test_fault_analysis_api_is_staff_only(api_as, manager, customer_a_user, march):
    ok = api_as(manager).get(f"/api/sla-reports/analysis?start={MARCH[0]}&end={MARCH[1]}")
    assert ok.status_code == 200
    assert ok.json()["total"] == 6
    assert api_as(customer_a_user).get(f"/api/sla-reports/analysis?start={MARCH[0]}&end={MARCH[1]}").status_code == 403
    inverted = api_as(manager).get(f"/api/sla-reports/analysis?start={MARCH[1]}&end={MARCH[0]}")
    assert inverted.status_code == 422


def test_fault_analysis_api_serves_the_stored_numbers_until_asked_to_recompute(
    api_as, manager, march, site_a, contract_a, settings
):
    """Staff get the numbers the analysis page shows, with when they were computed; refresh=true recomputes."""
    from weibao.slareports.tests.conftest import AS_OF, at, build_order

    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    client = api_as(manager)
    analysis = f"/api/sla-reports/analysis?start={MARCH[0]}&end={MARCH[1]}"
    first = client.get(analysis).json()
    assert (first["total"], first["pending"]) == (6, False)
    assert datetime.datetime.fromisoformat(first["as_of"]) == AS_OF
    build_order(site=site_a, contract=contract_a, severity="C", reported_at=at(3, 20, 9))
    assert client.get(analysis).json()["total"] == 6  # stored
    assert client.get(analysis + "&refresh=true").json()["total"] == 7  # the immediate backend recomputed it


def test_fault_analysis_api_says_pending_before_the_first_numbers(api_as, manager, march, settings):
    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    body = api_as(manager).get(f"/api/sla-reports/analysis?start={MARCH[0]}&end={MARCH[1]}").json()
    assert body == {"total": None, "groups": [], "as_of": None, "pending": True}
