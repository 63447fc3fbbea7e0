"""Issue 15, inspections API: the whole visit over JSON, bad input as 422 naming the field, stale plan edits as
409, and another organisation's plan, visit, answer, PDF and contract figures as 404."""

import json

import pytest

from weibao.accounts.services import token_create
from weibao.inspections.models import InspectionPlan
from weibao.inspections.tests.conftest import signature_data_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(api_client):
    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        api_client.defaults.pop("HTTP_AUTHORIZATION", None)
        return api_client.bearer(raw)

    return as_user


def send(client, method, url, data=None):
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")


def test_visit_over_the_api(api_as, visit_a, field_engineer):
    api = api_as(field_engineer)
    base = f"/api/inspections/visits/{visit_a.pk}"
    started = send(api, "post", f"{base}/start")
    assert started.status_code == 200, started.content
    answers = {a["text"]: a["id"] for a in started.json()["answers"]}

    bad = send(api, "post", f"{base}/answers", {"answers": [{"id": answers["机房温度"], "value": "热"}]})
    assert bad.status_code == 422
    assert f"answers.{answers['机房温度']}.value" in bad.content.decode()

    ok = send(
        api,
        "post",
        f"{base}/answers",
        {
            "answers": [
                {"id": answers["核心交换机运行指示灯正常"], "value": True},
                {"id": answers["机房温度"], "value": 35, "finding": "空调停机", "risk": "high"},
                {"id": answers["日志告警摘要"], "value": "无"},
            ]
        },
    )
    assert ok.status_code == 200
    temp = next(a for a in ok.json()["answers"] if a["id"] == answers["机房温度"])
    assert temp["out_of_limit"] is True
    wo = send(api, "post", f"{base}/answers/{answers['机房温度']}/work-order")
    assert wo.status_code == 201
    assert wo.json()["number"]
    assert send(api, "post", f"{base}/complete", {"risk_analysis": "温度过高"}).json()["status"] == "completed"
    signed = send(api, "post", f"{base}/sign", {"customer_name": "王经理", "customer_signature": signature_data_url()})
    assert signed.json()["status"] == "signed"
    assert api.get(f"{base}/report.pdf").status_code == 200
    assert send(api, "post", f"{base}/start").status_code == 409  # signed: cannot start again

    figures = api.get(
        f"/api/inspections/contracts/{visit_a.contract_id}/planned-vs-done",
        {"start": "2026-01-01", "end": "2026-12-31"},
    ).json()
    assert (figures["planned"], figures["done"]) == (12, 1)


def test_plan_api_bad_input_and_stale_edit(api_as, manager, contract_a, site_a, site_b, checklist):
    api = api_as(manager)
    base = {
        "contract_id": contract_a.pk,
        "site_id": site_a.pk,
        "template_id": checklist.pk,
        "name": "API巡检",
        "starts_on": "2026-01-01",
        "frequency": "working_days",
    }
    zero = send(api, "post", "/api/inspections/plans", {**base, "interval_days": 0})
    assert zero.status_code == 422
    assert "interval_days" in zero.content.decode()
    other_site = send(api, "post", "/api/inspections/plans", {**base, "site_id": site_b.pk, "interval_days": 5})
    assert other_site.status_code == 422
    assert not InspectionPlan.objects.exists()
    created = send(api, "post", "/api/inspections/plans", {**base, "interval_days": 5})
    assert created.status_code == 201
    plan = created.json()
    stale = send(api, "patch", f"/api/inspections/plans/{plan['id']}", {"expected_version": 99, "name": "x"})
    assert stale.status_code == 409
    ok = send(
        api,
        "patch",
        f"/api/inspections/plans/{plan['id']}",
        {"expected_version": plan["version"], "frequency": "monthly"},
    )
    assert ok.status_code == 200
    assert ok.json()["frequency"] == "monthly"
    assert send(api, "post", "/api/inspections/checklists", {"name": "空", "items": []}).status_code == 422


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_other_organisations_get_404(api_as, request, visit_a, plan_a, field_engineer, who):
    from weibao.inspections import services

    services.visit_start(visit=visit_a, actor=field_engineer)
    answer = visit_a.answers.first()
    api = api_as(request.getfixturevalue(who))
    base = f"/api/inspections/visits/{visit_a.pk}"
    for method, url in [
        ("get", base),
        ("get", f"/api/inspections/plans/{plan_a.pk}"),
        ("get", f"{base}/report.pdf"),
        ("post", f"{base}/start"),
        ("post", f"{base}/answers/{answer.pk}/work-order"),
        ("post", f"{base}/sign"),
        ("patch", f"/api/inspections/plans/{plan_a.pk}"),
    ]:
        body = {"customer_name": "王", "customer_signature": signature_data_url()} if url.endswith("sign") else {}
        response = send(api, method, url, body)
        assert response.status_code == 404, (url, response.content)
    listed = api.get("/api/inspections/visits")
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        assert listed.json() == []
    figures = api.get(
        f"/api/inspections/contracts/{plan_a.contract_id}/planned-vs-done", {"start": "2026-01-01", "end": "2026-12-31"}
    )
    assert figures.status_code == 404
