"""Issue 18: the duty desk's rules — closing during observation, appointments, dispatch after hours."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from weibao.workorders import services as svc
from weibao.workorders.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The queue and dashboard cache their counts for seconds: leave none behind for the next test module."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resolved(order_a, duty_engineer):
    svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    return svc.workorder_resolve(workorder=order_a, actor=duty_engineer, resolution="重启交换机")


# --- §5 closing during observation -------------------------------------------------------------------------------


def test_closing_during_observation_needs_a_reason(resolved, manager):
    with pytest.raises(ValidationError) as exc:
        svc.workorder_close(workorder=resolved, actor=manager, note="")
    assert "reason_code" in exc.value.message_dict
    resolved.refresh_from_db()
    assert resolved.status == "resolved"


def test_other_needs_words(resolved, manager):
    with pytest.raises(ValidationError) as exc:
        svc.workorder_close(workorder=resolved, actor=manager, reason_code="other")
    assert "note" in exc.value.message_dict


def test_the_reason_is_on_the_timeline(resolved, manager):
    svc.workorder_close(workorder=resolved, actor=manager, reason_code="duplicate", note="同 WO-1 重复")

    event = WorkOrderEvent.objects.get(workorder=resolved, kind="closed")
    assert event.data["reason_code"] == "duplicate"
    assert event.data["during_observation"] is True
    assert event.body == "同 WO-1 重复"


def test_after_the_observation_period_no_reason_is_asked(clock, resolved, manager):
    clock.now = resolved.observation_ends_at + dt.timedelta(minutes=1)
    svc.workorder_close(workorder=resolved, actor=manager)
    resolved.refresh_from_db()
    assert resolved.status == "closed"


def test_close_page_records_the_reason(client, resolved, manager):
    client.force_login(manager)
    url = f"/work-orders/{resolved.pk}/close/"
    refused = client.post(url, {"close-version": resolved.version, "close-note": ""})
    assert refused.status_code in (200, 400, 422)
    resolved.refresh_from_db()
    assert resolved.status == "resolved"
    client.post(url, {"close-version": resolved.version, "close-reason_code": "customer_confirmed"})
    resolved.refresh_from_db()
    assert resolved.status == "closed"
    page = client.get(f"/work-orders/{resolved.pk}/").content.decode()
    assert 'data-testid="close-reason"' in page


@pytest.fixture
def api_as(api_client):
    from weibao.accounts.services import token_create

    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        return api_client.bearer(raw)

    return as_user


def test_close_api_takes_the_reason(api_as, resolved, manager):
    client = api_as(manager)
    refused = client.post(f"/api/work-orders/{resolved.pk}/close", {}, content_type="application/json")
    assert refused.status_code in (400, 422)
    ok = client.post(
        f"/api/work-orders/{resolved.pk}/close", {"reason_code": "customer_request"}, content_type="application/json"
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "closed"


# --- §4 appointments ---------------------------------------------------------------------------------------------


def _arrival(wo):
    return wo.clocks.get(kind="arrival")


def test_far_appointment_is_refused(clock, order_a, duty_engineer):
    with pytest.raises(ValidationError) as exc:
        svc.workorder_set_appointment(
            workorder=order_a,
            actor=duty_engineer,
            customer_agreed=True,
            note="客户出差",
            appointment_at=dt.datetime(2099, 12, 31, 2, 0, tzinfo=dt.UTC),
        )
    assert "appointment_at" in exc.value.message_dict
    order_a.refresh_from_db()
    assert order_a.appointment_at is None


def test_horizon_is_configurable(clock, order_a, duty_engineer, settings):
    settings.WEIBAO_APPOINTMENT_HORIZON_DAYS = 3
    with pytest.raises(ValidationError):
        svc.workorder_set_appointment(
            workorder=order_a,
            actor=duty_engineer,
            customer_agreed=True,
            note="x",
            appointment_at=clock.now + dt.timedelta(days=4),
        )


def test_visit_after_the_deadline_needs_agreement_and_reason(clock, order_a, duty_engineer):
    late = _arrival(order_a).deadline + dt.timedelta(days=2)
    with pytest.raises(ValidationError) as exc:
        svc.workorder_set_appointment(workorder=order_a, actor=duty_engineer, appointment_at=late)
    assert set(exc.value.message_dict) == {"customer_agreed", "note"}
    order_a.refresh_from_db()
    assert order_a.appointment_at is None

    svc.workorder_set_appointment(
        workorder=order_a, actor=duty_engineer, appointment_at=late, customer_agreed=True, note="客户周一才有人开机房门"
    )
    event = WorkOrderEvent.objects.get(workorder=order_a, kind="appointment")
    assert event.data["pause_reason"] == "visit_agreed"
    assert event.data["customer_agreed"] is True
    assert _arrival(order_a).pauses


def test_visit_before_the_deadline_needs_nothing(clock, order_a, duty_engineer):
    early = clock.now + dt.timedelta(hours=1)
    svc.workorder_set_appointment(workorder=order_a, actor=duty_engineer, appointment_at=early)
    order_a.refresh_from_db()
    assert order_a.appointment_at == early


def test_dispatch_with_a_late_visit_names_the_dispatch_fields(clock, order_a, manager, field_engineer, duty_engineer):
    svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    late = _arrival(order_a).deadline + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        svc.workorder_dispatch(workorder=order_a, actor=manager, engineer=field_engineer, appointment_at=late)
    assert set(exc.value.message_dict) == {"customer_agreed", "appointment_reason"}
    order_a.refresh_from_db()
    assert order_a.status == "acknowledged"


# --- §9 SLA durations shown truthfully ---------------------------------------------------------------------------


def test_business_time_in_working_hours_with_working_days():
    from django.utils import translation

    from weibao.workorders.clocks import business_time_text

    with translation.override("zh-hans"):
        assert business_time_text(dt.timedelta(hours=48), always=False, day_hours=8) == "48 工作小时（约 6 个工作日）"
        assert business_time_text(dt.timedelta(hours=4), always=False, day_hours=8) == "4 工作小时"
        assert business_time_text(dt.timedelta(hours=48), always=True, day_hours=24) == "48 小时（约 2 天）"
        assert business_time_text(dt.timedelta(minutes=30), always=False, day_hours=8) == "30 工作分钟"


def test_detail_page_shows_the_target_and_the_deadline(client, order_a, duty_engineer):
    client.force_login(duty_engineer)
    page = client.get(f"/work-orders/{order_a.pk}/").content.decode()
    assert 'data-testid="clock-target"' in page
    assert "小时" in page
    assert "天（工作时间）" not in page


# --- §2 dispatch after hours --------------------------------------------------------------------------------------

NIGHT = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)  # Monday 22:00 in Shanghai
DAY = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # Monday 11:00 in Shanghai


@pytest.fixture
def acknowledged(order_a, duty_engineer):
    return svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)


def test_duty_engineer_dispatches_at_night_when_no_manager_is_on_duty(
    clock, acknowledged, duty_engineer, field_engineer, settings
):
    from weibao.workorders.selectors import workorder_allowed_actions

    settings.WEIBAO_DUTY_DISPATCH = "no_manager"
    clock.now = NIGHT
    assert "dispatch" in workorder_allowed_actions(workorder=acknowledged, user=duty_engineer)
    svc.workorder_dispatch(workorder=acknowledged, actor=duty_engineer, engineer=field_engineer)
    acknowledged.refresh_from_db()
    assert (acknowledged.status, acknowledged.assignee_id) == ("dispatched", field_engineer.pk)


def test_duty_engineer_asks_the_manager_in_office_hours(
    clock, acknowledged, duty_engineer, field_engineer, manager, settings
):
    from django.core.exceptions import PermissionDenied

    from weibao.workorders.selectors import workorder_allowed_actions

    settings.WEIBAO_DUTY_DISPATCH = "no_manager"
    clock.now = DAY
    allowed = workorder_allowed_actions(workorder=acknowledged, user=duty_engineer)
    assert "dispatch" not in allowed
    assert "request_dispatch" in allowed
    with pytest.raises(PermissionDenied):
        svc.workorder_dispatch(workorder=acknowledged, actor=duty_engineer, engineer=field_engineer)
    svc.workorder_request_dispatch(workorder=acknowledged, actor=duty_engineer, note="客户催")
    svc.workorder_request_dispatch(workorder=acknowledged, actor=duty_engineer)  # a double tap adds nothing
    asks = WorkOrderEvent.objects.filter(workorder=acknowledged, kind="dispatch_requested")
    assert asks.count() == 1
    assert asks.get().internal


def test_a_manager_on_a_night_shift_keeps_dispatch_with_the_manager(
    clock, acknowledged, duty_engineer, field_engineer, manager, branch, settings
):
    from django.core.exceptions import PermissionDenied

    from weibao.dispatch.models import RosterEntry

    settings.WEIBAO_DUTY_DISPATCH = "no_manager"
    clock.now = NIGHT
    type(acknowledged).objects.filter(pk=acknowledged.pk).update(branch=branch)
    acknowledged.refresh_from_db()
    RosterEntry.objects.create(
        branch=branch,
        engineer=manager,
        date=NIGHT.date(),
        kind="on_duty",
        starts_at=NIGHT - dt.timedelta(hours=2),
        ends_at=NIGHT + dt.timedelta(hours=8),
    )
    with pytest.raises(PermissionDenied):
        svc.workorder_dispatch(workorder=acknowledged, actor=duty_engineer, engineer=field_engineer)


@pytest.mark.parametrize(("rule", "when", "allowed"), [("never", NIGHT, False), ("always", DAY, True)])
def test_the_rule_is_configurable(clock, acknowledged, duty_engineer, settings, rule, when, allowed):
    from weibao.dispatch.duty import may_dispatch

    settings.WEIBAO_DUTY_DISPATCH = rule
    clock.now = when
    assert may_dispatch(duty_engineer, branch_id=None, manager_perm="workorders.dispatch") is allowed


def test_field_engineer_never_dispatches(clock, field_engineer, settings):
    from weibao.dispatch.duty import may_dispatch

    settings.WEIBAO_DUTY_DISPATCH = "always"
    assert may_dispatch(field_engineer, branch_id=None, manager_perm="workorders.dispatch") is False


# --- §8 accept / decline / on my way / arrived --------------------------------------------------------------------


@pytest.fixture
def dispatched(acknowledged, manager, field_engineer):
    return svc.workorder_dispatch(workorder=acknowledged, actor=manager, engineer=field_engineer)


def test_engineer_declines_and_the_order_waits_for_another(dispatched, field_engineer, manager):
    from weibao.workorders.selectors import workorder_allowed_actions

    assert {"accept", "decline", "depart"} <= set(workorder_allowed_actions(workorder=dispatched, user=field_engineer))
    svc.workorder_decline(workorder=dispatched, actor=field_engineer, reason="在另一现场，2 小时内走不开")
    dispatched.refresh_from_db()
    assert (dispatched.status, dispatched.assignee_id) == ("dispatched", None)
    event = WorkOrderEvent.objects.get(workorder=dispatched, kind="declined")
    assert event.internal
    assert event.data["engineer"] == field_engineer.pk
    assert "dispatch" in workorder_allowed_actions(workorder=dispatched, user=manager)


def test_on_my_way_then_arrived(dispatched, field_engineer):
    svc.workorder_depart(workorder=dispatched, actor=field_engineer, note="预计 40 分钟到")
    svc.workorder_depart(workorder=dispatched, actor=field_engineer)  # a second tap adds nothing
    assert WorkOrderEvent.objects.filter(workorder=dispatched, kind="departed").count() == 1
    dispatched.refresh_from_db()
    assert dispatched.accepted_at is not None
    svc.workorder_arrive(workorder=dispatched, actor=field_engineer)
    dispatched.refresh_from_db()
    assert dispatched.status == "on_site"


def test_someone_else_cannot_decline_or_depart(dispatched, make_user):
    from django.core.exceptions import PermissionDenied

    other = make_user("field_engineer")
    with pytest.raises(PermissionDenied):
        svc.workorder_decline(workorder=dispatched, actor=other, reason="x")
    with pytest.raises(PermissionDenied):
        svc.workorder_depart(workorder=dispatched, actor=other)


# --- §6 intake: contract, duplicates, call time, a device on the spot ---------------------------------------------


def test_call_time_starts_the_clocks_and_is_never_in_the_future(clock, site_a, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    with pytest.raises(ValidationError) as exc:
        make_workorder(site=site_a, actor=duty_engineer, reported_at=clock.now + dt.timedelta(hours=1))
    assert "reported_at" in exc.value.message_dict
    called = clock.now - dt.timedelta(minutes=40)
    wo = make_workorder(site=site_a, actor=duty_engineer, reported_at=called)
    assert wo.reported_at == called
    assert {c.started_at for c in wo.clocks.all()} == {called}


def test_a_missing_device_is_recorded_with_the_order(site_a, duty_engineer):
    from weibao.workorders.tests.factories import VendorFactory, make_workorder

    vendor = VendorFactory()
    wo = make_workorder(
        site=site_a,
        actor=duty_engineer,
        new_device={"vendor": vendor, "model": "S5735-L48", "serial_number": "NEW-001"},
    )
    device = wo.devices.get()
    assert (device.model, device.serial_number, device.site_id) == ("S5735-L48", "NEW-001", site_a.pk)
    with pytest.raises(ValidationError) as exc:
        make_workorder(site=site_a, actor=duty_engineer, new_device={"vendor": vendor, "model": ""})
    assert "new_device_model" in exc.value.message_dict


def test_intake_shows_contract_entitlement_and_open_orders(client, site_a, order_a, duty_engineer):
    client.force_login(duty_engineer)
    html = client.get(f"/work-orders/new/pick/?customer={site_a.customer_id}&site={site_a.pk}").content.decode()
    assert 'data-testid="intake-entitlement"' in html
    assert 'data-testid="intake-duplicates"' in html
    assert f"/work-orders/{order_a.pk}/#add-comment" in html


def test_intake_page_registers_call_time_and_new_device(client, site_a, duty_engineer, clock):
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import VendorFactory

    vendor = VendorFactory()
    client.force_login(duty_engineer)
    response = client.post(
        "/work-orders/new/",
        {
            "customer": site_a.customer_id,
            "site": site_a.pk,
            "channel": "phone",
            "severity": "B",
            "category": "hardware",
            "symptom": "门诊楼交换机掉电",
            "reported_at": "2026-03-02T08:40",
            "new_device_vendor": vendor.pk,
            "new_device_model": "S5735",
            "new_device_serial_number": "SN-NEW-9",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    wo = WorkOrder.objects.get()
    assert dt.timedelta(0) < clock.now - wo.reported_at <= dt.timedelta(minutes=20)
    assert wo.devices.get().serial_number == "SN-NEW-9"


# --- §7 a contact tied to one site does not lock the site selector -------------------------------------------------


def test_site_chosen_after_a_contact_sticks(client, site_a, duty_engineer):
    from weibao.customers.models import Contact
    from weibao.workorders.tests.factories import SiteFactory

    other = SiteFactory(customer=site_a.customer, name="住院部")
    contact = Contact.objects.create(
        customer=site_a.customer, organisation=site_a.organisation, site=site_a, name="吴晓燕", mobile="13813901234"
    )
    client.force_login(duty_engineer)
    first = client.get(f"/work-orders/new/pick/?contact={contact.pk}").content.decode()
    assert f'value="{site_a.pk}" selected' in first
    changed = client.get(
        f"/work-orders/new/pick/?customer={site_a.customer_id}&contact={contact.pk}&site={other.pk}"
    ).content.decode()
    assert f'value="{other.pk}" selected' in changed


# --- §8 the order page on the road -------------------------------------------------------------------------------


def test_order_page_links_and_tap_to_call(client, site_a, duty_engineer, vendor_user):
    from weibao.customers.models import Contact
    from weibao.workorders.tests.factories import DeviceFactory, make_workorder

    site_a.address = "南京市秦淮区长乐路68号"
    site_a.save(update_fields=["address"])
    Contact.objects.create(
        customer=site_a.customer,
        organisation=site_a.organisation,
        site=site_a,
        name="周建华",
        mobile="13905161234",
        phone="025-52271001转8001",
    )
    device = DeviceFactory(site=site_a)
    wo = make_workorder(site=site_a, actor=duty_engineer, reporter_phone="+86 139 0516 1234", devices=[device])
    client.force_login(duty_engineer)
    page = client.get(f"/work-orders/{wo.pk}/").content.decode()
    assert 'href="tel:13905161234"' in page  # the reporter's "+86 139 0516 1234", stored canonical
    assert 'href="tel:02552271001,8001"' in page
    assert "uri.amap.com/search?keyword=" in page
    for testid in ("link-customer", "link-site", "link-device", "link-briefing"):
        assert f'data-testid="{testid}"' in page, testid


def test_field_engineer_sees_own_jobs_first(client, order_a, manager, field_engineer, duty_engineer):
    svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    svc.workorder_dispatch(workorder=order_a, actor=manager, engineer=field_engineer)
    client.force_login(field_engineer)
    html = client.get("/work-orders/dashboard/", HTTP_HX_REQUEST="true").content.decode()
    assert html.index('data-testid="my-jobs"') < html.index('data-testid="open-count"')
    assert order_a.number in html


# --- API of the new moves -------------------------------------------------------------------------------------------


def test_api_request_dispatch_decline_depart(
    api_as, order_a, duty_engineer, manager, field_engineer, customer_b_user, vendor_user, settings
):
    settings.WEIBAO_DUTY_DISPATCH = "never"
    svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)
    for other in (customer_b_user, vendor_user):
        response = api_as(other).post(
            f"/api/work-orders/{order_a.pk}/request-dispatch", {}, content_type="application/json"
        )
        assert response.status_code == 404, other
    denied = api_as(duty_engineer).post(
        f"/api/work-orders/{order_a.pk}/dispatch", {"engineer_id": field_engineer.pk}, content_type="application/json"
    )
    assert denied.status_code == 403
    asked = api_as(duty_engineer).post(
        f"/api/work-orders/{order_a.pk}/request-dispatch", {"note": "夜间A类"}, content_type="application/json"
    )
    assert asked.status_code == 200
    api_as(manager).post(
        f"/api/work-orders/{order_a.pk}/dispatch", {"engineer_id": field_engineer.pk}, content_type="application/json"
    )
    fe = api_as(field_engineer)
    assert fe.post(f"/api/work-orders/{order_a.pk}/depart", {}, content_type="application/json").status_code == 200
    declined = fe.post(f"/api/work-orders/{order_a.pk}/decline", {"reason": "车坏了"}, content_type="application/json")
    assert declined.status_code == 200
    assert declined.json()["assignee"] is None
