import pytest
from django.utils import timezone

from weibao.dispatch.models import RosterEntry
from weibao.dispatch.tests.factories import RosterEntryFactory

pytestmark = pytest.mark.django_db


def test_list_and_now(client, manager, field_engineer, branch, django_assert_max_num_queries):
    entry = RosterEntryFactory(engineer=field_engineer)
    client.force_login(manager)
    with django_assert_max_num_queries(6):
        # The week is named: the factory's shift started an hour ago, which is last week just after Monday 00:00.
        response = client.get("/api/dispatch/roster", {"branch_id": branch.pk, "date_from": str(entry.date)})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [entry.pk]
    response = client.get("/api/dispatch/roster/now")
    assert response.json()[0]["engineer_name"] == str(field_engineer)


def test_list_rejects_huge_range(client, manager):
    client.force_login(manager)
    response = client.get("/api/dispatch/roster", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    assert response.status_code == 422


def test_create_and_delete(client, manager, field_engineer, branch):
    client.force_login(manager)
    payload = {
        "branch_id": branch.pk,
        "engineer_id": field_engineer.pk,
        "date": str(timezone.localdate()),
        "start": "08:00",
        "end": "17:00",
        "kind": "on_duty",
    }
    response = client.post("/api/dispatch/roster", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    entry_id = response.json()["id"]
    again = client.post("/api/dispatch/roster", payload, content_type="application/json")
    assert again.status_code == 422  # overlapping shift
    assert client.delete(f"/api/dispatch/roster/{entry_id}").status_code == 204
    assert not RosterEntry.objects.exists()


def test_create_invalid_kind_and_permissions(client, manager, field_engineer, customer_a_user, branch):
    payload = {
        "branch_id": branch.pk,
        "engineer_id": field_engineer.pk,
        "date": str(timezone.localdate()),
        "start": "08:00",
        "end": "17:00",
        "kind": "party",
    }
    client.force_login(manager)
    assert client.post("/api/dispatch/roster", payload, content_type="application/json").status_code == 422
    same_time = {**payload, "kind": "on_duty", "end": "08:00"}
    assert client.post("/api/dispatch/roster", same_time, content_type="application/json").status_code == 422
    assert not RosterEntry.objects.exists()
    client.force_login(field_engineer)
    payload["kind"] = "on_duty"
    assert client.post("/api/dispatch/roster", payload, content_type="application/json").status_code == 403
    client.force_login(customer_a_user)
    assert client.get("/api/dispatch/roster").status_code == 403
