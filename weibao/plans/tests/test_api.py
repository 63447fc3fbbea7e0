"""The plans API: in the OpenAPI schema with expected_version; bad input 422 with field errors; wrong state or a
stale version 409; another customer's user and a vendor get 404 on plans, change requests, reviews and reports;
internal notes reach customers empty."""

import datetime
import json

import pytest
from django.utils import timezone

from weibao.accounts.services import token_create
from weibao.plans import services
from weibao.plans.models import ChangeRequest

pytestmark = pytest.mark.django_db
BASE = "/api/plans"


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def api_as():
    """A separate JSON client per user (a bearer token each)."""
    from django.test import Client

    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return as_user


def send(client, method, url, data=None):
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def test_the_endpoints_are_in_the_openapi_schema(client, admin_user):
    client.force_login(admin_user)
    paths = client.get("/api/openapi.json").json()["paths"]
    for method, path in [
        ("post", f"{BASE}/work-orders/{{workorder_id}}/plans"),
        ("put", f"{BASE}/{{plan_id}}"),
        ("post", f"{BASE}/{{plan_id}}/submit"),
        ("post", f"{BASE}/{{plan_id}}/answer"),
        ("post", f"{BASE}/{{plan_id}}/link"),
        ("post", f"{BASE}/milestones/{{milestone_id}}/done"),
        ("get", f"{BASE}/change-requests"),
        ("post", f"{BASE}/change-requests/{{change_id}}/move"),
        ("get", f"{BASE}/legacy-queue"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/reviews"),
        ("post", f"{BASE}/work-orders/{{workorder_id}}/reports"),
        ("get", f"{BASE}/reports/{{report_id}}/pdf"),
    ]:
        assert method in paths[path], path
    body = paths[f"{BASE}/{{plan_id}}/answer"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "expected_version" in json.dumps(client.get("/api/openapi.json").json()["components"])
    assert body


def test_a_plan_from_draft_to_approval(api_as, order_a, duty_engineer, customer_a_user):
    engineer = api_as(duty_engineer)
    day = (timezone.localdate() + datetime.timedelta(days=4)).isoformat()
    created = send(
        engineer,
        "post",
        f"{BASE}/work-orders/{order_a.pk}/plans",
        {
            "expected_version": order_a.version,
            "cause": "电源老化",
            "actions": "更换电源",
            "internal_note": "内部备注",
            "milestones": [{"title": "更换", "due_on": day}],
        },
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["status"] == "draft"
    assert plan["milestones"][0]["due_on"] == day
    stale = send(engineer, "post", f"{BASE}/{plan['id']}/submit", {"expected_version": plan["version"] + 5})
    assert stale.status_code == 409
    submitted = send(engineer, "post", f"{BASE}/{plan['id']}/submit", {"expected_version": plan["version"]})
    assert submitted.json()["status"] == "submitted"

    customer = api_as(customer_a_user)
    seen = customer.get(f"{BASE}/{plan['id']}").json()
    assert seen["internal_note"] == ""  # the one declared rule
    assert seen["actions"] == "更换电源"
    no_reason = send(customer, "post", f"{BASE}/{plan['id']}/answer", {"decision": "reject"})
    assert no_reason.status_code == 422
    ok = send(
        customer,
        "post",
        f"{BASE}/{plan['id']}/answer",
        {"decision": "approve", "expected_version": submitted.json()["version"]},
    )
    assert ok.json()["status"] == "approved"
    again = send(customer, "post", f"{BASE}/{plan['id']}/answer", {"decision": "reject", "reason": "不"})
    assert again.status_code == 409
    milestone = ok.json()["milestones"][0]
    done = send(engineer, "post", f"{BASE}/milestones/{milestone['id']}/done", {"note": "完成"})
    assert done.json()["state"] == "done"


def test_bad_plan_input_gets_field_errors(api_as, order_a, duty_engineer):
    engineer = api_as(duty_engineer)
    empty = send(engineer, "post", f"{BASE}/work-orders/{order_a.pk}/plans", {})
    assert empty.status_code == 422
    assert "actions" in empty.content.decode()
    before = (timezone.localtime(order_a.reported_at).date() - datetime.timedelta(days=1)).isoformat()
    bad = send(
        engineer,
        "post",
        f"{BASE}/work-orders/{order_a.pk}/plans",
        {
            "actions": "更换",
            "milestones": [{"title": "到货", "due_on": before}, {"title": "更换"}],
        },
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    assert "milestones.0.due_on" in text
    assert "milestones.1.due_on" in text
    assert not order_a.solution_plans.exists()


def test_other_customers_and_vendors_get_404(
    api_as, client, submitted_plan, order_a, contract_a, manager, customer_b_user, vendor_user, assert_scoped
):
    change = services.change_request_create(contract=contract_a, actor=manager, title="新增报表", description="x")
    review = services.review_add(workorder=order_a, actor=manager, notes="内部", customer_report="处理中")
    report = services.report_create(workorder=order_a, actor=manager, body="处理报告")
    milestone = submitted_plan.milestones.get()
    for user in (customer_b_user, vendor_user):
        outsider = api_as(user)
        for url in (
            f"{BASE}/work-orders/{order_a.pk}/plans",
            f"{BASE}/{submitted_plan.pk}",
            f"{BASE}/change-requests/{change.pk}",
            f"{BASE}/work-orders/{order_a.pk}/reviews",
            f"{BASE}/work-orders/{order_a.pk}/reports",
            f"{BASE}/reports/{report.pk}/pdf",
        ):
            assert outsider.get(url).status_code in (404, 403), url
        assert_scoped(f"{BASE}/{submitted_plan.pk}/answer", outsider, method="post", data={"decision": "approve"})
        assert_scoped(f"{BASE}/milestones/{milestone.pk}/done", outsider, method="post", data={})
        assert_scoped(f"{BASE}/{submitted_plan.pk}", outsider)
        assert outsider.get(f"{BASE}/change-requests").json() in ([], {"detail": "Permission denied."})
        client.force_login(user)
        for url in (f"/plans/{submitted_plan.pk}/", f"/plans/changes/{change.pk}/", f"/plans/reports/{report.pk}.pdf"):
            assert client.get(url).status_code in (404, 403), url
        assert_scoped(f"/plans/{submitted_plan.pk}/", client)
    assert review.pk


def test_change_requests_through_the_api(api_as, contract_a, contract_b, manager, customer_a_user):
    customer = api_as(customer_a_user)
    other = send(
        customer, "post", f"{BASE}/change-requests", {"contract_id": contract_b.pk, "title": "x", "description": "y"}
    )
    assert other.status_code == 422  # another customer's contract does not exist for them
    created = send(
        customer,
        "post",
        f"{BASE}/change-requests",
        {"contract_id": contract_a.pk, "title": "月报导出", "description": "导出 Excel"},
    )
    assert created.status_code == 201, created.content
    change_id = created.json()["id"]
    staff = api_as(manager)
    agreed_on = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    updated = send(
        staff,
        "put",
        f"{BASE}/change-requests/{change_id}",
        {
            "plan": "下个迭代",
            "estimate_days": "1.5",
            "agreed_on": agreed_on,
            "internal_note": "毛利低",
            "expected_version": created.json()["version"],
        },
    )
    assert updated.status_code == 200, updated.content
    moved = send(staff, "post", f"{BASE}/change-requests/{change_id}/move", {"to": "agreed"})
    assert moved.json()["is_overdue"] is True
    overdue = staff.get(f"{BASE}/change-requests?overdue=true").json()
    assert [c["id"] for c in overdue] == [change_id]
    seen = api_as(customer_a_user).get(f"{BASE}/change-requests/{change_id}").json()
    assert seen["internal_note"] == ""
    assert seen["plan"] == "下个迭代"
    bad = send(staff, "post", f"{BASE}/change-requests/{change_id}/move", {"to": "accepted"})
    assert bad.status_code == 409
    assert ChangeRequest.objects.get(pk=change_id).status == "agreed"


def test_legacy_queue_and_reviews(api_as, site_a, contract_a, duty_engineer, manager, customer_a_user):
    from weibao.plans.tests.conftest import make_order
    from weibao.workorders.models import WorkOrder

    wo = make_order(
        site=site_a, actor=duty_engineer, contract=contract_a, reported_at=timezone.now() - datetime.timedelta(days=30)
    )
    WorkOrder.objects.filter(pk=wo.pk).update(resolution_due_at=timezone.now() - datetime.timedelta(days=20))
    wo.refresh_from_db()
    staff = api_as(manager)
    review = send(
        staff,
        "post",
        f"{BASE}/work-orders/{wo.pk}/reviews",
        {
            "notes": "内部：等厂商",
            "customer_report": "厂商正在分析",
            "expected_version": wo.version,
            "next_review_on": timezone.localdate().isoformat(),
        },
    )
    assert review.status_code == 201, review.content
    queue = staff.get(f"{BASE}/legacy-queue").json()
    assert queue[0]["id"] == wo.pk
    assert queue[0]["next_review_on"] == timezone.localdate().isoformat()
    assert queue[0]["review_overdue"] is False
    bad = send(staff, "post", f"{BASE}/work-orders/{wo.pk}/reviews", {"notes": "", "next_review_on": "2020-01-01"})
    assert bad.status_code == 422
    seen = api_as(customer_a_user).get(f"{BASE}/work-orders/{wo.pk}/reviews").json()
    assert [(r["customer_report"], r["notes"]) for r in seen] == [("厂商正在分析", "")]
    assert api_as(customer_a_user).get(f"{BASE}/legacy-queue").status_code == 403
    report = send(staff, "post", f"{BASE}/work-orders/{wo.pk}/reports", {"body": "处理报告正文"})
    assert report.status_code == 201, report.content
    pdf = api_as(customer_a_user).get(f"{BASE}/reports/{report.json()['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_no_schema_name_is_shared_with_another_app():
    """ninja names OpenAPI components by class name: a second `LinkIn` silently replaces the first app's."""
    import inspect

    from ninja import Schema as NinjaSchema

    from weibao.plans import schemas as ours

    names = {
        n
        for n, c in vars(ours).items()
        if inspect.isclass(c) and issubclass(c, NinjaSchema) and c.__module__ == ours.__name__
    }
    from importlib import import_module

    for app in ("workorders", "onsite", "contracts", "assets", "customers", "accounts", "dispatch", "notifications"):
        try:
            module = import_module(f"weibao.{app}.schemas")
        except ImportError:
            continue
        theirs = {n for n, c in vars(module).items() if inspect.isclass(c) and c.__module__ == module.__name__}
        assert not names & theirs, (app, names & theirs)


def test_lists_take_a_fixed_number_of_queries(api_as, contract_a, manager, django_assert_max_num_queries):
    for i in range(12):
        services.change_request_create(contract=contract_a, actor=manager, title=f"需求{i}", description="x")
    staff = api_as(manager)
    with django_assert_max_num_queries(8):
        rows = staff.get(f"{BASE}/change-requests").json()
    assert len(rows) == 12


def test_plan_versions_take_a_fixed_number_of_queries(
    api_as, order_a, duty_engineer, customer_a_user, django_assert_max_num_queries
):
    day = timezone.localdate() + datetime.timedelta(days=3)
    for _ in range(4):
        plan = services.plan_create(
            workorder=order_a,
            actor=duty_engineer,
            actions="更换",
            milestones=[{"title": "a", "due_on": day}, {"title": "b", "due_on": day}],
        )
        plan = services.plan_submit(plan=plan, actor=duty_engineer)
        services.plan_answer(plan=plan, actor=customer_a_user, decision="changes", reason="再改")
    staff = api_as(duty_engineer)
    with django_assert_max_num_queries(10):
        rows = staff.get(f"{BASE}/work-orders/{order_a.pk}/plans").json()
    assert [r["revision"] for r in rows] == [4, 3, 2, 1]
