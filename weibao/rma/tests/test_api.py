import json

import pytest
from django.utils import translation

from weibao.accounts.services import token_create
from weibao.rma import services
from weibao.rma.choices import Status

pytestmark = pytest.mark.django_db
BASE = "/api/rma"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api_as(api_client):
    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        api_client.defaults.pop("HTTP_AUTHORIZATION", None)
        return api_client.bearer(raw)

    return as_user


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_endpoints_are_in_the_openapi_schema(client, admin_user):
    client.force_login(admin_user)
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/cases",
        "/cases/{case_id}",
        "/cases/{case_id}/ship-out",
        "/cases/{case_id}/fee",
        "/cases/{case_id}/fees/{fee_id}/answer",
        "/cases/{case_id}/collect",
        "/escalations",
        "/escalations/{escalation_id}/solve",
        "/questions/{question_id}/answer",
        "/work-orders/{workorder_id}/escalate",
        "/agreements",
    ):
        assert BASE + path in paths, path
    ship = paths[BASE + "/cases/{case_id}/ship-out"]["post"]
    assert {"404", "409", "422"} <= set(ship["responses"])


def test_create_case_by_hand_and_bad_input(api_as, commercial, customer_a, customer_b, vendor):
    api = api_as(commercial)
    r = post(api, f"{BASE}/cases", {"source": "manual", "fault": "", "customer_id": 999999, "vendor_id": vendor.pk})
    assert r.status_code == 422
    assert "customer_id" in r.json()["detail"]
    r = post(
        api,
        f"{BASE}/cases",
        {
            "source": "manual",
            "fault": "无法开机",
            "customer_id": customer_a.pk,
            "vendor_id": vendor.pk,
            "model": "DS-7608",
            "serial_number": "NVR-77",
            "vendor_warranty_until": "2020-01-01",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["route"], body["customer_pays"]) == ("registered", "send_back", True)
    assert body["vendor_warranty_until"] == "2020-01-01"
    r = post(
        api,
        f"{BASE}/cases",
        {
            "source": "manual",
            "fault": "x",
            "customer_id": customer_a.pk,
            "vendor_id": vendor.pk,
            "model": "DS-7608",
            "serial_number": "NVR-77",
        },
    )
    assert r.status_code == 422  # the same unit twice


def test_customer_sees_its_case_but_not_our_costs_and_not_others(
    api_as, shipped_case, commercial, customer_a_user, customer_b_user, vendor_user
):
    services.rma_ship_back(
        case=shipped_case,
        actor=commercial,
        outcome="repaired",
        report="换主板",
        carrier="sf",
        waybill="SF2222222222222",
        vendor_cost="300.00",
    )
    staff = api_as(commercial).get(f"{BASE}/cases/{shipped_case.pk}").json()
    assert staff["vendor_cost"] == "300.00"
    mine = api_as(customer_a_user).get(f"{BASE}/cases/{shipped_case.pk}")
    assert mine.status_code == 200
    assert mine.json()["vendor_cost"] is None
    assert mine.json()["fee"]["total"]  # its own fee, yes
    assert not [e for e in mine.json()["timeline"] if e["kind"] == "note"]
    assert api_as(customer_b_user).get(f"{BASE}/cases/{shipped_case.pk}").status_code == 404
    assert api_as(customer_b_user).get(f"{BASE}/cases?queue=all").json() == []
    vendor_view = api_as(vendor_user).get(f"{BASE}/cases/{shipped_case.pk}").json()
    assert vendor_view["fee"] is None
    assert vendor_view["vendor_cost"] is None
    assert vendor_view["paid_amount"] is None


def test_vendor_sees_a_case_only_once_sent_and_only_its_own(
    api_as, paying_case, commercial, customer_a_user, vendor_user, other_vendor_user
):
    url = f"{BASE}/cases/{paying_case.pk}"
    assert api_as(vendor_user).get(url).status_code == 404  # not sent yet
    fee = services.rma_fee_quote(case=paying_case, actor=commercial, repair="1", shipping_out="1", shipping_back="1")
    services.rma_fee_answer(fee=fee, actor=customer_a_user, approve=True)
    services.rma_ship_out(case=paying_case, actor=commercial, carrier="sf", waybill="SF1234567890123")
    assert api_as(vendor_user).get(url).status_code == 200
    assert api_as(other_vendor_user).get(url).status_code == 404
    r = post(api_as(other_vendor_user), f"{url}/vendor-received", {"vendor_rma_number": "X"})
    assert r.status_code == 404
    r = post(api_as(vendor_user), f"{url}/vendor-received", {"vendor_rma_number": "HK-9"})
    assert r.status_code == 200
    assert r.json()["status"] == Status.IN_REPAIR


def test_fee_gate_and_waybill_through_the_api(api_as, paying_case, commercial, customer_a_user, customer_b_user):
    url = f"{BASE}/cases/{paying_case.pk}"
    staff = api_as(commercial)
    r = post(staff, f"{url}/ship-out", {"carrier": "sf", "waybill": "SF1234567890123"})
    assert r.status_code == 409
    r = post(staff, f"{url}/fee", {"repair": "-5", "shipping_out": "20", "shipping_back": "x"})
    assert r.status_code == 422
    assert {"repair", "shipping_back"} <= set(r.json()["detail"])
    r = post(
        staff,
        f"{url}/fee",
        {"repair": "800", "shipping_out": "20", "shipping_back": "20", "expected_version": paying_case.version},
    )
    assert r.status_code == 201
    fee_id = r.json()["fee"]["id"]
    assert r.json()["fee"]["total"] == "949.20"
    assert post(api_as(customer_b_user), f"{url}/fees/{fee_id}/answer", {"approve": True}).status_code == 404
    r = post(api_as(customer_a_user), f"{url}/fees/{fee_id}/answer", {"approve": True})
    assert r.status_code == 200
    assert r.json()["status"] == "ready_to_ship"
    staff = api_as(commercial)  # one test client: the token is swapped per user
    r = post(staff, f"{url}/ship-out", {"carrier": "sf", "waybill": "YT1234567890123"})
    assert r.status_code == 422
    assert "waybill" in r.json()["detail"]
    r = post(staff, f"{url}/ship-out", {"carrier": "sf", "waybill": "SF1234567890123", "expected_version": 1})
    assert r.status_code == 409  # stale
    version = staff.get(url).json()["version"]
    r = post(staff, f"{url}/ship-out", {"carrier": "sf", "waybill": "SF1234567890123", "expected_version": version})
    assert r.status_code == 200
    assert r.json()["shipments"][0]["waybill"] == "SF1234567890123"


def test_fee_link_through_the_api(api_as, client, paying_case, commercial):
    url = f"{BASE}/cases/{paying_case.pk}"
    fee_id = post(api_as(commercial), f"{url}/fee", {"repair": "1", "shipping_out": "1", "shipping_back": "1"}).json()[
        "fee"
    ]["id"]
    r = post(api_as(commercial), f"{url}/fees/{fee_id}/link", {"channel": "sms", "sent_to": "13900000000"})
    assert r.status_code == 201
    link = r.json()["approve_url"]
    page = client.get(link)
    assert page.status_code == 200
    done = client.post(link, {"name": "王主任"})
    assert done.status_code == 200
    paying_case.refresh_from_db()
    assert paying_case.status == Status.READY_TO_SHIP
    assert client.post(link, {"name": "王主任"}).status_code == 410


def test_queue_with_vendor_over_30_days(api_as, shipped_case, commercial):
    import datetime

    from weibao.rma.models import RmaCase

    api = api_as(commercial)
    assert api.get(f"{BASE}/cases?overdue=true").json() == []
    RmaCase.objects.filter(pk=shipped_case.pk).update(
        sent_to_vendor_at=shipped_case.sent_to_vendor_at - datetime.timedelta(days=31)
    )
    (row,) = api.get(f"{BASE}/cases?overdue=true").json()
    assert row["number"] == shipped_case.number
    assert row["days_with_vendor"] == 31


# --- escalations --------------------------------------------------------------------------------------------------


def test_escalation_scoping_and_vendor_answers_in_the_portal(
    api_as, order_a, order_b, manager, vendor, vendor_user, other_vendor_user, customer_a_user
):
    from weibao.workorders import services as wo

    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    order_a.refresh_from_db()
    staff = api_as(manager)
    r = post(
        staff,
        f"{BASE}/work-orders/{order_a.pk}/escalate",
        {
            "vendor_id": vendor.pk,
            "reason": "固件缺陷",
            "vendor_case_number": "HK-1",
            "expected_version": order_a.version,
        },
    )
    assert r.status_code == 201, r.content
    esc_id = r.json()["id"]
    q = post(staff, f"{BASE}/escalations/{esc_id}/questions", {"question": "E102 是什么？"})
    assert q.status_code == 201
    q_id = q.json()["id"]
    # The vendor sees its escalation, and the escalated order; the other vendor and the customer see none of it.
    assert api_as(vendor_user).get(f"{BASE}/escalations/{esc_id}").status_code == 200
    assert api_as(vendor_user).get(f"/api/work-orders/{order_a.pk}").status_code == 200
    assert api_as(vendor_user).get(f"/api/work-orders/{order_b.pk}").status_code == 404
    assert api_as(other_vendor_user).get(f"{BASE}/escalations/{esc_id}").status_code == 404
    assert post(api_as(other_vendor_user), f"{BASE}/questions/{q_id}/answer", {"answer": "x"}).status_code == 404
    # Customers have no access to the exchange with the vendor at all (their role, whatever the row).
    assert api_as(customer_a_user).get(f"{BASE}/escalations/{esc_id}").status_code == 403
    assert api_as(other_vendor_user).get(f"{BASE}/escalations").json() == []
    r = post(api_as(vendor_user), f"{BASE}/questions/{q_id}/answer", {"answer": "电源过温"})
    assert r.status_code == 200
    detail = api_as(vendor_user).get(f"{BASE}/escalations/{esc_id}").json()
    assert detail["responded_at"] is not None
    assert detail["questions"][0]["answer"] == "电源过温"
    # Closing as solved by the vendor needs the root cause.
    staff = api_as(manager)
    r = post(staff, f"{BASE}/escalations/{esc_id}/solve", {"root_cause": "", "solution": "升级固件"})
    assert r.status_code == 422
    r = post(api_as(vendor_user), f"{BASE}/escalations/{esc_id}/solve", {"root_cause": "x", "solution": "y"})
    assert r.status_code == 403
    staff = api_as(manager)
    r = post(staff, f"{BASE}/escalations/{esc_id}/solve", {"root_cause": "固件内存泄漏", "solution": "升级固件"})
    assert r.status_code == 200
    assert r.json()["status"] == "solved"


def test_agreement_api(api_as, commercial, vendor, customer_a_user):
    r = post(
        api_as(commercial),
        f"{BASE}/agreements",
        {
            "vendor_id": vendor.pk,
            "name": "金牌",
            "response_hours": 4,
            "valid_from": "2026-01-01",
            "valid_until": "2025-01-01",
        },
    )
    assert r.status_code == 422
    r = post(
        api_as(commercial),
        f"{BASE}/agreements",
        {"vendor_id": vendor.pk, "name": "金牌", "response_hours": 4, "valid_from": "2026-01-01"},
    )
    assert r.status_code == 201
    assert api_as(customer_a_user).get(f"{BASE}/agreements").status_code == 403


def test_a_vendor_loses_sight_of_an_order_re_escalated_to_another(api_as, order_a, manager, vendor, vendor_user):
    from weibao.workorders import services as wo
    from weibao.workorders.tests.factories import VendorFactory

    wo.workorder_acknowledge(workorder=order_a, actor=manager)
    esc = services.vendor_escalate(workorder=order_a, actor=manager, vendor=vendor, reason="固件")
    assert api_as(vendor_user).get(f"{BASE}/escalations/{esc.pk}").status_code == 200
    wo.workorder_start_diagnosis(workorder=order_a, actor=manager)
    order_a.refresh_from_db()
    services.vendor_escalate(workorder=order_a, actor=manager, vendor=VendorFactory(), reason="换厂商")
    assert api_as(vendor_user).get(f"{BASE}/escalations/{esc.pk}").status_code == 404
    assert api_as(vendor_user).get(f"/api/work-orders/{order_a.pk}").status_code == 404
