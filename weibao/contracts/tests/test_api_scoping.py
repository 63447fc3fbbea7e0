"""Contract creation looks every id of the input up through organisation scoping: unknown or foreign ids are a 422
naming the field, with the same answer for both, so nothing about other organisations' rows leaks."""

import pytest

from weibao.accounts.choices import Role
from weibao.accounts.permissions import PERMISSIONS
from weibao.contracts.models import Contract
from weibao.contracts.tests.factories import CalendarFactory, CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
URL = "/api/contracts/"
MISSING = 987654


def _body(customer_id: int, calendar_id: int, **extra) -> dict:
    return {
        "code": "HT-S",
        "name": "范围测试",
        "customer_id": customer_id,
        "calendar_id": calendar_id,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        **extra,
    }


def _post(client, body):
    return client.post(URL, body, content_type="application/json")


def test_unknown_customer_or_calendar_is_422_naming_the_field(client, manager):
    customer, calendar = CustomerFactory(), CalendarFactory()
    client.force_login(manager)
    response = _post(client, _body(MISSING, calendar.pk))
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["customer_id"]
    response = _post(client, _body(customer.pk, MISSING))
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["calendar_id"]
    response = client.patch(f"{URL}{MISSING}", {"calendar_id": MISSING}, content_type="application/json")
    assert response.status_code == 404  # the contract itself is the resource: 404, not 422
    assert not Contract.objects.exists()


def test_customer_and_vendor_users_cannot_create_for_any_customer(
    client, customer_a_user, customer_b_user, vendor_user, customer_a_org, customer_b_org
):
    own, foreign = CustomerFactory(organisation=customer_a_org), CustomerFactory(organisation=customer_b_org)
    calendar = CalendarFactory()
    answers = set()
    for user in (customer_a_user, customer_b_user, vendor_user):
        client.force_login(user)
        for customer_id in (own.pk, foreign.pk, MISSING):
            response = _post(client, _body(customer_id, calendar.pk))
            answers.add((response.status_code, response.content))
    assert answers == {(403, b'{"detail": "Permission denied."}')}  # the same answer whatever the id
    assert not Contract.objects.exists()


def test_foreign_customer_is_unknown_even_to_a_role_allowed_to_edit(
    monkeypatch, client, customer_a_user, customer_a_org, customer_b_org
):
    # Defence in depth: should the permission table ever let customer contacts edit contracts, scoping still holds.
    monkeypatch.setitem(PERMISSIONS, "contracts.edit", PERMISSIONS["contracts.edit"] | {Role.CUSTOMER_CONTACT})
    foreign, calendar = CustomerFactory(organisation=customer_b_org), CalendarFactory()
    client.force_login(customer_a_user)
    to_foreign = _post(client, _body(foreign.pk, calendar.pk))
    to_missing = _post(client, _body(MISSING, calendar.pk))
    assert to_foreign.status_code == 422
    assert list(to_foreign.json()["detail"]) == ["customer_id"]
    assert to_foreign.content == to_missing.content  # a foreign id reads exactly like one that does not exist
    own = CustomerFactory(organisation=customer_a_org)
    response = _post(client, _body(own.pk, calendar.pk))
    assert response.status_code == 422  # calendars are our company's: not visible to a customer contact
    assert list(response.json()["detail"]) == ["calendar_id"]
    assert not Contract.objects.exists()


def test_coverage_of_another_customer_is_refused(client, manager, customer_a_org, customer_b_org):
    customer, calendar = CustomerFactory(organisation=customer_a_org), CalendarFactory()
    foreign_project = ProjectFactory(customer=CustomerFactory(organisation=customer_b_org))
    client.force_login(manager)
    response = _post(client, _body(customer.pk, calendar.pk, project_ids=[foreign_project.pk]))
    assert response.status_code == 422
    assert list(response.json()["detail"]) == ["coverage"]
    assert not Contract.objects.exists()


def test_new_contract_page_preselects_only_a_visible_customer(
    monkeypatch, client, customer_a_user, customer_a_org, customer_b_org
):
    # The "new contract for this customer" link (?customer=) goes through scoping too.
    monkeypatch.setitem(PERMISSIONS, "contracts.edit", PERMISSIONS["contracts.edit"] | {Role.CUSTOMER_CONTACT})
    own = CustomerFactory(organisation=customer_a_org, name="甲方自有客户")
    foreign = CustomerFactory(organisation=customer_b_org, name="乙方机密客户")
    client.force_login(customer_a_user)
    page = client.get(f"/contracts/new/?customer={foreign.pk}")
    assert page.status_code == 200
    assert "乙方机密客户" not in page.content.decode()
    page = client.get(f"/contracts/new/?customer={own.pk}")
    assert "甲方自有客户" in page.content.decode()
