"""Built calendars are cached per process; the cache key must change whenever what they are built from changes."""

import datetime

import pytest

from weibao.contracts.models import BusinessCalendar
from weibao.contracts.tests.factories import CalendarFactory

pytestmark = pytest.mark.django_db

SATURDAY = datetime.date(2026, 3, 7)


def test_a_new_calendar_that_reuses_a_deleted_ones_id_gets_its_own_hours():
    # SQLite hands a deleted row's id to the next row, and a new row starts at version 1 again.
    old = CalendarFactory(name="5x8 old")
    assert not old.working_calendar().day_info(SATURDAY).is_working
    pk = old.pk
    old.delete()
    new = CalendarFactory(pk=pk, name="6x8 new", sat_hours="09:00-17:00")
    assert new.version == 1
    assert new.working_calendar().day_info(SATURDAY).is_working


def test_hours_changed_without_a_version_bump_are_not_served_from_the_cache():
    cal = CalendarFactory()
    assert not cal.working_calendar().day_info(SATURDAY).is_working
    BusinessCalendar.objects.filter(pk=cal.pk).update(sat_hours="09:00-12:00")  # e.g. the Django admin
    cal.refresh_from_db()
    assert cal.working_calendar().day_info(SATURDAY).is_working


def test_official_dates_saved_in_the_django_admin_rebuild_every_china_calendar(client, admin_user):
    cal = CalendarFactory()
    assert cal.working_calendar().day_info(datetime.date(2027, 10, 6)).is_working
    client.force_login(admin_user)
    response = client.post(
        "/admin/contracts/statutoryday/add/", {"date": "2027-10-06", "kind": "holiday", "name": "国庆节"}
    )
    assert response.status_code == 302
    cal.refresh_from_db()
    assert not cal.working_calendar().day_info(datetime.date(2027, 10, 6)).is_working


def test_overrides_saved_inline_in_the_django_admin_rebuild_the_calendar(client, admin_user):
    cal = CalendarFactory(name="admin-cal")
    assert cal.working_calendar().day_info(datetime.date(2026, 3, 9)).is_working
    client.force_login(admin_user)
    data = {
        "name": cal.name,
        "kind": cal.kind,
        "timezone": cal.timezone,
        "china_holidays": "on",
        "mon_hours": cal.mon_hours,
        "tue_hours": cal.tue_hours,
        "wed_hours": cal.wed_hours,
        "thu_hours": cal.thu_hours,
        "fri_hours": cal.fri_hours,
        "sat_hours": "",
        "sun_hours": "",
        "makeup_hours": "",
        "description": "",
        "overrides-TOTAL_FORMS": "1",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
        "overrides-0-date": "2026-03-09",
        "overrides-0-action": "closed",
        "overrides-0-hours": "",
        "overrides-0-reason": "停电",
    }
    response = client.post(f"/admin/contracts/businesscalendar/{cal.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    cal.refresh_from_db()
    assert not cal.working_calendar().day_info(datetime.date(2026, 3, 9)).is_working
