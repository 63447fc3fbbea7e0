"""Issue 17 points 5 and 6, and triage's move to another site: pause reasons from the configurable list (on the clock's
pauses, the timeline, the clock display, the API and the SLA report), the service kind and maintenance type of every
order (intake, triage, queue filter, export, API, reports), and moving an order to another site of its customer."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.contracts.choices import ClockKind
from weibao.contracts.selectors import sla_targets_for
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.workorders import services as svc
from weibao.workorders.choices import EventKind, MaintenanceType, ServiceKind, Status, WaitReason
from weibao.workorders.clocks import paused_by_reason
from weibao.workorders.models import Clock, PauseReason, WorkOrder, WorkOrderEvent
from weibao.workorders.tests.factories import SiteFactory, make_workorder
from weibao.workorders.tests.test_api import post
from weibao.workorders.tests.test_views import HX, act

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 0


def clock_of(wo, kind) -> Clock:
    return Clock.objects.get(workorder=wo, kind=kind)


# --- the pause-reason list ------------------------------------------------------------------------------------------


def test_seeded_list_holds_the_system_codes_which_cannot_be_deleted():
    codes = dict(PauseReason.objects.values_list("code", "system"))
    for code in ("awaiting_access", "quote_approval", "parts", "vendor", "customer_test", "visit_agreed"):
        assert code in codes
    assert codes[WaitReason.QUOTE_APPROVAL]
    assert codes[WaitReason.VISIT_AGREED]
    with pytest.raises(ValidationError):
        PauseReason.objects.get(code="quote_approval").delete()
    PauseReason.objects.get(code="customer_test").delete()  # an ordinary reason may go
    assert PauseReason.objects.filter(code="quote_approval").exists()


def test_admin_cannot_delete_a_system_reason(admin_client):
    system = PauseReason.objects.get(code="quote_approval")
    ordinary = PauseReason.objects.create(code="power_cut", name="等待恢复供电")
    listing = admin_client.get(reverse("admin:workorders_pausereason_changelist"))
    assert listing.status_code == 200
    assert "等待备件" in listing.content.decode()
    assert admin_client.get(reverse("admin:workorders_pausereason_change", args=[system.pk])).status_code == 200
    assert admin_client.get(reverse("admin:workorders_pausereason_delete", args=[system.pk])).status_code == 403
    response = admin_client.post(
        reverse("admin:workorders_pausereason_changelist"),
        {"action": "delete_selected", "_selected_action": [system.pk, ordinary.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)  # Django refuses a bulk delete that holds a protected row
    assert PauseReason.objects.filter(pk=system.pk).exists()


# --- pausing with a reason ------------------------------------------------------------------------------------------


def test_wait_requires_a_reason_from_the_list(site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    with pytest.raises(ValidationError) as exc:
        svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="", reason="等")
    assert "reason_code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="no_such_reason")
    PauseReason.objects.filter(code="parts").update(active=False)
    with pytest.raises(ValidationError):  # retired: no longer offered
        svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="parts")
    wo.refresh_from_db()
    assert wo.status == Status.NEW
    assert not WorkOrderEvent.objects.filter(workorder=wo, kind="waiting_customer")


def test_each_pause_keeps_its_reason_and_paused_time_is_counted_per_reason(clock, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, severity="B")
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    clock.advance(hours=1)
    svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="parts", reason="等华为备件")
    res = clock_of(wo, ClockKind.RESOLUTION)
    assert res.pause_reason == "parts"
    event = WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.WAITING_CUSTOMER).get()
    assert event.data["pause_reason"] == "parts"
    clock.advance(hours=2)
    # Still waiting, now for the customer's test: the pause goes on under the new reason.
    svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="customer_test")
    assert wo.wait_reason == "customer_test"
    assert WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.WAITING_CUSTOMER).count() == 2
    clock.advance(hours=3)
    svc.workorder_resume(workorder=wo, actor=duty_engineer)
    res = clock_of(wo, ClockKind.RESOLUTION)
    assert [p[2] for p in res.pauses] == ["parts", "customer_test"]
    assert res.pause_reason == ""
    assert res.paused_at is None
    totals = paused_by_reason(
        res, sla_targets_for(contract=None, severity="B", region_tier="city", channel="phone").calendar, now=clock.now
    )
    assert totals == {"parts": 2 * H, "customer_test": 3 * H}
    assert res.deadline == res.started_at + 72 * H + 5 * H  # both stretches moved the deadline
    # The same click again is no new event.
    svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="vendor")
    svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code="vendor")
    assert WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.WAITING_CUSTOMER).count() == 3


def test_visit_agreed_pause_is_recorded_under_its_system_code(clock, site_a, duty_engineer, manager, field_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, severity="B")
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    deadline = clock_of(wo, ClockKind.ARRIVAL).deadline
    svc.workorder_set_appointment(
        workorder=wo, actor=manager, appointment_at=deadline + 5 * H, note="客户周末才在", customer_agreed=True
    )
    arrival = clock_of(wo, ClockKind.ARRIVAL)
    assert arrival.pauses[-1][2] == WaitReason.VISIT_AGREED


def test_quote_approval_code_still_works_for_onsite(site_a, duty_engineer):
    from weibao.workorders.services.steps import workorder_await_customer

    wo = make_workorder(site=site_a, actor=duty_engineer)
    svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
    wo, event = workorder_await_customer(
        workorder=wo,
        actor=duty_engineer,
        perm="workorders.wait_customer",
        reason=WaitReason.QUOTE_APPROVAL,
        kind=EventKind.QUOTE_ISSUED,
    )
    assert wo.status == Status.WAITING_CUSTOMER
    assert wo.wait_reason == "quote_approval"
    assert clock_of(wo, ClockKind.RESOLUTION).pause_reason == "quote_approval"
    assert event.data["pause_reason"] == "quote_approval"


def test_clock_display_and_timeline_show_the_reason(client, site_a, duty_engineer, customer_a_user):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    form = client.get(reverse("workorders:action_form", args=[wo.pk, "wait_customer"])).content.decode()
    assert 'name="wait_customer-reason_code"' in form
    assert "等待客户测试" in form
    response = act(
        client, wo, "wait_customer", {"wait_customer-version": wo.version, "wait_customer-reason_code": "parts"}, **HX
    )
    assert response.status_code == 200, response.content.decode()[:500]
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert 'data-testid="clock-pause-reason"' in page
    assert "等待备件" in page
    assert 'data-testid="pause-reason"' in page
    # The customer sees why its order waits.
    client.force_login(customer_a_user)
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert "等待备件" in page


def test_ui_wait_without_reason_is_a_field_error(client, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    response = act(
        client, wo, "wait_customer", {"wait_customer-version": wo.version, "wait_customer-reason": "等"}, **HX
    )
    assert response.status_code == 422
    wo.refresh_from_db()
    assert wo.status == Status.NEW


def test_api_pause_needs_reason_and_clocks_count_paused_minutes(clock, api_as, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    client = api_as(duty_engineer)
    reasons = client.get("/api/work-orders/pause-reasons").json()
    assert {"code": "quote_approval", "name": "等待报价确认", "system": True} in reasons
    assert post(client, f"/api/work-orders/{wo.pk}/wait-customer", {"reason": "等"}).status_code == 422
    r = post(client, f"/api/work-orders/{wo.pk}/wait-customer", {"reason_code": "nope"})
    assert r.status_code == 422
    assert "reason_code" in r.json()["detail"]
    r = post(
        client,
        f"/api/work-orders/{wo.pk}/wait-customer",
        {"reason_code": "awaiting_access", "expected_version": wo.version},
    )
    assert r.status_code == 200
    assert r.json()["wait_reason"] == "awaiting_access"
    clock.advance(minutes=90)
    clocks = client.get(f"/api/work-orders/{wo.pk}/clocks").json()
    res = next(c for c in clocks if c["kind"] == "resolution")
    assert res["pause_reason"] == "awaiting_access"
    assert res["pause_reason_label"] == "等待客户开门/配合"
    assert res["paused_minutes"] == {"awaiting_access": 90}


def test_sla_report_counts_paused_time_per_reason_and_orders_per_kind(clock, site_a, duty_engineer):
    from weibao.contracts.tests.factories import ContractFactory
    from weibao.slareports.exports import rows_for_display, to_xlsx
    from weibao.slareports.metrics import build_report

    contract = ContractFactory(customer=site_a.customer)
    one = make_workorder(site=site_a, actor=duty_engineer)
    two = make_workorder(site=site_a, actor=duty_engineer, service_kind="installation", maintenance_type="adaptive")
    WorkOrder.objects.filter(pk__in=[one.pk, two.pk]).update(contract=contract)
    for wo, code in ((one, "parts"), (two, "awaiting_access")):
        svc.workorder_acknowledge(workorder=wo, actor=duty_engineer)
        svc.workorder_wait_customer(workorder=wo, actor=duty_engineer, reason_code=code)
    clock.advance(hours=2)
    svc.workorder_resume(workorder=one, actor=duty_engineer)
    clock.advance(hours=1)
    day = clock.now.date()
    data = build_report(contract=contract, start=day - datetime.timedelta(days=1), end=day, as_of=clock.now)
    paused = {p["reason"]: p for p in data["paused_by_reason"]}
    cal_hours = {code: p["minutes"] for code, p in paused.items()}
    # On the contract's calendar: business minutes (never more than the wall time).
    assert set(cal_hours) == {"parts", "awaiting_access"}
    assert 0 <= cal_hours["parts"] <= 120
    assert 0 <= cal_hours["awaiting_access"] <= 180
    assert {k["kind"]: k["count"] for k in data["by_service_kind"]} == {"fault_repair": 1, "installation": 1}
    assert {t["type"]: t["count"] for t in data["by_maintenance_type"]} == {"corrective": 1, "adaptive": 1}
    assert data["drill"]["kind.installation"] == [two.pk]
    shown = rows_for_display(data)
    assert {r["label"] for r in shown["paused_rows"]} == {"等待备件", "等待客户开门/配合"}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(data)))
    assert len(book.sheetnames) >= 6


def test_fault_analysis_groups_by_service_kind(clock, site_a, duty_engineer, manager):
    from weibao.slareports.selectors import fault_analysis

    make_workorder(site=site_a, actor=duty_engineer, service_kind="training")
    make_workorder(site=site_a, actor=duty_engineer)
    day = clock.now.date()
    result = fault_analysis(user=manager, start=day, end=day)
    groups = {g["dimension"]: g["rows"] for g in result["groups"]}
    assert {r["key"]: r["label"] for r in groups["service_kind"]} == {"training": "培训", "fault_repair": "故障维修"}
    assert {r["key"] for r in groups["maintenance_type"]} == {"corrective"}


# --- service kind and maintenance type ------------------------------------------------------------------------------


def test_new_orders_default_to_fault_repair_corrective_and_intake_takes_a_kind(site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    assert (wo.service_kind, wo.maintenance_type) == (ServiceKind.FAULT_REPAIR, MaintenanceType.CORRECTIVE)
    wo = make_workorder(site=site_a, actor=duty_engineer, service_kind="delivery", maintenance_type="perfective")
    wo.refresh_from_db()
    assert (wo.service_kind, wo.maintenance_type) == ("delivery", "perfective")
    created = WorkOrderEvent.objects.get(workorder=wo, kind=EventKind.CREATED)
    assert created.data["service_kind"] == "delivery"
    with pytest.raises(ValidationError) as exc:
        make_workorder(site=site_a, actor=duty_engineer, service_kind="cooking", maintenance_type="x")
    assert {"service_kind", "maintenance_type"} <= set(exc.value.message_dict)


def test_inspection_finding_opens_an_inspection_order(site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, service_kind="inspection", source_ref="inspection:1:2")
    assert wo.service_kind == "inspection"


def test_triage_edit_changes_kind_with_a_timeline_event(client, site_a, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    response = act(
        client,
        wo,
        "update",
        {
            "update-version": wo.version,
            "update-title": wo.title,
            "update-severity": wo.severity,
            "update-category": wo.category,
            "update-cause": wo.cause,
            "update-service_kind": "commissioning",
            "update-maintenance_type": "adaptive",
        },
        **HX,
    )
    assert response.status_code == 200
    wo.refresh_from_db()
    assert (wo.service_kind, wo.maintenance_type) == ("commissioning", "adaptive")
    event = WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.UPDATED).get()
    assert event.data["fields"]["service_kind"] == ["fault_repair", "commissioning"]
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert "调试" in page
    assert "适应性维护" in page


def test_intake_page_records_the_kind(client, site_a, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(
        reverse("workorders:new"),
        {
            "customer": site_a.customer_id,
            "site": site_a.pk,
            "channel": "phone",
            "severity": "C",
            "category": "other",
            "service_kind": "training",
            "maintenance_type": "perfective",
            "symptom": "新员工需要系统使用培训",
        },
    )
    assert response.status_code == 302, response.content.decode()[:300]
    wo = WorkOrder.objects.latest("id")
    assert (wo.service_kind, wo.maintenance_type) == ("training", "perfective")


def test_portal_report_takes_what_the_customer_needs(client, site_a, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post(
        reverse("workorders:portal_new"),
        {"site": site_a.pk, "severity": "C", "service_kind": "consultation", "symptom": "报表导出按钮在哪里？"},
    )
    assert response.status_code == 302
    assert WorkOrder.objects.latest("id").service_kind == "consultation"


def test_queue_filters_by_kind_with_the_same_queries(client, site_a, duty_engineer, django_assert_max_num_queries):
    for kind in ("installation", "training", "fault_repair"):
        make_workorder(site=site_a, actor=duty_engineer, service_kind=kind)
    client.force_login(duty_engineer)
    client.get(reverse("workorders:list"))  # warm the cached pick lists
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as plain:
        client.get(reverse("workorders:list"))
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(reverse("workorders:list") + "?service_kind=installation&maintenance_type=corrective")
    body = response.content.decode()
    assert body.count('class="wo-card') == 1
    assert len(filtered) <= len(plain)
    assert 'name="service_kind"' in body


def test_export_has_the_kind_columns(client, site_a, duty_engineer):
    from openpyxl import load_workbook

    make_workorder(site=site_a, actor=duty_engineer, service_kind="installation")
    client.force_login(duty_engineer)
    response = client.get(reverse("workorders:export") + "?status=all")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert "服务类型" in header
    assert "维护类型" in header
    assert rows[1][header.index("服务类型")] == "安装"


def test_api_create_filter_and_output_kinds(api_as, site_a, duty_engineer):
    client = api_as(duty_engineer)
    r = post(
        client,
        "/api/work-orders/",
        {
            "customer_id": site_a.customer_id,
            "site_id": site_a.pk,
            "symptom": "新机柜上架安装",
            "service_kind": "installation",
            "maintenance_type": "adaptive",
        },
    )
    assert r.status_code == 201
    assert (r.json()["service_kind"], r.json()["maintenance_type"]) == ("installation", "adaptive")
    post(client, "/api/work-orders/", {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "故障"})
    bad = post(
        client,
        "/api/work-orders/",
        {"customer_id": site_a.customer_id, "site_id": site_a.pk, "symptom": "x", "service_kind": "cooking"},
    )
    assert bad.status_code == 422
    items = client.get("/api/work-orders/?service_kind=installation").json()["items"]
    assert [i["service_kind"] for i in items] == ["installation"]
    items = client.get("/api/work-orders/?maintenance_type=corrective").json()["items"]
    assert [i["maintenance_type"] for i in items] == ["corrective"]
    wo_id = r.json()["id"]
    r = client.patch(
        f"/api/work-orders/{wo_id}",
        json.dumps({"expected_version": r.json()["version"], "service_kind": "commissioning"}),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["service_kind"] == "commissioning"


# --- moving an order to another site ---------------------------------------------------------------------------------


@pytest.fixture
def county_site(customer_a):
    return SiteFactory(customer=customer_a, name="甲公司县城分部", region_tier="county")


def test_move_site_recomputes_clocks_for_the_region_tier(clock, site_a, county_site, duty_engineer):
    wo = make_workorder(site=site_a, actor=duty_engineer, severity="A")
    before = clock_of(wo, ClockKind.ARRIVAL)
    city = sla_targets_for(contract=None, severity="A", region_tier="city", channel="phone").arrival
    county = sla_targets_for(contract=None, severity="A", region_tier="county", channel="phone").arrival
    assert before.target == city
    assert county != city
    clock.advance(minutes=10)
    svc.workorder_move_site(
        workorder=wo, actor=duty_engineer, site=county_site, note="邮件里写的是县城分部", expected_version=wo.version
    )
    wo.refresh_from_db()
    assert wo.site == county_site
    after = clock_of(wo, ClockKind.ARRIVAL)
    assert after.target == county
    assert after.deadline == after.started_at + county
    events = WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.SITE_MOVED)
    assert events.count() == 1
    data = events.get().data
    assert data["from"]["id"] == site_a.pk
    assert data["to"]["id"] == county_site.pk
    assert data["clocks"]["arrival"][0] != data["clocks"]["arrival"][1]
    assert wo.next_deadline == min(c.deadline for c in wo.clocks.filter(stopped_at__isnull=True))
    # Moving to the site it is on: nothing.
    svc.workorder_move_site(workorder=wo, actor=duty_engineer, site=county_site)
    assert events.count() == 1


def test_move_site_refuses_another_customers_site_stale_version_and_closed_orders(
    site_a, site_b, county_site, duty_engineer, manager
):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    with pytest.raises(ValidationError) as exc:
        svc.workorder_move_site(workorder=wo, actor=duty_engineer, site=site_b)
    assert "site" in exc.value.message_dict
    with pytest.raises(StaleEdit):
        svc.workorder_move_site(workorder=wo, actor=duty_engineer, site=county_site, expected_version=wo.version - 1)
    svc.workorder_cancel(workorder=wo, actor=manager, reason="重复报修")
    with pytest.raises(TransitionNotAllowed):
        svc.workorder_move_site(workorder=wo, actor=duty_engineer, site=county_site)
    wo.refresh_from_db()
    assert wo.site == site_a
    assert not WorkOrderEvent.objects.filter(workorder=wo, kind=EventKind.SITE_MOVED)


def test_move_site_from_the_order_page(client, site_a, county_site, site_b, duty_engineer, customer_a_user):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    client.force_login(duty_engineer)
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert 'data-action-panel="move_site"' in page
    form = client.get(reverse("workorders:action_form", args=[wo.pk, "move_site"])).content.decode()
    assert 'name="move_site-site"' in form
    assert "甲公司县城分部" in form
    assert "乙公司总部" not in form
    bad = act(client, wo, "move_site", {"move_site-version": wo.version, "move_site-site": site_b.pk}, **HX)
    assert bad.status_code == 422
    ok = act(
        client,
        wo,
        "move_site",
        {"move_site-version": wo.version, "move_site-site": county_site.pk, "move_site-note": "客户说是县城分部"},
        **HX,
    )
    assert ok.status_code == 200
    wo.refresh_from_db()
    assert wo.site == county_site
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert 'data-testid="site-moved"' in page
    # The customer sees the move of its own order (from/to), and cannot move it.
    client.force_login(customer_a_user)
    page = client.get(reverse("workorders:detail", args=[wo.pk])).content.decode()
    assert 'data-testid="site-moved"' in page
    assert 'data-action-panel="move_site"' not in page
    assert act(client, wo, "move_site", {"move_site-version": wo.version, "move_site-site": site_a.pk}).status_code in (
        403,
        404,
    )


def test_api_move_site_scoping_and_states(
    api_as, site_a, county_site, site_b, duty_engineer, manager, customer_a_user, customer_b_user, assert_scoped
):
    wo = make_workorder(site=site_a, actor=duty_engineer)
    other = make_workorder(site=site_b, actor=duty_engineer)
    client = api_as(duty_engineer)
    url = f"/api/work-orders/{wo.pk}/move-site"
    r = post(client, url, {"site_id": site_b.pk})
    assert r.status_code == 422  # another customer's site
    r = post(client, url, {"site_id": county_site.pk, "expected_version": wo.version - 1})
    assert r.status_code == 409
    r = post(client, url, {"site_id": county_site.pk, "expected_version": wo.version, "note": "改到县城"})
    assert r.status_code == 200
    assert r.json()["site_id"] == county_site.pk
    timeline = client.get(f"/api/work-orders/{wo.pk}/timeline").json()
    moved = [e for e in timeline if e["kind"] == "site_moved"]
    assert len(moved) == 1
    assert moved[0]["data"]["to"]["id"] == county_site.pk
    # A customer sees from/to but not the staff-only deadlines; a customer may not move orders.
    customer = api_as(customer_a_user)
    seen = [e for e in customer.get(f"/api/work-orders/{wo.pk}/timeline").json() if e["kind"] == "site_moved"]
    assert seen
    assert "clocks" not in seen[0]["data"]
    assert seen[0]["data"]["from"]["id"] == site_a.pk
    assert post(customer, url, {"site_id": site_a.pk}).status_code == 403
    # Another customer's order is 404 to customer A.
    assert post(customer, f"/api/work-orders/{other.pk}/move-site", {"site_id": site_a.pk}).status_code == 404
    svc.workorder_cancel(workorder=wo, actor=manager, reason="报错了")
    client = api_as(duty_engineer)
    assert post(client, url, {"site_id": site_a.pk}).status_code == 409
