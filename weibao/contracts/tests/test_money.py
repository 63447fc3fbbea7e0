"""Contract rates are never negative: the form, the API and the database each refuse one (issue 18 point 11)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from weibao.contracts.models import Contract
from weibao.contracts.tests.factories import CalendarFactory, ContractFactory, CustomerFactory
from weibao.contracts.tests.test_form_pages import _contract_data

pytestmark = pytest.mark.django_db


def test_form_refuses_a_negative_rate_on_its_field(client, manager):
    contract = ContractFactory(code="HT-OLD", customer=CustomerFactory())
    client.force_login(manager)
    data = _contract_data(contract, code="HT-NEG", labour_rate_hour="-1", version="")
    data["customer"] = CustomerFactory().pk
    response = client.post(reverse("contracts:create"), data)
    assert response.status_code == 200
    assert "labour_rate_hour" in response.context["form"].errors
    assert not Contract.objects.filter(code="HT-NEG").exists()


@pytest.mark.parametrize("field", ["labour_rate_hour", "labour_rate_visit", "transport_rate"])
def test_api_refuses_a_negative_rate_with_422_naming_the_field(client, manager, field):
    client.force_login(manager)
    body = {
        "code": "HT-API",
        "name": "API 合同",
        "customer_id": CustomerFactory().pk,
        "calendar_id": CalendarFactory().pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        field: "-0.01",
    }
    response = client.post("/api/contracts/", body, content_type="application/json")
    assert response.status_code == 422
    assert field in str(response.json())
    assert not Contract.objects.filter(code="HT-API").exists()
    contract = ContractFactory()
    response = client.patch(f"/api/contracts/{contract.pk}", {field: "-5"}, content_type="application/json")
    assert response.status_code == 422
    contract.refresh_from_db()
    assert getattr(contract, field) >= 0


def test_database_refuses_a_negative_rate():
    contract = ContractFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(transport_rate=-1)
