"""The feedback API: scoped (two customers and a vendor → 404), versioned writes (409), bad input 422 with fields,
and every operation in the OpenAPI schema."""

import json

import pytest

from weibao.accounts.services import token_create
from weibao.feedback import services
from weibao.feedback.models import Callback, CallbackAttempt, Complaint

pytestmark = pytest.mark.django_db
BASE = "/api/feedback"


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

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


@pytest.fixture
def callback_a(order_a):
    services.callbacks_select()
    return Callback.objects.get(order=order_a)


@pytest.fixture
def complaint_a(order_a, manager):
    return services.complaint_register(
        actor=manager,
        customer=order_a.organisation,
        order=order_a,
        source="phone",
        category="late",
        complainant_name="王经理",
        description="迟到",
    )


def test_queue_and_result(api_as, manager, callback_a):
    client = api_as(manager)
    rows = client.get(f"{BASE}/callbacks?view=due").json()
    assert [r["id"] for r in rows] == [callback_a.pk]
    assert rows[0]["contact_phone"] == "13800000001"
    r = post(
        client,
        f"{BASE}/callbacks/{callback_a.pk}/result",
        {"outcome": "reached", "satisfaction": 5, "remark": "满意", "expected_version": 1},
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["satisfaction"], r.json()["version"]) == ("done", 5, 2)
    r = post(client, f"{BASE}/callbacks/{callback_a.pk}/result", {"outcome": "reached", "satisfaction": 5})
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"outcome": "reached", "satisfaction": 7}, "satisfaction"),
        ({"outcome": "reached", "satisfaction": 0}, "satisfaction"),
        ({"satisfaction": 3}, "outcome"),
        ({"outcome": "reached", "satisfaction": True}, "satisfaction"),
        ({"outcome": "", "satisfaction": 3}, "outcome"),
    ],
)
def test_bad_results_422(api_as, manager, callback_a, payload, field):
    r = post(api_as(manager), f"{BASE}/callbacks/{callback_a.pk}/result", payload)
    assert r.status_code == 422
    assert field in json.dumps(r.json()["detail"])
    assert not CallbackAttempt.objects.exists()


def test_stale_result_409(api_as, manager, callback_a):
    r = post(
        api_as(manager), f"{BASE}/callbacks/{callback_a.pk}/result", {"outcome": "not_reached", "expected_version": 7}
    )
    assert r.status_code == 409


def test_scoping_two_customers_and_a_vendor(
    api_as, callback_a, complaint_a, customer_a, customer_b_user, vendor_user, customer_a_user, assert_scoped
):
    for user in (customer_b_user, vendor_user):
        client = api_as(user)
        assert_scoped(f"{BASE}/callbacks/{callback_a.pk}", client)
        assert_scoped(f"{BASE}/complaints/{complaint_a.pk}", client)
        assert_scoped(f"{BASE}/customers/{customer_a.pk}/archive", client)
        assert_scoped(f"{BASE}/complaints/{complaint_a.pk}/accept", client, method="post", data={})
    assert api_as(customer_b_user).get(f"{BASE}/complaints").json() == []
    assert api_as(customer_b_user).get(f"{BASE}/callbacks?view=done").json() == []
    assert api_as(vendor_user).get(f"{BASE}/complaints").status_code == 403
    own = api_as(customer_a_user)
    assert own.get(f"{BASE}/callbacks/{callback_a.pk}").status_code == 200
    body = own.get(f"{BASE}/complaints/{complaint_a.pk}").json()
    assert body["access"] == "customer"
    assert body["engineer_id"] is None
    assert own.get(f"{BASE}/customers/{customer_a.pk}/archive").status_code == 200


def test_complaint_steps_through_the_api(api_as, manager, customer_a_user, complaint_a, field_engineer):
    mgr = api_as(manager)
    r = post(mgr, f"{BASE}/complaints/{complaint_a.pk}/answer", {"text": "x"})
    assert r.status_code == 409  # not investigated yet
    r = post(mgr, f"{BASE}/complaints/{complaint_a.pk}/investigate", {"expected_version": 1})
    assert r.json()["status"] == "investigating"
    r = post(mgr, f"{BASE}/complaints/{complaint_a.pk}/answer", {"text": "", "expected_version": 2})
    assert r.status_code == 422
    assert "text" in r.json()["detail"]
    r = post(mgr, f"{BASE}/complaints/{complaint_a.pk}/answer", {"text": "已处理", "expected_version": 2})
    assert r.json()["status"] == "answered"
    eng = api_as(field_engineer)
    body = eng.get(f"{BASE}/complaints/{complaint_a.pk}").json()
    assert body["access"] == "engineer"
    assert body["description"] is None
    assert post(eng, f"{BASE}/complaints/{complaint_a.pk}/statement", {"text": "堵车"}).status_code == 200
    assert post(eng, f"{BASE}/complaints/{complaint_a.pk}/confirm", {}).status_code == 403
    cust = api_as(customer_a_user)
    r = post(cust, f"{BASE}/complaints/{complaint_a.pk}/accept", {})
    assert r.json()["status"] == "closed"
    kinds = [e["kind"] for e in r.json()["timeline"]]
    assert "engineer_statement" not in kinds
    assert Callback.objects.filter(complaint=complaint_a).exists()


def test_register_complaint(api_as, manager, customer_a_user, order_a, order_b, customer_b_org):
    r = post(
        api_as(customer_a_user),
        f"{BASE}/complaints",
        {"order_id": order_a.pk, "category": "not_fixed", "complainant_name": "甲", "description": "没修好"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["source"] == "portal"
    r = post(
        api_as(customer_a_user),
        f"{BASE}/complaints",
        {"order_id": order_b.pk, "category": "other", "complainant_name": "甲", "description": "x"},
    )
    assert r.status_code == 422
    assert "order_id" in r.json()["detail"]
    r = post(
        api_as(manager),
        f"{BASE}/complaints",
        {
            "customer_id": customer_b_org.pk,
            "order_id": order_a.pk,
            "category": "other",
            "complainant_name": "乙",
            "description": "x",
        },
    )
    assert r.status_code == 422
    r = post(
        api_as(manager),
        f"{BASE}/complaints",
        {"category": "rude", "customer_id": customer_b_org.pk, "complainant_name": "乙", "description": "x"},
    )
    assert r.status_code == 422
    assert Complaint.objects.count() == 1


def test_satisfaction_endpoint(api_as, manager, close_order, site_a):
    close_order(site_a, severity="C", rating=4)
    r = api_as(manager).get(f"{BASE}/satisfaction?by=customer")
    assert r.status_code == 200
    assert r.json()[0]["average"] in ("4.00", 4.0, "4")
    r = api_as(manager).get(f"{BASE}/satisfaction?by=customer&start=2026-05-01&end=2026-04-01")
    assert r.status_code == 422
    empty = api_as(manager).get(f"{BASE}/satisfaction?by=month&start=2020-01-01&end=2020-02-01")
    assert empty.json() == []


def test_openapi_lists_the_operations(client, admin_user):
    client.force_login(admin_user)
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in (
        "/api/feedback/callbacks",
        "/api/feedback/callbacks/{callback_id}/result",
        "/api/feedback/complaints/{complaint_id}/escalate",
        "/api/feedback/satisfaction",
        "/api/feedback/customers/{customer_id}/archive",
    ):
        assert p in paths, p


def test_callback_stats_endpoint(api_as, manager, callback_a, field_engineer):
    client = api_as(manager)
    post(client, f"{BASE}/callbacks/{callback_a.pk}/result", {"outcome": "reached", "satisfaction": 3})
    rows = client.get(f"{BASE}/callbacks/stats?by=engineer").json()
    assert [(r["key"], r["done"], r["average"]) for r in rows] == [(field_engineer.pk, 1, "3.00")]
    assert client.get(f"{BASE}/callbacks/stats?by=planet").status_code == 422
    assert api_as(field_engineer).get(f"{BASE}/callbacks/stats").status_code == 403
