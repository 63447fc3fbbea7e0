"""The create/edit pages share one shape (weibao.core.form_views): a save redirects with its message, a stale edit
or a refused value shows the form again with nothing saved and no success message."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from weibao.contracts.models import BusinessCalendar, Contract
from weibao.contracts.tests.factories import CalendarFactory, ContractFactory

pytestmark = pytest.mark.django_db
STALE = "该记录已被他人修改"  # the UI speaks Chinese unless the user chose otherwise


def _calendar_data(calendar, **changes) -> dict:
    data = {
        "name": calendar.name,
        "kind": calendar.kind,
        "timezone": calendar.timezone,
        "version": calendar.version,
        **changes,
    }
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        data.setdefault(f"{day}_hours", getattr(calendar, f"{day}_hours"))
    return {k: v for k, v in data.items() if v is not None}


def _contract_data(contract, **changes) -> dict:
    data = {
        "code": contract.code,
        "name": contract.name,
        "customer": contract.customer_id,
        "status": contract.status,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "calendar": contract.calendar_id,
        "covers_all": "on",
        "labour_rate_hour": "100",
        "labour_rate_visit": "0",
        "transport_rate": "0",
        "pm_frequency": contract.pm_frequency,
        "training_days": "0",
        "version": contract.version,
        "terms-TOTAL_FORMS": "0",
        "terms-INITIAL_FORMS": "0",
        "terms-MIN_NUM_FORMS": "0",
        "terms-MAX_NUM_FORMS": "10",
    }
    return {**data, **changes}


def test_calendar_edit_saves_then_refuses_the_stale_copy(client, admin_user):
    calendar = CalendarFactory()
    client.force_login(admin_user)
    url = reverse("contracts:calendar_edit", args=[calendar.pk])
    loaded = _calendar_data(calendar)
    response = client.post(url, {**loaded, "name": "第一次"})
    assert response.status_code == 302
    assert response.url == reverse("contracts:calendar_detail", args=[calendar.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["日历已保存。"]
    client.get(response.url)  # shows (and so uses up) the message
    response = client.post(url, {**loaded, "name": "第二次"})  # the same, now old, version
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert not list(get_messages(response.wsgi_request))
    assert BusinessCalendar.objects.get(pk=calendar.pk).name == "第一次"


def test_contract_edit_saves_then_refuses_the_stale_copy(client, manager):
    contract = ContractFactory()
    client.force_login(manager)
    url = reverse("contracts:edit", args=[contract.pk])
    assert client.get(url).status_code == 200
    loaded = _contract_data(contract)
    response = client.post(url, {**loaded, "name": "改一次"})
    assert response.status_code == 302, response.context["form"].errors
    assert response.url == reverse("contracts:detail", args=[contract.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["合同已保存。"]
    response = client.post(url, {**loaded, "name": "改两次"})
    assert response.status_code == 200
    assert STALE in response.content.decode()
    assert Contract.objects.get(pk=contract.pk).name == "改一次"


def test_contract_form_shows_a_service_refusal_on_its_field(client, manager):
    contract = ContractFactory()
    client.force_login(manager)
    response = client.post(reverse("contracts:create"), _contract_data(contract, code="HT-NEW2", version=""))
    assert response.status_code == 200  # overlaps the existing contract of the same customer
    form = response.context["form"]
    assert form.errors
    assert Contract.objects.filter(code="HT-NEW2").count() == 0
