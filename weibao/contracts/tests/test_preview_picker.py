"""The SLA preview's contract picker lists a bounded number of contracts; any contract the user may see still works
(found by the 1M-order growth benchmark: 20,000 options made the page 2 s)."""

import pytest
from django.urls import reverse

from weibao.contracts.forms import PreviewForm
from weibao.contracts.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_picker_is_bounded_and_keeps_the_chosen_contract(client, manager, monkeypatch):
    monkeypatch.setattr(PreviewForm, "PICKER_LIMIT", 2)
    contracts = sorted((ContractFactory() for _ in range(4)), key=lambda c: c.code)
    client.force_login(manager)
    html = client.get(reverse("contracts:preview")).content.decode()
    picker = html[html.index('name="contract"') : html.index("</select>", html.index('name="contract"'))]
    assert picker.count("<option") == 3  # "no contract" and the first two by number
    assert f'value="{contracts[0].pk}"' in picker
    assert f'value="{contracts[3].pk}"' not in picker
    html = client.get(reverse("contracts:preview"), {"contract": contracts[3].pk}).content.decode()
    assert f'value="{contracts[3].pk}" selected' in html
    response = client.get(
        reverse("contracts:preview"),
        {
            "contract": contracts[3].pk,
            "severity": "A",
            "region_tier": "city",
            "channel": "phone",
            "at": "2026-09-30T17:00",
        },
    )
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["form"].cleaned_data["contract"] == contracts[3]


def test_picker_ignores_a_malformed_contract_parameter(client, manager):
    ContractFactory()
    client.force_login(manager)
    assert client.get(reverse("contracts:preview"), {"contract": "9" * 30}).status_code == 200
