"""Entering a holiday period from a State Council notice (issue 21): one form, every China calendar follows it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from weibao.contracts.choices import StatutoryKind
from weibao.contracts.clock import local_time
from weibao.contracts.models import BusinessCalendar, StatutoryDay
from weibao.contracts.selectors import sla_preview
from weibao.contracts.services import statutory_period_set
from weibao.contracts.tests.factories import CalendarFactory, ContractFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def six_day_calendar() -> BusinessCalendar:
    hours = "08:00-18:00"
    return CalendarFactory(
        name="6x10",
        mon_hours=hours,
        tue_hours=hours,
        wed_hours=hours,
        thu_hours=hours,
        fri_hours=hours,
        sat_hours=hours,
    )


def test_a_period_closes_every_day_and_opens_the_make_up_days(admin_user):
    cal = six_day_calendar()
    before = cal.working_calendar()
    assert before.day_info(D(2027, 10, 6)).is_working  # 2027 is estimated: the package has Oct 1–5 only
    statutory_period_set(
        actor=admin_user,
        name="国庆节",
        first_day=D(2027, 10, 1),
        last_day=D(2027, 10, 7),
        makeup_dates=[D(2027, 9, 26), D(2027, 10, 9)],
    )
    cal.refresh_from_db()
    after = cal.working_calendar()
    assert after is not before  # the version rose: the cached calendar is not reused
    assert [after.day_info(D(2027, 10, d)).is_working for d in range(1, 8)] == [False] * 7
    assert after.day_info(D(2027, 10, 2)).name == "国庆节 (放假调休)"  # a Saturday inside the period
    assert after.day_info(D(2027, 9, 26)).kind == "makeup"  # a Sunday make-up day: working on a 6-day calendar
    assert StatutoryDay.objects.filter(kind=StatutoryKind.HOLIDAY).count() == 7


def test_a_period_drops_the_estimated_days_of_the_same_festival_outside_it(admin_user):
    # The package's estimate for 2027 has 春节 on Feb 5 (除夕) to Feb 10; the "notice" here says Feb 6–12.
    statutory_period_set(actor=admin_user, name="春节", first_day=D(2027, 2, 6), last_day=D(2027, 2, 12))
    cal = CalendarFactory().working_calendar()
    assert cal.day_info(D(2027, 2, 5)).is_working  # 除夕, a Friday, is an ordinary working day now
    assert not cal.day_info(D(2027, 2, 12)).is_working
    assert StatutoryDay.objects.get(date=D(2027, 2, 5)).kind == StatutoryKind.NORMAL


@pytest.mark.parametrize(
    ("first", "last", "makeup", "field"),
    [
        (D(2027, 10, 7), D(2027, 10, 1), [], "last_day"),
        (D(2027, 10, 1), D(2027, 11, 30), [], "last_day"),
        (D(2027, 10, 1), D(2027, 10, 7), [D(2027, 10, 3)], "makeup_dates"),
        (D(2027, 10, 1), D(2027, 10, 7), [D(2027, 3, 1)], "makeup_dates"),
    ],
)
def test_an_impossible_period_is_refused_and_nothing_saved(admin_user, first, last, makeup, field):
    with pytest.raises(ValidationError) as exc:
        statutory_period_set(actor=admin_user, name="国庆节", first_day=first, last_day=last, makeup_dates=makeup)
    assert field in exc.value.message_dict
    assert not StatutoryDay.objects.exists()


def test_the_period_form_changes_a_preview_deadline_across_it(client, admin_user):
    contract = ContractFactory()
    at = local_time("2027-09-30 17:50")

    def response_deadline():
        contract.calendar.refresh_from_db()
        preview = sla_preview(contract=contract, severity="A", region_tier="city", channel="phone", at=at)
        return contract.calendar.working_calendar().local(preview.clocks[0].deadline).strftime("%Y-%m-%d %H:%M")

    assert response_deadline() == "2027-10-06 09:05"  # estimated: Oct 1–5 off
    client.force_login(admin_user)
    data = {
        "form": "period",
        "period-name": "国庆节",
        "period-first_day": "2027-10-01",
        "period-last_day": "2027-10-07",
        "period-makeup_dates": "2027-09-26，2027-10-09",
    }
    assert client.post(reverse("contracts:calendar_list"), data).status_code == 302
    assert response_deadline() == "2027-10-08 09:05"


def test_the_period_form_shows_errors_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    data = {
        "form": "period",
        "period-name": "国庆节",
        "period-first_day": "2027-10-01",
        "period-last_day": "2027-10-07",
        "period-makeup_dates": "2027-10-03, 9月26日",
    }
    response = client.post(reverse("contracts:calendar_list"), data)
    assert response.status_code == 200
    assert "9月26日" in response.content.decode()  # the unparseable date is named
    data["period-makeup_dates"] = "2027-10-03"
    response = client.post(reverse("contracts:calendar_list"), data)
    assert response.status_code == 200
    assert not StatutoryDay.objects.exists()


def test_the_period_form_is_for_calendar_editors_only(client, customer_a_user):
    client.force_login(customer_a_user)
    data = {
        "form": "period",
        "period-name": "国庆节",
        "period-first_day": "2027-10-01",
        "period-last_day": "2027-10-07",
    }
    assert client.post(reverse("contracts:calendar_list"), data).status_code == 403
    assert not StatutoryDay.objects.exists()


def test_yearly_view_flags_an_estimated_year_and_lists_its_periods(client, admin_user):
    cal = six_day_calendar()
    client.force_login(admin_user)
    body = client.get(reverse("contracts:calendar_detail", args=[cal.pk]), {"year": 2027}).content.decode()
    assert 'data-testid="year-estimated"' in body
    assert "以下放假期间是按规则估算的" in body  # in the user's language (Chinese by default)
    assert "2027-10-01 – 2027-10-05" in body
    body = client.get(reverse("contracts:calendar_detail", args=[cal.pk]), {"year": 2025}).content.decode()
    assert 'data-testid="year-estimated"' not in body
    assert "国庆节、中秋节" in body
    assert "2025-10-01 – 2025-10-08" in body
