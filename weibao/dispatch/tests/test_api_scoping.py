"""Roster endpoints look ids of the input up through organisation scoping: an unknown or foreign branch or engineer
is a 422 naming the field (never a 404 that would tell "exists" from "does not"), and outsiders get 403."""

import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.permissions import PERMISSIONS
from weibao.dispatch.models import RosterEntry

pytestmark = pytest.mark.django_db
URL = "/api/dispatch/roster"
MISSING = 987654


def _shift(branch_id: int, engineer_id: int) -> dict:
    return {
        "branch_id": branch_id,
        "engineer_id": engineer_id,
        "date": str(timezone.localdate()),
        "start": "08:00",
        "end": "17:00",
        "kind": "on_duty",
    }


def test_unknown_branch_or_engineer_is_422_naming_the_field(client, manager, field_engineer, branch):
    client.force_login(manager)
    response = client.post(URL, _shift(MISSING, field_engineer.pk), content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["branch_id"]
    response = client.post(URL, _shift(branch.pk, MISSING), content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["engineer_id"]
    response = client.get(f"{URL}/now", {"branch_id": MISSING})
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["branch_id"]
    assert not RosterEntry.objects.exists()


def test_customer_user_of_either_organisation_cannot_be_rostered(
    client, manager, branch, customer_a_user, customer_b_user, vendor_user
):
    client.force_login(manager)
    for outsider in (customer_a_user, customer_b_user, vendor_user):
        response = client.post(URL, _shift(branch.pk, outsider.pk), content_type="application/json")
        assert response.status_code == 422
        assert list(response.json()["detail"]) == ["engineer"]
    assert not RosterEntry.objects.exists()


def test_outsiders_get_the_same_403_whatever_the_ids(client, field_engineer, branch, customer_a_user, vendor_user):
    answers = set()
    for user in (customer_a_user, vendor_user):
        client.force_login(user)
        for body in (_shift(branch.pk, field_engineer.pk), _shift(MISSING, MISSING)):
            response = client.post(URL, body, content_type="application/json")
            answers.add((response.status_code, response.content))
        for params in ({"branch_id": branch.pk}, {"branch_id": MISSING}):
            response = client.get(f"{URL}/now", params)
            answers.add((response.status_code, response.content))
    assert answers == {(403, b'{"detail": "Permission denied."}')}
    assert not RosterEntry.objects.exists()


def test_branches_and_staff_are_unknown_to_a_customer_even_with_the_permission(
    monkeypatch, client, field_engineer, branch, customer_a_user, customer_b_user
):
    # Defence in depth: should the permission table ever grant rostering to customer contacts, scoping still holds:
    # our branches and people do not exist for them, and the answer equals the one for ids that do not exist.
    monkeypatch.setitem(PERMISSIONS, "dispatch.roster", PERMISSIONS["dispatch.roster"] | {Role.CUSTOMER_CONTACT})
    client.force_login(customer_a_user)
    real = client.post(URL, _shift(branch.pk, field_engineer.pk), content_type="application/json")
    missing = client.post(URL, _shift(MISSING, field_engineer.pk), content_type="application/json")
    assert real.status_code == 422
    assert list(real.json()["detail"]) == ["branch_id"]
    assert real.content == missing.content
    other_customer = client.post(URL, _shift(branch.pk, customer_b_user.pk), content_type="application/json")
    assert other_customer.status_code == 422
    assert not RosterEntry.objects.exists()
