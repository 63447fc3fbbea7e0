"""Entitlement, SLA targets, overlap rules and the preview."""

import datetime
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from weibao.contracts.choices import ContractStatus, HolidayDataStatus, ServiceType
from weibao.contracts.clock import ALWAYS, local_time
from weibao.contracts.models import CalendarOverride, SlaTarget
from weibao.contracts.selectors import (
    contract_for,
    day_reason,
    entitlement_for,
    holiday_year_status,
    holiday_years_flagged,
    sla_preview,
    sla_targets_for,
)
from weibao.contracts.services import (
    calendar_override_set,
    contract_create,
    contract_renew,
    contract_update,
    holiday_year_set,
    sla_policy_update,
)
from weibao.contracts.tests.factories import (
    CalendarFactory,
    ContractFactory,
    CustomerFactory,
    DeviceFactory,
    ProjectFactory,
    SiteFactory,
    WarrantyTermFactory,
)

pytestmark = pytest.mark.django_db

AT = local_time("2026-06-10 10:00")


def test_in_warranty_device_is_free():
    device = DeviceFactory(warranty_end=datetime.date(2027, 1, 1))
    ContractFactory(customer=device.customer)
    ent = entitlement_for(customer=device.customer, at=AT, device=device)
    assert (ent.service_type, ent.chargeable, ent.in_warranty) == (ServiceType.WARRANTY, False, True)
    assert ent.contract is not None


def test_warranty_from_contract_term_when_device_has_no_end():
    device = DeviceFactory(installed_on=datetime.date(2024, 3, 1))
    WarrantyTermFactory(contract=ContractFactory(customer=device.customer), months=36)
    ent = entitlement_for(customer=device.customer, at=AT, device=device)
    assert ent.in_warranty is True
    assert ent.warranty_end == datetime.date(2027, 3, 1)


def test_out_of_warranty_under_contract_is_paid():
    device = DeviceFactory(warranty_end=datetime.date(2025, 1, 1))
    ContractFactory(customer=device.customer)
    ent = entitlement_for(customer=device.customer, at=AT, device=device)
    assert (ent.service_type, ent.chargeable, ent.in_warranty) == (ServiceType.PAID, True, False)


def test_expired_contract_means_paid_service():
    site = SiteFactory()
    ContractFactory(customer=site.customer, start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2025, 12, 31))
    ent = entitlement_for(customer=site.customer, at=AT, site=site)
    assert ent.contract is None
    assert (ent.service_type, ent.chargeable) == (ServiceType.PAID, True)
    assert any("2025-12-31" in r for r in ent.reasons)


def test_device_not_covered_by_a_site_contract():
    covered, other = SiteFactory(), None
    other = SiteFactory(customer=covered.customer)
    contract = ContractFactory(customer=covered.customer, covers_all=False)
    contract.sites.set([covered])
    device = DeviceFactory(site=other)
    ent = entitlement_for(customer=device.customer, at=AT, device=device)
    assert ent.contract is None
    assert ent.chargeable is True
    assert entitlement_for(customer=covered.customer, at=AT, site=covered).contract == contract


def test_contract_without_device_is_contract_service():
    site = SiteFactory()
    contract = ContractFactory(customer=site.customer)
    ent = entitlement_for(customer=site.customer, at=AT, site=site)
    assert (ent.contract, ent.service_type, ent.chargeable, ent.in_warranty) == (
        contract,
        ServiceType.CONTRACT,
        False,
        None,
    )


def test_overlapping_contracts_are_refused(admin_user):
    site = SiteFactory()
    ContractFactory(customer=site.customer, code="HT-A")
    with pytest.raises(ValidationError, match="HT-A"):
        contract_create(
            actor=admin_user,
            customer=site.customer,
            calendar=CalendarFactory(),
            code="HT-B",
            name="x",
            start_date=datetime.date(2026, 6, 1),
            end_date=datetime.date(2027, 5, 31),
        )


def test_contracts_on_different_sites_may_overlap(admin_user):
    site1 = SiteFactory()
    site2 = SiteFactory(customer=site1.customer)
    cal = CalendarFactory()
    common = {"actor": admin_user, "customer": site1.customer, "calendar": cal, "covers_all": False, "name": "x"}
    period = {"start_date": datetime.date(2026, 1, 1), "end_date": datetime.date(2026, 12, 31)}
    a = contract_create(code="A", sites=[site1], **common, **period)
    b = contract_create(code="B", sites=[site2], **common, **period)
    assert contract_for(customer=site1.customer, on=AT.date(), site=site2) == b
    assert contract_for(customer=site1.customer, on=AT.date(), site=site1) == a


def test_overlapping_data_picks_most_specific_then_latest():
    # Data that slipped past validation (e.g. imported): project beats site beats whole estate, then latest start.
    project = ProjectFactory()
    site = SiteFactory(customer=project.customer)
    device = DeviceFactory(site=site, project=project)
    ContractFactory(customer=project.customer)
    by_site = ContractFactory(customer=project.customer, covers_all=False)
    by_site.sites.set([site])
    assert entitlement_for(customer=project.customer, at=AT, device=device).contract == by_site
    by_project = ContractFactory(customer=project.customer, covers_all=False, start_date=datetime.date(2025, 1, 1))
    by_project.projects.set([project])
    assert entitlement_for(customer=project.customer, at=AT, device=device).contract == by_project
    later = ContractFactory(customer=project.customer, start_date=datetime.date(2026, 3, 1))
    assert contract_for(customer=project.customer, on=AT.date()) == later


def test_contract_ending_before_start_is_refused(admin_user):
    with pytest.raises(ValidationError) as exc:
        contract_create(
            actor=admin_user,
            customer=CustomerFactory(),
            calendar=CalendarFactory(),
            code="BAD",
            name="x",
            start_date=datetime.date(2026, 6, 1),
            end_date=datetime.date(2026, 5, 1),
        )
    assert "end_date" in exc.value.message_dict


def test_renewal_keeps_history_and_sla(admin_user):
    old = ContractFactory(end_date=datetime.date(2026, 12, 31))
    SlaTarget.objects.filter(policy=old.sla, severity="A").update(arrival_city_minutes=60)
    new = contract_renew(contract=old, actor=admin_user, code="HT-2027-001")
    assert new.renewed_from == old
    assert (new.start_date, new.end_date) == (datetime.date(2027, 1, 1), datetime.date(2027, 12, 31))
    assert new.sla.targets.get(severity="A").arrival_city_minutes == 60
    old.refresh_from_db()
    assert old.status == ContractStatus.ACTIVE  # history untouched
    with pytest.raises(ValidationError):
        contract_renew(contract=old, actor=admin_user, code="HT-2027-002")


def test_update_is_all_or_nothing(admin_user):
    contract = ContractFactory()
    with pytest.raises(ValidationError):
        contract_update(
            contract=contract,
            actor=admin_user,
            name="changed",
            end_date=datetime.date(2025, 1, 1),
            warranty_terms=[{"category": "hardware", "months": 12}],
        )
    contract.refresh_from_db()
    assert contract.name == "维保合同"
    assert not contract.warranty_terms.exists()


def test_default_targets_without_contract():
    t = sla_targets_for(contract=None, severity="A", region_tier="city", channel="phone")
    assert t.calendar is ALWAYS
    assert (t.response, t.arrival, t.plan) == (timedelta(minutes=15), timedelta(hours=2), timedelta(hours=48))
    assert t.warn_ratio == 0.75
    assert t.pause_states == frozenset({"waiting_customer"})
    assert sla_targets_for(contract=None, severity="A", region_tier="county", channel="email").arrival == timedelta(
        hours=24
    )
    assert sla_targets_for(contract=None, severity="A", region_tier="city", channel="email").response == timedelta(
        hours=12
    )
    d = sla_targets_for(contract=None, severity="D", region_tier="city", channel="phone")
    assert (d.response, d.arrival, d.plan, d.resolution) == (None, None, None, None)


def test_contract_targets_and_calendar():
    contract = ContractFactory()
    t = sla_targets_for(contract=contract, severity="C", region_tier="city", channel="phone")
    assert t.response == timedelta(hours=72)
    assert t.arrival is None
    assert t.plan == timedelta(hours=108)
    assert not t.calendar.always


def test_policy_update_rejects_bad_targets_and_saves_nothing(admin_user):
    contract = ContractFactory()
    with pytest.raises(ValidationError) as exc:
        sla_policy_update(
            policy=contract.sla,
            actor=admin_user,
            warn_percent=80,
            targets={"A": {"arrival_city_minutes": 60}, "B": {"plan_minutes": 400 * 24 * 60}},
        )
    assert "365" in str(exc.value)
    contract.sla.refresh_from_db()
    assert contract.sla.warn_percent == 75
    assert contract.sla.targets.get(severity="A").arrival_city_minutes == 120
    with translation.override("en"), pytest.raises(ValidationError, match="positive"):
        sla_policy_update(policy=contract.sla, actor=admin_user, targets={"A": {"plan_minutes": -5}})


def test_calendar_override_bumps_version_and_changes_clock(admin_user):
    contract = ContractFactory()
    cal = contract.calendar
    before = cal.working_calendar()
    calendar_override_set(
        calendar=cal, actor=admin_user, date=datetime.date(2026, 6, 10), action="closed", reason="停电"
    )
    after = cal.working_calendar()
    assert after is not before
    assert not after.is_working(AT)
    assert CalendarOverride.objects.get().reason == "停电"
    with pytest.raises(ValidationError):
        calendar_override_set(calendar=cal, actor=admin_user, date=datetime.date(2026, 6, 11), action="hours", hours="")


def test_preview_reasons_around_national_day():
    contract = ContractFactory()
    preview = sla_preview(
        contract=contract, severity="A", region_tier="city", channel="phone", at=local_time("2026-09-30 17:50")
    )
    response = preview.clocks[0]
    assert response.deadline == local_time("2026-10-08 09:05")
    kinds = {info.day: (info.kind, info.name) for info in response.skipped}
    assert kinds[datetime.date(2026, 10, 1)] == ("holiday", "国庆节")
    # Sunday 4 October lies inside the notice's period (10月1日至7日): a holiday, with the period as its reason.
    assert kinds[datetime.date(2026, 10, 4)] == ("holiday", "国庆节 (放假调休)")
    assert "国庆节 (放假调休)" in day_reason(next(i for i in response.skipped if i.day == datetime.date(2026, 10, 4)))


def test_holiday_year_status(admin_user):
    assert holiday_year_status(2026).status == HolidayDataStatus.OFFICIAL
    assert holiday_year_status(2027).status == HolidayDataStatus.ESTIMATED
    assert [y.year for y in holiday_years_flagged(datetime.date(2026, 11, 25))] == [2027]
    holiday_year_set(actor=admin_user, year=2027, status=HolidayDataStatus.OFFICIAL, note="已按国务院通知录入")
    assert holiday_years_flagged(datetime.date(2026, 11, 25)) == []


def test_preview_flags_estimated_holiday_year():
    contract = ContractFactory(end_date=datetime.date(2027, 12, 31))
    preview = sla_preview(
        contract=contract, severity="C", region_tier="city", channel="email", at=local_time("2026-12-28 10:00")
    )
    assert [y.year for y in preview.flagged_years] == [2027]
    on_24 = sla_preview(
        contract=None, severity="A", region_tier="city", channel="phone", at=local_time("2026-12-28 10:00")
    )
    assert on_24.flagged_years == []  # 7x24 does not depend on holidays


def test_expired_is_not_a_stored_status(admin_user):
    contract = ContractFactory()
    with pytest.raises(ValidationError) as exc:
        contract_update(contract=contract, actor=admin_user, status=ContractStatus.EXPIRED)
    assert "status" in exc.value.message_dict
