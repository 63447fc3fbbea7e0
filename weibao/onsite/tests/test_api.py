"""The on-site API: every step is an endpoint in the OpenAPI schema with expected_version; gates answer 409; bad
input 422 with field errors; another customer's user gets 404 on every URL."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.accounts.services import token_create
from weibao.onsite import services
from weibao.onsite.choices import AnswerChannel, QuoteStatus
from weibao.onsite.models import Backup, Quote, Replacement
from weibao.onsite.tests.conftest import png, signature_data_url
from weibao.workorders.choices import EventKind, Status
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db

BASE = "/api/onsite"


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


def quote_payload(spare_part, **extra):
    return {
        "lines": [
            {"kind": "part", "spare_part_id": spare_part.pk, "quantity": 1},
            {"kind": "labour", "quantity": "2", "labour_basis": "hour"},
            {"kind": "transport", "quantity": 1},
        ],
        **extra,
    }


def test_every_step_is_in_the_openapi_schema_with_expected_version(client, admin_user):
    client.force_login(admin_user)
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    wanted = [
        ("post", f"{BASE}/work-orders/{{workorder_id}}/confirm-cause"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/quotes"),
        ("get", f"{BASE}/work-orders/{{workorder_id}}/quotes"),
        ("post", f"{BASE}/quotes/{{quote_id}}/revise"),
        ("post", f"{BASE}/quotes/{{quote_id}}/approve"),
        ("post", f"{BASE}/quotes/{{quote_id}}/refuse"),
        ("post", f"{BASE}/quotes/{{quote_id}}/links"),
        ("post", f"{BASE}/quotes/{{quote_id}}/withdraw"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/replacements"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/backups"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/changes"),
        ("put", f"{BASE}/work-orders/{{workorder_id}}/service-form"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/service-form/sign"),
        ("get", f"{BASE}/work-orders/{{workorder_id}}/service-form.pdf"),
        ("get", f"{BASE}/work-orders/{{workorder_id}}/sheet.pdf"),
    ]
    components = schema["components"]["schemas"]

    def expanded(node) -> str:
        text = json.dumps(node)
        for name in components:
            if f'"#/components/schemas/{name}"' in text:
                text += json.dumps(components[name])
        return text

    for method, path in wanted:
        assert method in paths.get(path, {}), f"{method.upper()} {path} missing from the schema"
        if method in ("post", "put"):
            assert "expected_version" in expanded(paths[path][method]), f"{path} has no expected_version"


def test_quote_flow_over_the_api(api_as, on_site_order, field_engineer, spare_part, customer_a_user):
    engineer = api_as(field_engineer)
    r = post(
        engineer,
        f"{BASE}/work-orders/{on_site_order.pk}/quotes",
        quote_payload(spare_part, expected_version=on_site_order.version),
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["total"], len(body["lines"])) == ("pending", "1988.80", 3)
    visit = engineer.get(f"{BASE}/work-orders/{on_site_order.pk}").json()
    assert visit["wait_reason"] == "quote_approval"
    assert visit["block_reason"]

    r = post(engineer, f"/api/work-orders/{on_site_order.pk}/resolve", {"resolution": "换了"})
    assert r.status_code == 409
    assert r.json()["detail"] == visit["block_reason"]  # the gate says why

    customer = api_as(customer_a_user)
    r = post(customer, f"{BASE}/quotes/{body['id']}/approve", {"channel": "portal"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    r = post(customer, f"{BASE}/quotes/{body['id']}/approve", {"channel": "portal"})  # the second tab
    assert r.status_code == 200
    assert WorkOrderEvent.objects.filter(workorder=on_site_order, kind=EventKind.QUOTE_APPROVED).count() == 1
    on_site_order.refresh_from_db()
    assert on_site_order.status == Status.ON_SITE


def test_stale_expected_version_is_409(api_as, on_site_order, field_engineer, spare_part):
    engineer = api_as(field_engineer)
    r = post(
        engineer,
        f"{BASE}/work-orders/{on_site_order.pk}/quotes",
        quote_payload(spare_part, expected_version=on_site_order.version - 1),
    )
    assert r.status_code == 409
    assert not Quote.objects.exists()


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"kind": "other", "description": "线", "quantity": -1, "unit_price": 5}, "lines.0.quantity"),
        ({"kind": "other", "description": "线", "quantity": "两个", "unit_price": 5}, "lines.0.quantity"),
        ({"kind": "other", "description": "线", "quantity": 1, "unit_price": -5}, "lines.0.unit_price"),
        ({"kind": "other", "description": "线", "quantity": 1, "unit_price": "abc"}, "lines.0.unit_price"),
    ],
)
def test_bad_quote_input_is_422_with_the_field(api_as, on_site_order, field_engineer, line, field):
    r = post(api_as(field_engineer), f"{BASE}/work-orders/{on_site_order.pk}/quotes", {"lines": [line]})
    assert r.status_code == 422, r.content
    assert field in r.json()["detail"]
    assert not Quote.objects.exists()


def test_replacement_needs_a_real_signature_and_an_approved_quote(
    api_as, on_site_order, field_engineer, device_a, spare_part, customer_a_user
):
    engineer = api_as(field_engineer)
    url = f"{BASE}/work-orders/{on_site_order.pk}/replacements"
    payload = {"old_device_id": device_a.pk, "new_serial": "NEW-77", "signer_name": "王主任"}
    import base64

    blank = "data:image/png;base64," + base64.b64encode(png()).decode()
    r = post(engineer, url, {**payload, "signature": blank})
    assert r.status_code == 422
    assert "signature" in r.json()["detail"]
    quote = services.quote_create(
        workorder=on_site_order,
        actor=field_engineer,
        lines=[{"kind": "other", "description": "线", "quantity": 1, "unit_price": 5}],
    )
    r = post(engineer, url, {**payload, "signature": signature_data_url()})
    assert r.status_code == 409
    services.quote_approve(quote=quote, actor=customer_a_user, channel=AnswerChannel.PORTAL)
    r = post(engineer, url, {**payload, "signature": signature_data_url()})
    assert r.status_code == 201, r.content
    assert r.json()["new_serial"] == "NEW-77"
    assert Replacement.objects.count() == 1


def test_change_gate_and_backup_upload_over_the_api(api_as, on_site_order, field_engineer, settings):
    engineer = api_as(field_engineer)
    r = post(engineer, f"{BASE}/work-orders/{on_site_order.pk}/changes", {"description": "升级固件"})
    assert r.status_code == 409
    big = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * (30 * 1024 * 1024), content_type="image/jpeg")
    form = {
        "what": "配置",
        "location": "U盘",
        "performed_by_name": "张工",
        "customer_agreed": "true",
        "agreed_by_name": "王主任",
    }
    r = engineer.post(f"{BASE}/work-orders/{on_site_order.pk}/backups", {**form, "file": big})
    assert r.status_code in (413, 422), r.content
    assert f"{settings.WEIBAO_MAX_UPLOAD_MB}" in json.dumps(r.json(), ensure_ascii=False)
    assert not Backup.objects.exists()
    r = engineer.post(f"{BASE}/work-orders/{on_site_order.pk}/backups", form)
    assert r.status_code == 201, r.content
    r = post(engineer, f"{BASE}/work-orders/{on_site_order.pk}/changes", {"description": "升级固件"})
    assert r.status_code == 201, r.content


def test_service_form_save_sign_and_pdf(api_as, on_site_order, field_engineer, customer_a_user):
    engineer = api_as(field_engineer)
    url = f"{BASE}/work-orders/{on_site_order.pk}/service-form"
    r = engineer.put(
        url,
        json.dumps(
            {
                "inspection": "检查电源",
                "cause": "system",
                "work_done": "更换",
                "solved": True,
                "customer_contact_name": "王主任",
                "customer_contact_phone": "13800138000",
                "engineer_name": "张工",
                "engineer_phone": "13900139000",
                "satisfaction": 5,
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert set(r.json()["missing"]) == {"customer_signature", "engineer_signature"}
    r = engineer.post(
        f"{url}/sign",
        {
            "customer_name": "王主任",
            "customer_signature": signature_data_url(),
            "engineer_signature": signature_data_url(),
        },
    )
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["complete"]) == ("signed", True)
    pdf = engineer.get(f"{url}.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    r = engineer.put(url, json.dumps({"customer_remark": "后补"}), content_type="application/json")
    assert r.json()["revision"] == 2
    assert r.json()["status"] == "draft"
    customer = api_as(customer_a_user)  # (the same test client, now with the customer's token)
    assert customer.get(f"{url}.pdf").status_code == 200  # the customer downloads the signed form too


def test_another_customers_user_gets_404_on_every_url(
    api_as, on_site_order, field_engineer, spare_part, customer_b_user, device_a, assert_scoped
):
    quote = services.quote_create(
        workorder=on_site_order,
        actor=field_engineer,
        lines=[{"kind": "other", "description": "线", "quantity": 1, "unit_price": 5}],
    )
    other = api_as(customer_b_user)
    wo = on_site_order.pk
    for url in (
        f"{BASE}/work-orders/{wo}",
        f"{BASE}/work-orders/{wo}/quotes",
        f"{BASE}/quotes/{quote.pk}",
        f"{BASE}/work-orders/{wo}/replacements",
        f"{BASE}/work-orders/{wo}/backups",
        f"{BASE}/work-orders/{wo}/service-form",
        f"{BASE}/work-orders/{wo}/service-form.pdf",
        f"{BASE}/work-orders/{wo}/sheet.pdf",
    ):
        assert_scoped(url, other)
    for url, data in (
        (f"{BASE}/work-orders/{wo}/confirm-cause", {"confirmed_by_name": "x", "symptom": "x", "cause": "system"}),
        (f"{BASE}/work-orders/{wo}/quotes", {"lines": [{"kind": "other", "description": "x", "unit_price": 1}]}),
        (f"{BASE}/quotes/{quote.pk}/revise", {"lines": [{"kind": "other", "description": "x", "unit_price": 1}]}),
        (f"{BASE}/quotes/{quote.pk}/approve", {"channel": "portal"}),
        (f"{BASE}/quotes/{quote.pk}/refuse", {"channel": "portal"}),
        (f"{BASE}/quotes/{quote.pk}/links", {"channel": "sms", "sent_to": "138"}),
        (f"{BASE}/quotes/{quote.pk}/withdraw", {"reason": "x"}),
        (
            f"{BASE}/work-orders/{wo}/replacements",
            {"old_device_id": device_a.pk, "new_serial": "X", "signer_name": "x", "signature": signature_data_url()},
        ),
        (f"{BASE}/work-orders/{wo}/changes", {"description": "x"}),
    ):
        assert_scoped(url, other, method="post", data=data)
    assert_scoped(f"{BASE}/work-orders/{wo}/service-form", other, method="put", data={"inspection": "x"})
    r = other.post(f"{BASE}/work-orders/{wo}/backups", {"what": "x", "location": "x", "performed_by_name": "x"})
    assert r.status_code == 404
    r = other.post(
        f"{BASE}/work-orders/{wo}/service-form/sign",
        {"customer_name": "x", "customer_signature": "x", "engineer_signature": "x"},
    )
    assert r.status_code == 404
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING


def test_link_over_the_api_is_one_time_and_goes_out_by_email(
    api_as, on_site_order, field_engineer, django_capture_on_commit_callbacks
):
    from weibao.notifications.models import Delivery

    quote = services.quote_create(
        workorder=on_site_order,
        actor=field_engineer,
        lines=[{"kind": "other", "description": "线", "quantity": 1, "unit_price": 5}],
    )
    engineer = api_as(field_engineer)
    with django_capture_on_commit_callbacks(execute=True):
        r = post(engineer, f"{BASE}/quotes/{quote.pk}/links", {"channel": "email", "sent_to": "wang@example.com"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert f"/q/{body['token']}/" in body["url"]
    assert Delivery.objects.filter(recipient="wang@example.com", workorder=on_site_order).exists()
    services.quote_answer_by_link(token=body["token"], approve=False, name="王主任", reason="预算不足")
    with pytest.raises(services.LinkRefused):
        services.quote_answer_by_link(token=body["token"], approve=True, name="王主任")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REFUSED
    r = post(engineer, f"{BASE}/quotes/{quote.pk}/links", {"channel": "sms", "sent_to": "138"})
    assert r.status_code == 409  # only a quote waiting for the customer is sent


@pytest.mark.parametrize(
    "step", ["confirm-cause", "service-form", "changes", "approve", "links", "withdraw", "replacements"]
)
def test_every_write_refuses_a_stale_expected_version(
    api_as, step, on_site_order, field_engineer, manager, device_a, customer_a_user
):
    wo = on_site_order
    if step == "changes":
        services.backup_record(
            workorder=wo,
            actor=field_engineer,
            what="配置",
            location="U盘",
            performed_by_name="张工",
            customer_agreed=True,
            agreed_by_name="王主任",
        )
    quote = None
    if step in ("approve", "links", "withdraw"):
        quote = services.quote_create(
            workorder=wo,
            actor=field_engineer,
            lines=[{"kind": "other", "description": "线", "quantity": 1, "unit_price": 5}],
        )
    wo.refresh_from_db()
    stale = wo.version - 1
    actor = {"approve": field_engineer, "withdraw": manager}.get(step, field_engineer)
    client = api_as(actor)
    calls = {
        "confirm-cause": (
            "post",
            f"{BASE}/work-orders/{wo.pk}/confirm-cause",
            {"confirmed_by_name": "王主任", "symptom": "无图像", "cause": "system"},
        ),
        "service-form": ("put", f"{BASE}/work-orders/{wo.pk}/service-form", {"inspection": "检查"}),
        "changes": ("post", f"{BASE}/work-orders/{wo.pk}/changes", {"description": "升级"}),
        "approve": (
            "post",
            f"{BASE}/quotes/{quote.pk if quote else 0}/approve",
            {"channel": "phone", "name": "王主任", "signature": signature_data_url()},
        ),
        "links": ("post", f"{BASE}/quotes/{quote.pk if quote else 0}/links", {"channel": "sms", "sent_to": "138"}),
        "withdraw": ("post", f"{BASE}/quotes/{quote.pk if quote else 0}/withdraw", {"reason": "错了"}),
        "replacements": (
            "post",
            f"{BASE}/work-orders/{wo.pk}/replacements",
            {
                "old_device_id": device_a.pk,
                "new_serial": "N-1",
                "signer_name": "王主任",
                "signature": signature_data_url(),
            },
        ),
    }
    method, url, data = calls[step]
    before = WorkOrderEvent.objects.filter(workorder=wo).count()
    r = getattr(client, method)(url, json.dumps({**data, "expected_version": stale}), content_type="application/json")
    assert r.status_code == 409, r.content
    assert WorkOrderEvent.objects.filter(workorder=wo).count() == before
    r = getattr(client, method)(
        url, json.dumps({**data, "expected_version": wo.version}), content_type="application/json"
    )
    assert r.status_code in (200, 201), r.content


def test_the_order_says_why_it_is_chargeable(api_as, on_site_order, field_engineer):
    engineer = api_as(field_engineer)
    r = post(
        engineer,
        f"{BASE}/work-orders/{on_site_order.pk}/confirm-cause",
        {"confirmed_by_name": "王主任", "symptom": "摄像机被撞坏", "cause": "human", "human_cause": "misuse"},
    )
    assert r.status_code == 201, r.content
    assert (r.json()["charge_reason"], r.json()["chargeable"]) == ("human_error", True)
    order = engineer.get(f"/api/work-orders/{on_site_order.pk}").json()
    assert (order["charge_reason"], order["cause"]) == ("human_error", "human")
