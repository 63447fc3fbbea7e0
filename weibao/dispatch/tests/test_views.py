import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from weibao.dispatch.models import RosterEntry
from weibao.dispatch.tests.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


def _post_shift(client, branch, engineer, **overrides):
    data = {
        "branch": branch.pk,
        "week": timezone.localdate().isoformat(),
        "engineer": engineer.pk,
        "date": timezone.localdate().isoformat(),
        "start": "08:30",
        "end": "17:30",
        "kind": "on_duty",
        "note": "",
    }
    data.update(overrides)
    return client.post(reverse("dispatch:roster_entry_create"), data, **({"HTTP_HX_REQUEST": "true"}))


def test_week_page_lists_shifts_with_bounded_queries(client, manager, make_user, branch, django_assert_max_num_queries):
    for i in range(8):
        RosterEntryFactory(engineer=make_user("field_engineer", name=f"工程师{i}"))
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("dispatch:roster"), {"branch": branch.pk})
    assert response.status_code == 200
    assert "工程师7" in response.content.decode()


def test_field_engineer_sees_roster_without_edit_controls(client, field_engineer):
    client.force_login(field_engineer)
    response = client.get(reverse("dispatch:roster"))
    assert response.status_code == 200
    assert reverse("dispatch:roster_entry_create") not in response.content.decode()


def test_customer_cannot_see_roster(client, customer_a_user):
    client.force_login(customer_a_user)
    assert client.get(reverse("dispatch:roster")).status_code == 403


def test_create_shift_through_htmx(client, manager, field_engineer, branch):
    client.force_login(manager)
    response = _post_shift(client, branch, field_engineer, note="<script>alert(1)</script>")
    assert response.status_code == 200
    entry = RosterEntry.objects.get()
    assert entry.engineer == field_engineer
    body = response.content.decode()
    assert 'id="roster-body"' in body
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_create_shift_without_htmx_redirects(client, manager, field_engineer, branch):
    client.force_login(manager)
    data = {
        "branch": branch.pk,
        "engineer": field_engineer.pk,
        "date": "2026-11-25",
        "start": "08:00",
        "end": "12:00",
        "kind": "standby",
    }
    response = client.post(reverse("dispatch:roster_entry_create"), data)
    assert response.status_code == 302
    assert "week=2026-11-23" in response["Location"]


def test_invalid_shift_shows_errors(client, manager, field_engineer, branch):
    client.force_login(manager)
    response = _post_shift(client, branch, field_engineer, start="09:00", end="09:00", date="not a day")
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not RosterEntry.objects.exists()
    response = client.post(reverse("dispatch:roster_entry_create"), {"branch": branch.pk, "engineer": "x"})
    assert response.status_code == 400


def test_overlap_is_reported_on_the_form(client, manager, field_engineer, branch):
    client.force_login(manager)
    _post_shift(client, branch, field_engineer)
    response = _post_shift(client, branch, field_engineer, start="12:00", end="20:00")
    assert RosterEntry.objects.count() == 1
    assert 'class="errorlist"' in response.content.decode()


def test_engineer_cannot_edit_roster(client, field_engineer, branch):
    client.force_login(field_engineer)
    assert _post_shift(client, branch, field_engineer).status_code == 403
    entry = RosterEntryFactory(engineer=field_engineer)
    assert client.post(reverse("dispatch:roster_entry_delete", args=[entry.pk])).status_code == 403


def test_edit_and_delete(client, manager, field_engineer):
    entry = RosterEntryFactory(engineer=field_engineer)
    client.force_login(manager)
    url = reverse("dispatch:roster_entry_edit", args=[entry.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"engineer": field_engineer.pk, "date": "2026-12-01", "start": "20:00", "end": "08:00", "kind": "standby"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.overnight
    assert entry.kind == "standby"
    assert client.post(url, {"engineer": "", "date": ""}).status_code == 400
    response = client.post(reverse("dispatch:roster_entry_delete", args=[entry.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert not RosterEntry.objects.exists()
    assert client.post(reverse("dispatch:roster_entry_delete", args=[entry.pk])).status_code == 404


def test_copy_week(client, manager, field_engineer, branch):
    entry = RosterEntryFactory(engineer=field_engineer)
    client.force_login(manager)
    monday = entry.date - dt.timedelta(days=entry.date.weekday())
    target = monday + dt.timedelta(days=7)
    response = client.post(
        reverse("dispatch:roster_copy_week"), {"branch": branch.pk, "week": monday.isoformat(), "target": target}
    )
    assert response.status_code == 302
    assert RosterEntry.objects.filter(date=entry.date + dt.timedelta(days=7)).exists()
