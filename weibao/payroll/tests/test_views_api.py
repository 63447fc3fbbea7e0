"""Pages and API of the month end: scoping (an engineer sees only his own statement; customers and vendors 404),
authority levels over HTTP (403), a locked month refusing edits through the UI and the API (409), travel claims and
the manager's answer from the phone, the Excel export and the KPI dashboard."""

import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from weibao.accounts.services import token_create
from weibao.payroll import services
from weibao.payroll.models import TravelApproval, TravelClaim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api_as(api_client):
    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        return api_client.bearer(raw)

    return as_user


@pytest.fixture
def prepared(month_fixture, service_admin, last_month):
    return services.paymonth_prepare(month=last_month, actor=service_admin)


@pytest.fixture
def locked(prepared, dept_manager, general_manager):
    pm = services.paymonth_review(pay_month=prepared, actor=dept_manager)
    return services.paymonth_approve(pay_month=pm, actor=general_manager)


def _url(name, pm, *extra):
    return reverse(name, args=[pm.month.year, pm.month.month, *extra])


def test_engineer_sees_only_his_own_statement(client, api_as, prepared, month_fixture):
    zhang, li = month_fixture["zhang"], month_fixture["li"]
    own, other = prepared.statements.get(engineer=zhang), prepared.statements.get(engineer=li)
    client.force_login(zhang)
    page = client.get(reverse("payroll:statement", args=[own.pk]))
    assert page.status_code == 200
    assert "613.50" in page.content.decode()
    assert client.get(reverse("payroll:statement", args=[other.pk])).status_code == 404
    assert client.get(reverse("payroll:months")).status_code == 404
    assert client.get(_url("payroll:month", prepared)).status_code == 404
    assert client.get(_url("payroll:export", prepared)).status_code == 404
    mine = client.get(reverse("payroll:mine"))
    assert reverse("payroll:statement", args=[own.pk]) in mine.content.decode()
    api = api_as(zhang)
    assert api.get(f"/api/pay/statements/{own.pk}").json()["total"] == "613.50"
    assert api.get(f"/api/pay/statements/{other.pk}").status_code == 404
    assert [s["id"] for s in api.get("/api/pay/statements/mine").json()] == [own.pk]
    assert api.get("/api/pay/months").status_code == 404


@pytest.mark.parametrize("who", ["customer_a_user", "vendor_user"])
def test_customer_and_vendor_see_none(request, client, api_as, prepared, month_fixture, assert_scoped, who):
    user = request.getfixturevalue(who)
    st = prepared.statements.first()
    client.force_login(user)
    for url in (
        reverse("payroll:months"),
        _url("payroll:month", prepared),
        _url("payroll:export", prepared),
        reverse("payroll:statement", args=[st.pk]),
        reverse("payroll:mine"),
        reverse("payroll:kpi"),
        reverse("payroll:travel"),
        reverse("payroll:approvals"),
    ):
        assert client.get(url).status_code in (403, 404), url
    for url in (reverse("payroll:months"), _url("payroll:month", prepared), reverse("payroll:statement", args=[st.pk])):
        assert_scoped(url, client)
    api = api_as(user)
    for url in (
        "/api/pay/months",
        f"/api/pay/statements/{st.pk}",
        "/api/pay/statements/mine",
        f"/api/pay/months/{prepared.month.year}/{prepared.month.month}",
    ):
        assert_scoped(url, api)


def test_manager_sees_team_table_and_export(client, prepared, dept_manager):
    client.force_login(dept_manager)
    page = client.get(_url("payroll:month", prepared))
    body = page.content.decode()
    assert page.status_code == 200
    assert "1419.90" in body
    assert "苏州分公司" in body
    assert 'data-step="review"' in body
    assert 'data-step="approve"' not in body
    response = client.get(_url("payroll:export", prepared))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0]["A1"].value.endswith(f"{prepared.month:%Y-%m}")


def test_approval_chain_over_http(client, api_as, prepared, dept_manager, general_manager):
    url = f"/api/pay/months/{prepared.month.year}/{prepared.month.month}"
    assert api_as(general_manager).post(f"{url}/review", {}, content_type="application/json").status_code == 403
    client.force_login(dept_manager)
    response = client.post(_url("payroll:step", prepared, "review"), {"note": "ok", "version": prepared.version})
    assert response.status_code == 302
    assert api_as(dept_manager).post(f"{url}/approve", {}, content_type="application/json").status_code == 403
    answer = api_as(general_manager).post(f"{url}/approve", {"note": "同意"}, content_type="application/json")
    assert answer.status_code == 200
    data = answer.json()
    assert data["status"] == "approved"
    assert [e["kind"] for e in data["events"]] == ["prepared", "reviewed", "approved"]


def test_stale_version_is_409(client, prepared, dept_manager):
    client.force_login(dept_manager)
    response = client.post(_url("payroll:step", prepared, "review"), {"version": prepared.version - 1})
    assert response.status_code == 409


def test_locked_month_cannot_be_edited_via_ui_or_api(client, api_as, locked, service_admin, month_fixture):
    st = locked.statements.get(engineer=month_fixture["zhang"])
    client.force_login(service_admin)
    page = client.get(reverse("payroll:statement", args=[st.pk])).content.decode()
    assert 'data-testid="attendance"' not in page
    assert 'data-testid="locked"' in page
    month_page = client.get(_url("payroll:month", locked)).content.decode()
    assert "data-step=" not in month_page
    assert client.post(reverse("payroll:statement", args=[st.pk]), {"attendance_days": "20"}).status_code == 409
    assert client.post(_url("payroll:step", locked, "prepare"), {}).status_code == 409
    assert client.post(reverse("payroll:months"), {"month": f"{locked.month:%Y-%m}"}).status_code == 409
    api = api_as(service_admin)
    response = api.put(
        f"/api/pay/statements/{st.pk}/attendance", {"attendance_days": "20"}, content_type="application/json"
    )
    assert response.status_code == 409
    response = api.post("/api/pay/months", {"month": f"{locked.month:%Y-%m}"}, content_type="application/json")
    assert response.status_code == 409
    st.refresh_from_db()
    assert st.attendance_days is None


def test_prepare_through_the_api_and_bad_input(api_as, month_fixture, service_admin, last_month, make_user):
    api = api_as(service_admin)
    response = api.post("/api/pay/months", {"month": "2026-13"}, content_type="application/json")
    assert response.status_code == 422
    response = api.post("/api/pay/months", {"month": f"{last_month:%Y-%m}"}, content_type="application/json")
    assert response.status_code == 201
    assert sum(D(r["total"]) for r in response.json()["team"]) == D("1419.90")
    assert api_as(make_user("field_engineer")).post(
        "/api/pay/months", {"month": f"{last_month:%Y-%m}"}, content_type="application/json"
    ).status_code in (403, 404)


def test_rules_page_and_api(client, api_as, admin_user, rule):
    client.force_login(admin_user)
    response = client.post(
        reverse("payroll:rules"),
        {
            "valid_from": "2030-01-01",
            "service_allowance": "35",
            "monthly_bonus": "600",
            "complaint_fine": "120",
            "forfeit_threshold": "2",
            "non_dedicated_visit_fee": "90",
            "base_salary": "4200",
            "probation_base_salary": "3400",
            "seniority_per_year": "60",
            "standard_days": "21.75",
            "note": "2030 调整",
        },
    )
    assert response.status_code == 302
    bad = client.post(reverse("payroll:rules"), {"valid_from": "2030-01-01", "service_allowance": "-1"})
    assert bad.status_code == 422
    rules = api_as(admin_user).get("/api/pay/rules").json()
    assert rules[0]["service_allowance"] == "35.00"


def test_engineer_claims_from_the_phone_and_manager_answers(client, api_as, make_visit, field_engineer, dept_manager):
    wo = make_visit(field_engineer, timezone.now() - dt.timedelta(days=1))
    client.force_login(field_engineer)
    trip = (timezone.localtime() - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("payroll:travel"),
        {
            "claim-workorder": wo.pk,
            "claim-kind": "taxi",
            "claim-trip_at": trip,
            "claim-amount": "45.00",
            "claim-description": "公司→机房",
            "claim-receipt": SimpleUploadedFile("r.png", _png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    claim = TravelClaim.objects.get()
    assert claim.status == "refused"
    assert claim.receipt
    page = client.get(reverse("payroll:travel")).content.decode()
    assert 'data-testid="refusal"' in page
    response = client.post(
        reverse("payroll:travel"), {"ask-workorder": wo.pk, "ask-kind": "taxi", "ask-reason": "急修"}
    )
    assert response.status_code == 302
    approval = TravelApproval.objects.get()
    client.force_login(dept_manager)
    assert str(approval.workorder.number) in client.get(reverse("payroll:approvals")).content.decode()
    response = client.post(reverse("payroll:answer", args=[approval.pk, "approve"]), {"note": "同意"})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert (approval.status, approval.answered_by) == ("approved", dept_manager)
    # API: the engineer's claim after the approval is accepted.
    api = api_as(field_engineer)
    response = api.post(
        "/api/pay/travel/claims",
        {
            "workorder_id": wo.pk,
            "kind": "taxi",
            "trip_at": timezone.now().isoformat(),
            "amount": "45.00",
            "description": "机房→公司",
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "accepted"
    response = api.post(
        "/api/pay/travel/claims",
        {"workorder_id": wo.pk, "kind": "taxi", "trip_at": "x", "amount": "1", "description": "x"},
    )
    assert response.status_code == 422


def test_claim_for_someone_elses_order_is_404(api_as, make_visit, field_engineer, make_user):
    other = make_visit(make_user("field_engineer"), timezone.now())
    response = api_as(field_engineer).post(
        "/api/pay/travel/approvals",
        {"workorder_id": other.pk, "kind": "taxi", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_kpi_dashboard_page_and_api(client, api_as, prepared, dept_manager, last_month):
    client.force_login(dept_manager)
    page = client.get(reverse("payroll:kpi"), {"month": f"{last_month:%Y-%m}"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "echarts-5.6.0.min.js" in body
    assert "payroll/kpi.js" in body
    assert 'id="pay-kpi-data"' in body
    data = json.loads(body.split('id="pay-kpi-data" type="application/json">')[1].split("</script>")[0])
    assert data["trend"]["services"][-1] == 7  # 3 + 2 + 2 complete forms; the incomplete one does not count
    board = api_as(dept_manager).get("/api/pay/kpi", {"month": f"{last_month:%Y-%m}"}).json()
    by_name = {e["engineer"]: e for e in board["engineers"]}
    assert by_name["张工"]["services"] == 3
    assert by_name["张工"]["ftf_rate"] == 100.0
    assert by_name["张工"]["travel_per_service"] == "7.83"  # 23.50 / 3


def test_kpi_board_reads_stored_months_until_recomputed(
    client, api_as, month_fixture, dept_manager, last_month, make_visit, settings
):
    """The board reads each month's stored figures (core.snapshots): a visit signed after they were computed
    shows after "recompute now"; the page and the API say as of when."""
    from weibao.core.models import ReportSnapshot

    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    client.force_login(dept_manager)
    url = reverse("payroll:kpi") + f"?month={last_month:%Y-%m}"

    def services_of(response) -> int:
        body = response.content.decode()
        return json.loads(body.split('id="pay-kpi-data" type="application/json">')[1].split("</script>")[0])["trend"][
            "services"
        ][-1]

    first = client.get(url)
    assert services_of(first) == 7
    assert 'data-testid="snapshot-status"' in first.content.decode()
    assert ReportSnapshot.objects.filter(kind="payroll.kpi_month").count() == 6  # the month and the five before it
    late = timezone.make_aware(dt.datetime.combine(last_month + dt.timedelta(days=20), dt.time(10)))
    make_visit(month_fixture["zhang"], late)
    assert services_of(client.get(url)) == 7
    board = api_as(dept_manager).get("/api/pay/kpi", {"month": f"{last_month:%Y-%m}"}).json()
    assert board["as_of"]
    assert board["pending"] is False
    assert board["trend"]["services"][-1] == 7
    assert client.post(url, {"refresh": "1"}).status_code == 302
    assert services_of(client.get(url)) == 8


def test_kpi_board_says_it_is_computing_before_the_first_figures(client, api_as, dept_manager, last_month, settings):
    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    client.force_login(dept_manager)
    body = client.get(reverse("payroll:kpi"), {"month": f"{last_month:%Y-%m}"}).content.decode()
    assert 'hx-trigger="every 3s"' in body
    assert 'data-refreshing="1"' in body
    board = api_as(dept_manager).get("/api/pay/kpi", {"month": f"{last_month:%Y-%m}"}).json()
    assert board["pending"] is True
    assert board["as_of"] is None


def _png() -> bytes:
    from weibao.onsite.tests.conftest import signature_png

    return signature_png()


def test_kpi_board_markup_is_cached_per_figures_branch_and_names(
    client, month_fixture, dept_manager, last_month, settings
):
    """The rendered tables are kept while the stored figures are the same; a renamed engineer or another branch
    renders them anew."""
    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    client.force_login(dept_manager)
    url = reverse("payroll:kpi") + f"?month={last_month:%Y-%m}"
    assert "张工" in client.get(url).content.decode()
    zhang = month_fixture["zhang"]
    zhang.name = "张工程师"
    zhang.save(update_fields=["name"])
    body = client.get(url).content.decode()
    assert "张工程师" in body
    wang_branch = month_fixture["wang"].branch
    only_suzhou = client.get(url + f"&branch={wang_branch.pk}").content.decode()
    table = only_suzhou.split('data-testid="kpi-engineer-table"')[1].split("</section>")[0]
    assert "王工" in table
    assert "张工程师" not in table
