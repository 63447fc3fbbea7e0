"""REST API: success, invalid input (422), stale edit (409), another organisation (404), permissions (403)."""

import datetime

import pytest

from weibao.contracts.models import Contract, SlaTarget
from weibao.contracts.tests.factories import (
    CalendarFactory,
    ContractFactory,
    CustomerFactory,
    DeviceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/contracts"


@pytest.fixture
def contract_a(customer_a_org):
    return ContractFactory(customer=CustomerFactory(organisation=customer_a_org), code="HT-A")


@pytest.fixture
def contract_b(customer_b_org):
    return ContractFactory(customer=CustomerFactory(organisation=customer_b_org), code="HT-B")


def test_list_scoped(client, customer_a_user, contract_a, contract_b, django_assert_max_num_queries):
    client.force_login(customer_a_user)
    with django_assert_max_num_queries(10):
        response = client.get(f"{BASE}/")
    assert response.status_code == 200
    assert [c["code"] for c in response.json()] == ["HT-A"]


def test_other_organisation_is_404(client, customer_a_user, contract_b):
    client.force_login(customer_a_user)
    assert client.get(f"{BASE}/{contract_b.pk}").status_code == 404
    assert client.get(f"{BASE}/{contract_b.pk}/sla").status_code == 404
    assert client.get(f"{BASE}/{contract_b.pk}/preview", {"at": "2026-09-30 17:50"}).status_code == 404
    assert client.get(f"{BASE}/entitlement", {"customer_id": contract_b.customer_id}).status_code == 404


def test_customer_cannot_edit(client, customer_a_user, contract_a):
    client.force_login(customer_a_user)
    response = client.patch(f"{BASE}/{contract_a.pk}", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_create_and_invalid(client, manager):
    customer, cal = CustomerFactory(), CalendarFactory()
    client.force_login(manager)
    body = {
        "code": "HT-API",
        "name": "API 合同",
        "customer_id": customer.pk,
        "calendar_id": cal.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "labour_rate_hour": "180.50",
        "warranty_terms": [{"category": "hardware", "months": 36}],
    }
    response = client.post(f"{BASE}/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["labour_rate_hour"] == "180.50"
    bad = {**body, "code": "HT-BAD", "start_date": "2027-01-01"}
    response = client.post(f"{BASE}/", bad, content_type="application/json")
    assert response.status_code == 422
    assert not Contract.objects.filter(code="HT-BAD").exists()
    overlap = {**body, "code": "HT-OVER"}
    response = client.post(f"{BASE}/", overlap, content_type="application/json")
    assert response.status_code == 422
    assert "HT-API" in str(response.json())


def test_patch_stale_version_is_409(client, manager, contract_a):
    client.force_login(manager)
    Contract.objects.filter(pk=contract_a.pk).update(updated_at=contract_a.updated_at - datetime.timedelta(days=1))
    response = client.patch(
        f"{BASE}/{contract_a.pk}", {"name": "新名称", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert Contract.objects.get(pk=contract_a.pk).updated_at > contract_a.updated_at  # the edit is dated
    response = client.patch(f"{BASE}/{contract_a.pk}", {"name": "旧", "version": 1}, content_type="application/json")
    assert response.status_code == 409


def test_sla_put_and_absurd_target(client, manager, contract_a):
    client.force_login(manager)
    sla = client.get(f"{BASE}/{contract_a.pk}/sla").json()
    assert sla["targets"][0]["arrival_city_minutes"] == 120
    sla["targets"][0]["arrival_city_minutes"] = 60
    body = {k: sla[k] for k in ("response_spoken_minutes", "response_written_minutes", "warn_percent", "pause_states")}
    response = client.put(
        f"{BASE}/{contract_a.pk}/sla", {**body, "targets": sla["targets"]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert SlaTarget.objects.get(policy__contract=contract_a, severity="A").arrival_city_minutes == 60
    sla["targets"][1]["plan_minutes"] = 366 * 24 * 60
    response = client.put(
        f"{BASE}/{contract_a.pk}/sla", {**body, "targets": sla["targets"]}, content_type="application/json"
    )
    assert response.status_code == 422
    assert SlaTarget.objects.get(policy__contract=contract_a, severity="B").plan_minutes == 72 * 60
    sla["targets"][1]["plan_minutes"] = 72 * 60
    for bad in (["waiting customer; drop"], ["s" * 120, "t" * 120]):
        response = client.put(
            f"{BASE}/{contract_a.pk}/sla",
            {**body, "pause_states": bad, "targets": sla["targets"]},
            content_type="application/json",
        )
        assert response.status_code == 422, bad
    assert client.get(f"{BASE}/{contract_a.pk}/sla").json()["pause_states"] == ["waiting_customer"]


def test_renew(client, manager, contract_a):
    client.force_login(manager)
    response = client.post(f"{BASE}/{contract_a.pk}/renew", {"code": "HT-A2"}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["renewed_from_id"] == contract_a.pk
    response = client.post(f"{BASE}/{contract_a.pk}/renew", {"code": "HT-A3"}, content_type="application/json")
    assert response.status_code == 422


def test_preview_and_entitlement(client, customer_a_user, contract_a):
    device = DeviceFactory(site=SiteFactory(customer=contract_a.customer), warranty_end="2025-01-01")
    client.force_login(customer_a_user)
    response = client.get(f"{BASE}/{contract_a.pk}/preview", {"at": "2026-09-30 17:50", "severity": "A"})
    assert response.status_code == 200
    response_clock = response.json()["clocks"][0]
    assert response_clock["deadline"].startswith("2026-10-08T01:05")  # 09:05 Beijing time
    assert response_clock["skipped"][0] == {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}
    assert client.get(f"{BASE}/{contract_a.pk}/preview", {"at": "never"}).status_code == 422
    bad_at = client.get(f"{BASE}/entitlement", {"customer_id": contract_a.customer_id, "at": "never"})
    assert bad_at.status_code == 422
    ent = client.get(
        f"{BASE}/entitlement", {"customer_id": contract_a.customer_id, "device_id": device.pk, "at": "2026-06-01 10:00"}
    ).json()
    assert (ent["contract_code"], ent["service_type"], ent["chargeable"], ent["in_warranty"]) == (
        "HT-A",
        "paid",
        True,
        False,
    )


def test_calendars_and_overrides(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        f"{BASE}/calendars",
        {"name": "5x8 API", "mon_hours": "09:00-12:00,13:00-18:00", "fri_hours": "09:00-17:00"},
        content_type="application/json",
    )
    assert response.status_code == 201
    cal_id = response.json()["id"]
    bad = client.post(f"{BASE}/calendars", {"name": "坏", "mon_hours": "12:00-09:00"}, content_type="application/json")
    assert bad.status_code == 422
    response = client.post(
        f"{BASE}/calendars/{cal_id}/overrides",
        {"date": "2026-02-30", "action": "closed"},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.post(
        f"{BASE}/calendars/{cal_id}/overrides",
        {"date": "2026-03-02", "action": "closed"},
        content_type="application/json",
    )
    assert response.status_code == 201
    days = client.get(f"{BASE}/calendars/{cal_id}/days", {"year": 2026}).json()
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-03-02"]["kind"] == "override_closed"
    assert by_date["2026-02-14"]["kind"] == "makeup"
    assert by_date["2026-10-01"]["kind"] == "holiday"
    assert client.get(f"{BASE}/holiday-years").status_code == 200


def test_calendars_need_permission(client, customer_a_user):
    client.force_login(customer_a_user)
    assert client.get(f"{BASE}/calendars").status_code == 403


def test_official_days(client, admin_user, customer_a_user):
    client.force_login(admin_user)
    response = client.post(
        f"{BASE}/official-days",
        {"date": "2027-10-08", "kind": "holiday", "name": "国庆节"},
        content_type="application/json",
    )
    assert response.status_code == 201
    bad = client.post(
        f"{BASE}/official-days", {"date": "2027-10-09", "kind": "nonsense"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert [d["date"] for d in client.get(f"{BASE}/official-days", {"year": 2027}).json()] == ["2027-10-08"]
    assert client.delete(f"{BASE}/official-days/{response.json()['id']}").status_code == 204
    client.force_login(customer_a_user)
    assert client.get(f"{BASE}/official-days").status_code == 403
