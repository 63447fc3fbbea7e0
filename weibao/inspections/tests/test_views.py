"""Issue 15, inspection pages: the engineer's flow through the forms, errors shown on the fields, scoping (two
customers and a vendor: 404 on every page and the PDF)."""

import pytest

from weibao.inspections.choices import VisitStatus
from weibao.inspections.models import InspectionPlan
from weibao.inspections.tests.conftest import YEAR_START, signature_data_url
from weibao.onsite.tests.pdfcheck import pdf_checks

pytestmark = pytest.mark.django_db


def _answer_ids(visit):
    return {a.text: a.pk for a in visit.answers.all()}


def test_engineer_does_a_visit_through_the_pages(client, visit_a, field_engineer, tmp_path):
    client.force_login(field_engineer)
    assert client.get("/inspections/").status_code == 200
    assert client.post(f"/inspections/visits/{visit_a.pk}/start/").status_code == 302
    ids = _answer_ids(visit_a)
    page = client.get(f"/inspections/visits/{visit_a.pk}/")
    assert page.status_code == 200
    assert "机房温度" in page.content.decode()

    bad = client.post(
        f"/inspections/visits/{visit_a.pk}/answers/",
        {f"a{ids['机房温度']}_value": "abc", f"a{ids['机房温度']}_risk": "none"},
    )
    assert bad.status_code == 422
    assert f'data-error-for="a{ids["机房温度"]}_value"' in bad.content.decode()

    data = {
        f"a{ids['核心交换机运行指示灯正常']}_value": "yes",
        f"a{ids['核心交换机运行指示灯正常']}_risk": "none",
        f"a{ids['机房温度']}_value": "31",
        f"a{ids['机房温度']}_risk": "high",
        f"a{ids['机房温度']}_finding": "空调故障，机房温度超标",
        f"a{ids['日志告警摘要']}_value": "无",
        f"a{ids['日志告警摘要']}_risk": "none",
    }
    assert client.post(f"/inspections/visits/{visit_a.pk}/answers/", data).status_code == 302
    page = client.get(f"/inspections/visits/{visit_a.pk}/").content.decode()
    assert 'data-testid="out-of-limit"' in page
    response = client.post(f"/inspections/visits/{visit_a.pk}/answers/{ids['机房温度']}/work-order/")
    assert response.status_code == 302
    assert client.post(f"/inspections/visits/{visit_a.pk}/complete/", {"risk_analysis": "温度高"}).status_code == 302
    assert (
        client.post(
            f"/inspections/visits/{visit_a.pk}/sign/", {"customer_name": "王经理", "customer_signature": ""}
        ).status_code
        == 422
    )
    response = client.post(
        f"/inspections/visits/{visit_a.pk}/sign/",
        {"customer_name": "王经理", "customer_signature": signature_data_url()},
    )
    assert response.status_code == 302
    visit_a.refresh_from_db()
    assert visit_a.status == VisitStatus.SIGNED
    pdf = client.get(f"/inspections/visits/{visit_a.pk}/report.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    pdf_checks(pdf.content, tmp_path, "巡检报告", "机房温度", "空调故障")


def test_manager_creates_a_plan_and_sees_errors(client, manager, contract_a, site_a, checklist):
    client.force_login(manager)
    assert client.get(f"/inspections/plans/?contract={contract_a.code}").status_code == 200
    url = f"/inspections/contracts/{contract_a.pk}/plans/new/"
    assert client.get(url).status_code == 200
    data = {
        "name": "日巡检",
        "site": site_a.pk,
        "template": checklist.pk,
        "frequency": "working_days",
        "interval_days": "0",
        "starts_on": "2026-01-01",
        "active": "on",
    }
    bad = client.post(url, data)
    assert bad.status_code == 422
    assert 'data-error-for="interval_days"' in bad.content.decode()
    assert not InspectionPlan.objects.exists()
    data["interval_days"] = "10"
    assert client.post(url, data).status_code == 302
    plan = InspectionPlan.objects.get()
    assert plan.visits.exists()
    page = client.get(f"/inspections/plans/{plan.pk}/")
    assert page.status_code == 200
    data.update(version=plan.version + 3, frequency="monthly")
    assert client.post(f"/inspections/plans/{plan.pk}/", data).status_code == 409  # stale edit


def test_checklist_pages(client, manager):
    client.force_login(manager)
    data = {
        "name": "门禁巡检",
        "subsystem_kind": "access",
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-0-kind": "reading",
        "items-0-text": "电池电压",
        "items-0-min_value": "12",
        "items-0-max_value": "11",
        "items-1-kind": "yes_no",
        "items-1-text": "",
    }
    bad = client.post("/inspections/checklists/new/", data)
    assert bad.status_code == 422
    data["items-0-max_value"] = "14"
    assert client.post("/inspections/checklists/new/", data).status_code == 302
    assert "电池电压" in client.get("/inspections/checklists/").content.decode()
    empty = client.post("/inspections/checklists/new/", {**data, "name": "空", "items-0-text": ""})
    assert empty.status_code == 422


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_other_organisations_get_404(client, request, visit_a, plan_a, assert_scoped, who):
    from weibao.inspections import services

    services.visit_start(visit=visit_a, actor=request.getfixturevalue("field_engineer"))
    answer = visit_a.answers.first()
    client.force_login(request.getfixturevalue(who))
    for url in (
        f"/inspections/visits/{visit_a.pk}/",
        f"/inspections/visits/{visit_a.pk}/report.pdf",
        f"/inspections/visits/{visit_a.pk}/answers/{answer.pk}/photo/",
        f"/inspections/plans/{plan_a.pk}/",
    ):
        if who == "vendor_user":
            assert client.get(url).status_code in (403, 404)
        else:
            assert_scoped(url, client)
    if who == "customer_b_user":
        assert_scoped(f"/inspections/visits/{visit_a.pk}/sign/", client, method="post", data={})
        assert_scoped(f"/inspections/visits/{visit_a.pk}/answers/{answer.pk}/work-order/", client, method="post")


def test_customer_sees_own_visits_only(client, customer_a_user, visit_a, visit_b):
    client.force_login(customer_a_user)
    page = client.get("/inspections/?status=planned").content.decode()
    assert f"visit-{visit_a.pk}" in page
    assert f"visit-{visit_b.pk}" not in page
    assert client.get(f"/inspections/visits/{visit_a.pk}/").status_code == 200
    assert YEAR_START


def test_photo_upload_and_view(client, visit_a, field_engineer):
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    from weibao.inspections.services import visit_start
    from weibao.inspections.tests.conftest import signature_data_url  # a PNG

    visit_start(visit=visit_a, actor=field_engineer)
    answer = visit_a.answers.get(text="日志告警摘要")
    png = base64.b64decode(signature_data_url().split(",", 1)[1])
    client.force_login(field_engineer)
    response = client.post(
        f"/inspections/visits/{visit_a.pk}/answers/",
        {f"a{answer.pk}_value": "正常", f"a{answer.pk}_photo": SimpleUploadedFile("cab.png", png, "image/png")},
    )
    assert response.status_code == 302
    photo = client.get(f"/inspections/visits/{visit_a.pk}/answers/{answer.pk}/photo/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content)[:4] == b"\x89PNG"


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_every_object_url_is_404_for_other_organisations(
    client, request, visit_a, plan_a, contract_a, assert_scoped, field_engineer, who
):
    from weibao.inspections import services

    services.visit_start(visit=visit_a, actor=field_engineer)
    answer = visit_a.answers.first()
    client.force_login(request.getfixturevalue(who))
    base = f"/inspections/visits/{visit_a.pk}"
    for url in (
        f"{base}/",
        f"{base}/report.pdf",
        f"{base}/answers/{answer.pk}/photo/",
        f"/inspections/plans/{plan_a.pk}/",
        f"/inspections/contracts/{contract_a.pk}/plans/new/",
    ):
        assert_scoped(url, client)
    for url in (
        f"{base}/start/",
        f"{base}/answers/",
        f"{base}/complete/",
        f"{base}/sign/",
        f"{base}/answers/{answer.pk}/work-order/",
        f"/inspections/plans/{plan_a.pk}/",
    ):
        assert_scoped(url, client, method="post", data={})


def test_visit_list_queries_do_not_grow_with_its_rows(client, manager, plan_a, plan_b, field_engineer):
    """The list loads only the columns its rows show; a deferred column read per row would add a query each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(manager)
    plan_a.visits.update(assignee=field_engineer)
    with CaptureQueriesContext(connection) as one_plan_assigned:
        body = client.get(reverse("inspections:visit_list")).content.decode()
    rows = body.count('data-testid="visit-')
    plan_b.visits.update(assignee=field_engineer)
    with CaptureQueriesContext(connection) as both_assigned:
        again = client.get(reverse("inspections:visit_list")).content.decode()
    assert rows > 1
    assert again.count('data-testid="visit-') == rows
    assert again.count(field_engineer.name) > body.count(field_engineer.name) > 0
    assert plan_a.site.name in again
    assert plan_b.name in again
    assert len(both_assigned) == len(one_plan_assigned)
    visit = plan_a.visits.order_by("scheduled_on").first()
    assert f'href="{reverse("inspections:visit", args=[visit.pk])}"' in again


def test_visit_rows_show_a_reassignment_at_once_after_they_were_cached(client, manager, visit_a, field_engineer):
    from weibao.inspections.models import InspectionVisit

    client.force_login(manager)
    client.get("/inspections/?status=planned")
    field_engineer.name = "新巡检员"
    field_engineer.save()
    InspectionVisit.objects.filter(pk=visit_a.pk).update(assignee=field_engineer)
    assert "新巡检员" in client.get("/inspections/?status=planned").content.decode()
