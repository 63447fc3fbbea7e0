"""Contract, SLA and calendar pages: permissions, scoping, validation in both languages, nothing saved half-way."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from weibao.contracts.models import BusinessCalendar, CalendarOverride, Contract, SlaTarget
from weibao.contracts.tests.factories import (
    CalendarFactory,
    ContractFactory,
    CustomerFactory,
    DeviceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


def _in_language(client, lang: str):
    """The UI language is the user's choice (cookie or profile), never the browser's Accept-Language."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


@pytest.fixture
def contract_a(customer_a_org):
    return ContractFactory(customer=CustomerFactory(organisation=customer_a_org), code="HT-A")


@pytest.fixture
def contract_b(customer_b_org):
    return ContractFactory(customer=CustomerFactory(organisation=customer_b_org), code="HT-B")


def test_list_scoped_to_customer(client, customer_a_user, contract_a, contract_b, django_assert_max_num_queries):
    client.force_login(customer_a_user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("contracts:list"))
    assert response.status_code == 200
    assert b"HT-A" in response.content
    assert b"HT-B" not in response.content


def test_customer_reads_own_contract_not_others(client, customer_a_user, contract_a, contract_b):
    client.force_login(customer_a_user)
    assert client.get(reverse("contracts:detail", args=[contract_a.pk])).status_code == 200
    assert client.get(reverse("contracts:detail", args=[contract_b.pk])).status_code == 404
    assert client.get(reverse("contracts:edit", args=[contract_a.pk])).status_code == 403
    assert client.get(reverse("contracts:calendar_list")).status_code == 403


def test_manager_creates_contract_with_warranty_terms(client, manager):
    customer, cal = CustomerFactory(), CalendarFactory()
    client.force_login(manager)
    data = {
        "code": "HT-NEW",
        "name": "监控系统维保",
        "customer": customer.pk,
        "status": "active",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "calendar": cal.pk,
        "covers_all": "on",
        "labour_rate_hour": "200.00",
        "labour_rate_visit": "300",
        "transport_rate": "50",
        "pm_frequency": "quarterly",
        "training_days": "2",
        "terms-TOTAL_FORMS": "2",
        "terms-INITIAL_FORMS": "0",
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "10",
        "terms-0-category": "hardware",
        "terms-0-months": "36",
        "terms-0-covers_parts": "on",
        "terms-1-category": "",
        "terms-1-months": "",
        "terms-1-covers_parts": "on",  # an untouched extra row, as a browser posts it
        "terms-1-covers_labour": "on",
    }
    response = client.post(reverse("contracts:create"), data)
    assert response.status_code == 302, [f.errors for f in [response.context["form"], *response.context["formset"]]]
    contract = Contract.objects.get(code="HT-NEW")
    assert str(contract.labour_rate_hour) == "200.00"
    assert contract.warranty_terms.get().months == 36
    assert contract.sla.targets.count() == 4


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "The contract cannot end before it starts."), ("zh-hans", "合同结束日期不能早于开始日期")]
)
def test_contract_ending_before_it_starts_both_languages(client, manager, lang, text):
    customer, cal = CustomerFactory(), CalendarFactory()
    client.force_login(manager)
    data = {
        "code": "HT-BAD",
        "name": "x",
        "customer": customer.pk,
        "status": "active",
        "start_date": "2026-06-01",
        "end_date": "2026-01-01",
        "calendar": cal.pk,
        "covers_all": "on",
        "labour_rate_hour": "0",
        "labour_rate_visit": "0",
        "transport_rate": "0",
        "pm_frequency": "none",
        "training_days": "0",
        "terms-TOTAL_FORMS": "1",
        "terms-INITIAL_FORMS": "0",
        "terms-0-category": "hardware",
        "terms-0-months": "12",
    }
    with translation.override(lang):
        response = _in_language(client, lang).post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not Contract.objects.filter(code="HT-BAD").exists()


def test_overlap_shows_clear_error(client, manager, contract_a):
    client.force_login(manager)
    data = {
        "code": "HT-OVER",
        "name": "x",
        "customer": contract_a.customer.pk,
        "status": "active",
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "calendar": contract_a.calendar.pk,
        "covers_all": "on",
        "labour_rate_hour": "0",
        "labour_rate_visit": "0",
        "transport_rate": "0",
        "pm_frequency": "none",
        "training_days": "0",
        "terms-TOTAL_FORMS": "0",
        "terms-INITIAL_FORMS": "0",
    }
    response = _in_language(client, "en").post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert "HT-A" in response.content.decode()
    assert not Contract.objects.filter(code="HT-OVER").exists()


def _sla_post(contract, **overrides):
    data = {
        "version": contract.sla.version,
        "response_spoken_minutes": "15",
        "response_written_minutes": "720",
        "warn_percent": "80",
        "pause_states": "waiting_customer",
        "targets-TOTAL_FORMS": "4",
        "targets-INITIAL_FORMS": "4",
        "targets-MIN_NUM_FORMS": "4",
        "targets-MAX_NUM_FORMS": "4",
    }
    for i, sev in enumerate("ABCD"):
        data[f"targets-{i}-severity"] = sev
        data[f"targets-{i}-observation_hours"] = "72"
    data["targets-0-arrival_city_minutes"] = "1.5"
    data.update(overrides)
    return data


def test_sla_matrix_editor_saves_all_rows(client, manager, contract_a):
    client.force_login(manager)
    response = client.post(reverse("contracts:sla_edit", args=[contract_a.pk]), _sla_post(contract_a))
    assert response.status_code == 302
    assert SlaTarget.objects.get(policy=contract_a.sla, severity="A").arrival_city_minutes == 90
    contract_a.sla.refresh_from_db()
    assert contract_a.sla.warn_percent == 80
    # A tampered version is a stale edit (form error), not a server error; nothing is saved.
    data = _sla_post(contract_a, version="x", warn_percent="60")
    response = client.post(reverse("contracts:sla_edit", args=[contract_a.pk]), data)
    assert response.status_code == 200
    contract_a.sla.refresh_from_db()
    assert contract_a.sla.warn_percent == 80
    assert client.get(reverse("contracts:create"), {"customer": "abc"}).status_code == 200


@pytest.mark.parametrize(("lang", "text"), [("en", "not plausible"), ("zh-hans", "超过 365 天")])
def test_sla_absurd_target_saves_nothing(client, manager, contract_a, lang, text):
    client.force_login(manager)
    data = _sla_post(contract_a, **{"targets-1-plan_minutes": "9000", "targets-2-plan_minutes": "-1"})
    with translation.override(lang):
        response = _in_language(client, lang).post(reverse("contracts:sla_edit", args=[contract_a.pk]), data)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert SlaTarget.objects.get(policy=contract_a.sla, severity="A").arrival_city_minutes == 120
    contract_a.sla.refresh_from_db()
    assert contract_a.sla.warn_percent == 75


@pytest.mark.parametrize(
    ("hours", "lang", "text"),
    [
        ("18:00-09:00", "en", "each start before its end"),
        ("09:00-12:00,11:00-14:00", "zh-hans", "不能重叠"),
    ],
)
def test_calendar_bad_hours(client, admin_user, hours, lang, text):
    client.force_login(admin_user)
    data = {"name": "坏日历", "kind": "weekly", "timezone": "Asia/Shanghai", "mon_hours": hours}
    with translation.override(lang):
        response = _in_language(client, lang).post(reverse("contracts:calendar_create"), data)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="坏日历").exists()


@pytest.mark.parametrize(("lang", "text"), [("en", "Enter a valid date"), ("zh-hans", "有效的日期")])
def test_override_on_nonexistent_date(client, admin_user, lang, text):
    cal = CalendarFactory()
    client.force_login(admin_user)
    with translation.override(lang):
        response = _in_language(client, lang).post(
            reverse("contracts:calendar_detail", args=[cal.pk]),
            {"date": "2026-02-30", "action": "closed"},
        )
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not CalendarOverride.objects.exists()


def test_calendar_year_view_and_override(client, admin_user):
    cal = CalendarFactory()
    client.force_login(admin_user)
    response = client.get(reverse("contracts:calendar_detail", args=[cal.pk]) + "?year=2026")
    assert response.status_code == 200
    assert 'class="cal-day makeup"' in response.content.decode()
    response = client.post(
        reverse("contracts:calendar_detail", args=[cal.pk]),
        {"date": "2026-12-24", "action": "closed", "reason": "年会"},
    )
    assert response.status_code == 302
    cal.refresh_from_db()
    assert cal.version == 2
    assert not cal.working_calendar().day_info(datetime.date(2026, 12, 24)).is_working


def test_calendar_list_flags_estimated_year(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("contracts:calendar_list"))
    assert response.status_code == 200
    assert 'data-testid="holiday-status"' in response.content.decode()


def test_renew_from_detail_page(client, manager, contract_a):
    client.force_login(manager)
    response = client.post(reverse("contracts:renew", args=[contract_a.pk]), {"code": "HT-A-2027"})
    new = Contract.objects.get(code="HT-A-2027")
    assert response.status_code == 302
    assert new.renewed_from == contract_a
    assert client.get(reverse("contracts:detail", args=[new.pk])).status_code == 200


def test_preview_page(client, customer_a_user, contract_a):
    client.force_login(customer_a_user)
    response = client.get(
        reverse("contracts:preview"),
        {
            "contract": contract_a.pk,
            "severity": "A",
            "region_tier": "city",
            "channel": "phone",
            "at": "2026-09-30T17:50",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2026-10-08 09:05" in body
    assert "国庆节" in body


def test_entitlement_on_device_page(client, manager, contract_a):
    device = DeviceFactory(site__customer=contract_a.customer, warranty_end=datetime.date(2030, 1, 1))
    client.force_login(manager)
    try:
        url = reverse("assets:device_detail", args=[device.pk])
    except Exception:
        pytest.skip("device page not routed yet")
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="entitlement"' in body
    assert "HT-A" in body  # the contract that applies
    assert "在保" in body  # in warranty


def test_entitlement_on_briefing(client, field_engineer, contract_a):
    site = SiteFactory(customer=contract_a.customer)
    client.force_login(field_engineer)
    try:
        url = reverse("assets:briefing_site", args=[site.pk])
    except Exception:
        pytest.skip("briefing page not routed yet")
    body = client.get(url).content.decode()
    assert 'data-testid="entitlement"' in body
    assert "HT-A" in body


def test_official_schedule_entry_applies_to_china_calendars(client, admin_user):
    cal = CalendarFactory()
    before = cal.working_calendar()
    assert (
        before.day_info(datetime.date(2027, 2, 11)).kind == "workday"
    )  # a Thursday; the estimated data has it as a working day
    client.force_login(admin_user)
    response = client.post(
        reverse("contracts:calendar_list"),
        {"form": "day", "day-date": "2027-02-11", "day-kind": "holiday", "day-name": "春节"},
    )
    assert response.status_code == 302
    cal.refresh_from_db()
    info = cal.working_calendar().day_info(datetime.date(2027, 2, 11))
    assert (info.kind, info.name) == ("holiday", "春节")
    response = client.post(
        reverse("contracts:calendar_list"), {"form": "day", "day-date": "2027-02-30", "day-kind": "holiday"}
    )
    assert response.status_code == 200  # a nonexistent date is refused
    response = client.post(reverse("contracts:calendar_list"), {"form": "year", "year": "2027", "status": "official"})
    assert response.status_code == 302
    assert "官方" in client.get(reverse("contracts:calendar_list")).content.decode()


def test_holiday_panel_fragment(client, admin_user, customer_a_user):
    client.force_login(admin_user)
    body = client.get(reverse("contracts:holiday_panel")).content.decode()
    assert 'data-testid="holiday-flags"' in body  # next year's data is only estimated by the package
    client.force_login(customer_a_user)
    assert client.get(reverse("contracts:holiday_panel")).content.decode().strip() == ""


def test_contract_rows_show_an_edit_at_once_after_the_page_was_cached(client, manager, contract_a):
    client.force_login(manager)
    assert contract_a.customer.name in client.get(reverse("contracts:list")).content.decode()
    contract_a.customer.name = "改名后的客户"
    contract_a.customer.save()
    Contract.objects.filter(pk=contract_a.pk).update(name="改名后的合同")  # no save(): the digest still sees it
    body = client.get(reverse("contracts:list")).content.decode()
    assert "改名后的客户" in body
    assert "改名后的合同" in body
