"""Issue 18 §21: the permission of each work-order action is declared once (workorders.choices.ACTIONS); the
service, the allowed-actions selector (the buttons), the action view and the API all read it from there."""

import ast
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from weibao.accounts.services import token_create
from weibao.workorders import services as svc
from weibao.workorders.choices import ACTIONS, Status
from weibao.workorders.selectors import workorder_allowed_actions

pytestmark = pytest.mark.django_db

APP = Path(__file__).resolve().parents[1]
CONSUMERS = [
    *sorted((APP / "services").glob("*.py")),
    APP / "selectors.py",
    APP / "api.py",
    *sorted((APP / "views").glob("*.py")),
]
ACTION_PERMS = {perm for perm, _target in ACTIONS.values()}


def test_no_consumer_names_an_action_permission():
    found = []
    for path in CONSUMERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ACTION_PERMS:
                found.append(f"{path.relative_to(APP)}:{node.lineno} {node.value}")
    assert found == []


@pytest.fixture
def acknowledge_needs_admin(monkeypatch):
    """Change the one declaration: acknowledging now needs a permission the duty engineer does not hold."""
    monkeypatch.setitem(ACTIONS, "acknowledge", ("system.status", Status.ACKNOWLEDGED))


def test_the_declaration_drives_service_buttons_view_and_api(acknowledge_needs_admin, client, order_a, duty_engineer):
    assert "acknowledge" not in workorder_allowed_actions(workorder=order_a, user=duty_engineer)
    with pytest.raises(PermissionDenied):
        svc.workorder_acknowledge(workorder=order_a, actor=duty_engineer)

    client.force_login(duty_engineer)
    page = client.get(reverse("workorders:detail", args=[order_a.pk])).text
    assert 'data-action="acknowledge"' not in page
    assert client.post(reverse("workorders:action", args=[order_a.pk, "acknowledge"])).status_code == 403

    _token, raw = token_create(user=duty_engineer, name="test")
    response = client.post(
        f"/api/work-orders/{order_a.pk}/acknowledge",
        json.dumps({}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403
    order_a.refresh_from_db()
    assert order_a.status == Status.NEW


def test_as_declared_the_duty_engineer_acknowledges(client, order_a, duty_engineer):
    assert "acknowledge" in workorder_allowed_actions(workorder=order_a, user=duty_engineer)
    client.force_login(duty_engineer)
    assert 'data-action="acknowledge"' in client.get(reverse("workorders:detail", args=[order_a.pk])).text
