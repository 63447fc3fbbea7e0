"""Issue 15, emergency plans and training over the API: scoped (404), bad input (422), the step tick's event."""

import json

import pytest

from weibao.accounts.services import token_create
from weibao.planning.models import Attendance
from weibao.workorders.choices import EventKind

from .conftest import CONTACTS, STEPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(api_client):
    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        api_client.defaults.pop("HTTP_AUTHORIZATION", None)
        return api_client.bearer(raw)

    return as_user


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def test_emergency_plan_over_the_api(api_as, manager, duty_engineer, subsystem_a, core_switch, site_a):
    from weibao.workorders.tests.factories import make_workorder

    api = api_as(manager)
    body = {
        "subsystem_id": subsystem_a.pk,
        "title": "预案",
        "scope": "全院",
        "triggers": "断网",
        "contacts": CONTACTS,
        "steps": [],
    }
    assert post(api, "/api/planning/emergency-plans", body).status_code == 422
    created = post(api, "/api/planning/emergency-plans", {**body, "steps": STEPS})
    assert created.status_code == 201
    plan = created.json()
    assert post(api, f"/api/planning/emergency-plans/{plan['id']}/approve", {"expected_version": 99}).status_code == 409
    assert (
        post(api, f"/api/planning/emergency-plans/{plan['id']}/approve", {"expected_version": plan["version"]}).json()[
            "status"
        ]
        == "approved"
    )

    wo = make_workorder(site=site_a, actor=manager, devices=[core_switch], severity="A")
    api = api_as(duty_engineer)
    shown = api.get(f"/api/planning/work-orders/{wo.pk}/emergency-plan").json()
    assert shown["plan"]["id"] == plan["id"]
    step = shown["plan"]["steps"][0]["id"]
    done = post(api, f"/api/planning/work-orders/{wo.pk}/emergency-plan/steps/{step}/done")
    assert done.json()["done_step_ids"] == [step]
    assert wo.events.filter(kind=EventKind.EMERGENCY_STEP_DONE).count() == 1


def test_training_over_the_api(api_as, manager, contract_a, customer_b, customer_a_user, training, session):
    from weibao.customers.models import Contact

    theirs = Contact.objects.create(customer=customer_b, organisation=customer_b.organisation, name="赵工")
    api = api_as(manager)
    bad = post(api, f"/api/planning/sessions/{session.pk}/attendance", {"contact_id": theirs.pk})
    assert bad.status_code == 422
    assert "contact_id" in bad.content.decode()
    assert not Attendance.objects.exists()
    assert (
        post(
            api, f"/api/planning/training-plans/{training.pk}/sessions", {"held_on": "2026-03-10", "days": "abc"}
        ).status_code
        == 422
    )
    assert float(api.get(f"/api/planning/contracts/{contract_a.pk}/training-days").json()["used"]) == 1
    customer = api_as(customer_a_user)
    assert post(customer, f"/api/planning/sessions/{session.pk}/sign-in", {"feedback_score": 4}).status_code == 201


@pytest.mark.parametrize("who", ["customer_b_user", "vendor_user"])
def test_other_organisations_get_404(api_as, request, emergency_plan, a_order, training, session, who):
    api = api_as(request.getfixturevalue(who))
    step = emergency_plan.steps.first()
    expected = (404,)
    for url in (
        f"/api/planning/emergency-plans/{emergency_plan.pk}",
        f"/api/planning/training-plans/{training.pk}",
        f"/api/planning/work-orders/{a_order.pk}/emergency-plan",
        f"/api/planning/sessions/{session.pk}/attendance",
        f"/api/planning/contracts/{training.contract_id}/training-days",
    ):
        assert api.get(url).status_code in expected, url
    for url in (
        f"/api/planning/sessions/{session.pk}/sign-in",
        f"/api/planning/work-orders/{a_order.pk}/emergency-plan/steps/{step.pk}/done",
        f"/api/planning/emergency-plans/{emergency_plan.pk}/approve",
    ):
        assert post(api, url).status_code in expected, url
