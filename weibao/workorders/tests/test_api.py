"""REST API: intake, queue, detail, timeline, transitions (409 when illegal), scoping (404 for others), bad input."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from weibao.workorders.tests.factories import DeviceFactory, VendorFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>'; DROP TABLE workorders_workorder; -- {{ 7*7 }} ${jndi:ldap://x} \u202e"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_create_sets_channel_api_and_returns_number(api_as, duty_engineer, site_a):
    client = api_as(duty_engineer)
    device = DeviceFactory(site=site_a)
    response = post(
        client,
        "/api/work-orders/",
        {
            "customer_id": site_a.customer_id,
            "site_id": site_a.pk,
            "symptom": "监控平台黑屏",
            "severity": "A",
            "device_ids": [device.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("WB-")
    assert body["status"] == "new"
    wo = WorkOrder.objects.get(pk=body["id"])
    assert wo.channel == "api"
    assert list(wo.devices.all()) == [device]


def test_create_rejects_unknown_customer_site_and_foreign_device(api_as, duty_engineer, site_a, site_b):
    client = api_as(duty_engineer)
    base = {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "断网"}
    r = post(client, "/api/work-orders/", {**base, "customer_id": 999999})
    assert r.status_code == 422
    assert "customer_id" in r.json()["detail"]
    r = post(client, "/api/work-orders/", {**base, "site_id": site_b.pk})
    assert r.status_code == 422
    assert "site_id" in r.json()["detail"]
    r = post(client, "/api/work-orders/", {**base, "device_ids": [DeviceFactory(site=site_b).pk]})
    assert r.status_code == 422
    assert "devices" in r.json()["detail"]
    r = post(client, "/api/work-orders/", {**base, "symptom": "   "})
    assert r.status_code == 422
    assert not WorkOrder.objects.exists()


def test_customer_token_sees_only_own_org(api_as, customer_a_user, order_a, order_b, site_b):
    client = api_as(customer_a_user)
    assert client.get(f"/api/work-orders/{order_a.pk}").status_code == 200
    assert client.get(f"/api/work-orders/{order_b.pk}").status_code == 404
    assert client.get(f"/api/work-orders/{order_b.pk}/timeline").status_code == 404
    assert post(client, f"/api/work-orders/{order_b.pk}/comment", {"body": "hi"}).status_code == 404
    ids = [item["id"] for item in client.get("/api/work-orders/").json()["items"]]
    assert ids == [order_a.pk]
    # Filing for another customer's site: as unknown as a made-up id.
    r = post(client, "/api/work-orders/", {"customer_id": site_b.customer_id, "site_id": site_b.pk, "symptom": "x"})
    assert r.status_code == 422


def test_customer_reports_through_api(api_as, customer_a_user, site_a):
    client = api_as(customer_a_user)
    r = post(
        client, "/api/work-orders/", {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "电话不通"}
    )
    assert r.status_code == 201
    assert r.json()["reporter_name"] == customer_a_user.name


def test_transition_endpoints_and_409(api_as, order_a, duty_engineer, manager, field_engineer):
    client = api_as(duty_engineer)
    assert post(client, f"/api/work-orders/{order_a.pk}/arrive").status_code == 409  # NEW -> ON_SITE is not a move
    r = post(client, f"/api/work-orders/{order_a.pk}/acknowledge")
    assert r.status_code == 200
    assert r.json()["status"] == "acknowledged"
    assert post(client, f"/api/work-orders/{order_a.pk}/acknowledge").status_code == 200  # repeated: no new event
    assert post(client, f"/api/work-orders/{order_a.pk}/diagnose", {"note": "远程"}).status_code == 200
    assert post(client, f"/api/work-orders/{order_a.pk}/work-log", {"minutes": 30, "note": "查日志"}).status_code == 201
    # Dispatch is a manager's move.
    assert (
        post(client, f"/api/work-orders/{order_a.pk}/dispatch", {"engineer_id": field_engineer.pk}).status_code == 403
    )
    mgr = api_as(manager)
    assert post(mgr, f"/api/work-orders/{order_a.pk}/dispatch", {"engineer_id": field_engineer.pk}).status_code == 200
    eng = api_as(field_engineer)
    assert post(eng, f"/api/work-orders/{order_a.pk}/accept").status_code == 200
    assert post(eng, f"/api/work-orders/{order_a.pk}/arrive").status_code == 200
    assert post(eng, f"/api/work-orders/{order_a.pk}/resolve", {"resolution": "重启交换机"}).status_code == 200
    assert post(eng, f"/api/work-orders/{order_a.pk}/arrive").status_code == 409
    kinds = list(WorkOrderEvent.objects.filter(workorder=order_a).values_list("kind", flat=True))
    assert kinds.count(EventKind.ACKNOWLEDGED) == 1
    timeline = client.get(f"/api/work-orders/{order_a.pk}/timeline").json()
    assert [e["kind"] for e in timeline][-1] == "resolved"
    clocks = client.get(f"/api/work-orders/{order_a.pk}/clocks").json()
    assert all(c["stopped_at"] for c in clocks)


def test_cancel_needs_reason(api_as, manager, order_a):
    client = api_as(manager)
    assert post(client, f"/api/work-orders/{order_a.pk}/cancel", {"reason": "  "}).status_code == 422
    assert post(client, f"/api/work-orders/{order_a.pk}/cancel", {}).status_code == 422
    r = post(client, f"/api/work-orders/{order_a.pk}/cancel", {"reason": "重复报修"})
    assert r.json()["status"] == "cancelled"
    assert post(client, f"/api/work-orders/{order_a.pk}/acknowledge").status_code == 409


def test_escalate_records_vendor_and_vendor_sees_it(api_as, manager, order_a, order_b, vendor_org, vendor_user):
    vendor = VendorFactory(organisation=vendor_org)
    client = api_as(manager)
    assert post(client, f"/api/work-orders/{order_a.pk}/escalate", {"vendor_id": vendor.pk}).status_code == 409
    assert post(client, f"/api/work-orders/{order_a.pk}/acknowledge").status_code == 200
    r = post(client, f"/api/work-orders/{order_a.pk}/escalate", {"vendor_id": vendor.pk, "reason": "硬件故障"})
    assert r.status_code == 200
    assert r.json()["escalated_vendor_id"] == vendor.pk
    v = api_as(vendor_user)
    assert v.get(f"/api/work-orders/{order_a.pk}").status_code == 200
    assert v.get(f"/api/work-orders/{order_b.pk}").status_code == 404
    assert post(v, f"/api/work-orders/{order_a.pk}/comment", {"body": "请提供日志"}).status_code == 201
    assert post(v, f"/api/work-orders/{order_a.pk}/close").status_code == 403


def test_stale_patch_is_409(api_as, duty_engineer, order_a):
    client = api_as(duty_engineer)
    v = order_a.version
    r = client.patch(
        f"/api/work-orders/{order_a.pk}",
        json.dumps({"expected_version": v, "severity": "A"}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["severity"] == "A"
    r = client.patch(
        f"/api/work-orders/{order_a.pk}",
        json.dumps({"expected_version": v, "severity": "B"}),
        content_type="application/json",
    )
    assert r.status_code == 409


def test_patch_with_another_customers_device_is_refused(api_as, duty_engineer, order_a, site_b):
    other = DeviceFactory(site=site_b)
    own = DeviceFactory(site=order_a.site)
    client = api_as(duty_engineer)
    r = client.patch(
        f"/api/work-orders/{order_a.pk}",
        json.dumps({"expected_version": order_a.version, "device_ids": [own.pk, other.pk]}),
        content_type="application/json",
    )
    assert r.status_code == 422
    assert not order_a.devices.exists()


def test_hostile_text_stored_verbatim(api_as, duty_engineer, site_a):
    client = api_as(duty_engineer)
    r = post(
        client,
        "/api/work-orders/",
        {
            "customer_id": site_a.customer_id,
            "site_id": site_a.pk,
            "symptom": HOSTILE,
            "title": HOSTILE[:200],
            "reporter_name": HOSTILE[:100],
            "reporter_phone": "+86 139-0049-7829",
            "source_ref": HOSTILE[:200],
        },
    )
    assert r.status_code == 201
    assert r.json()["reporter_phone"] == "13900497829"  # stored canonical (issue 18 §11)
    wo = WorkOrder.objects.get(pk=r.json()["id"])
    assert wo.symptom == HOSTILE
    assert wo.reporter_name == HOSTILE[:100]
    assert post(client, f"/api/work-orders/{wo.pk}/comment", {"body": HOSTILE}).json()["body"] == HOSTILE
    assert WorkOrder.objects.count() == 1
    r = post(
        client, "/api/work-orders/", {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "a\x00b"}
    )
    assert r.status_code == 422
    r = post(
        client,
        "/api/work-orders/",
        {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "坏了", "reporter_phone": "';--"},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == "reporter_phone"


def test_attachment_upload_checked(api_as, duty_engineer, customer_b_user, order_a, settings):
    settings.WEIBAO_MAX_UPLOAD_MB = 1
    client = api_as(duty_engineer)
    url = f"/api/work-orders/{order_a.pk}/attachments"
    ok = client.post(url, {"files": [SimpleUploadedFile("现场.png", PNG, "image/png")]})
    assert ok.status_code == 201, ok.content
    disguised = client.post(url, {"files": [SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 100)]})
    assert disguised.status_code == 422
    big = client.post(url, {"files": [SimpleUploadedFile("log.txt", b"a" * (1024 * 1024 + 1))]})
    assert big.status_code == 422
    html = client.post(url, {"files": [SimpleUploadedFile("x.txt", b"<html><script>alert(1)</script>")]})
    assert html.status_code == 422
    # the API has no form in front of it: the service caps how many files one upload carries
    many = client.post(url, {"files": [SimpleUploadedFile(f"{i}.png", PNG, "image/png") for i in range(11)]})
    assert many.status_code == 422
    assert "attachments" in many.content.decode()
    assert Attachment.objects.count() == 1
    assert api_as(customer_b_user).post(url, {"files": [SimpleUploadedFile("a.png", PNG)]}).status_code == 404


def test_list_filters_and_query_count(api_as, duty_engineer, site_a, django_assert_max_num_queries):
    from weibao.workorders.tests.factories import make_workorder

    for sev in "ABCABC":
        make_workorder(site=site_a, actor=duty_engineer, severity=sev)
    client = api_as(duty_engineer)
    with django_assert_max_num_queries(6):
        r = client.get("/api/work-orders/?severity=A&limit=50")
    assert r.status_code == 200
    assert {i["severity"] for i in r.json()["items"]} == {"A"}
    page1 = client.get("/api/work-orders/?limit=4").json()
    page2 = client.get(f"/api/work-orders/?limit=4&cursor={page1['next_cursor']}").json()
    ids = [i["id"] for i in page1["items"] + page2["items"]]
    assert len(ids) == len(set(ids)) == 6
    assert page2["next_cursor"] is None
    counts = client.get("/api/work-orders/counts").json()
    assert counts["new"] == 6
    assert counts["open"] == 6


def test_unauthenticated_is_401(api_client, order_a):
    assert api_client.get(f"/api/work-orders/{order_a.pk}").status_code == 401
    assert order_a.status == Status.NEW
