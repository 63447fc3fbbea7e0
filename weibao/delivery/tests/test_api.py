"""Delivery over the API: scoped (404 for another customer and an uninvited vendor), gates (422), stale (409),
handover idempotent."""

import json

import pytest

from weibao.accounts.services import token_create
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery.choices import Stage
from weibao.delivery.tests.factories import delivery_project, walk_to

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


@pytest.fixture
def project(manager, customer_a_org):
    return delivery_project(actor=manager, customer=CustomerFactory(organisation=customer_a_org))


def test_list_and_get_are_scoped(api_as, project, customer_a_user, customer_b_user, vendor_user, manager):
    base = f"/api/delivery/projects/{project.pk}"
    assert [p["code"] for p in api_as(customer_a_user).get("/api/delivery/projects").json()] == [project.code]
    for user in (customer_b_user, vendor_user):
        client = api_as(user)
        assert client.get("/api/delivery/projects").json() == []
        for url in (
            base,
            f"{base}/gates",
            f"{base}/milestones",
            f"{base}/documents",
            f"{base}/equipment",
            f"{base}/issues",
        ):
            assert client.get(url).status_code == 404, url
    doc = project.documents.first()
    assert (
        post(api_as(customer_b_user), f"/api/delivery/documents/{doc.pk}/review", {"approve": True}).status_code == 404
    )


def test_close_stage_gates_stale_and_success(api_as, project, manager):
    client = api_as(manager)
    url = f"/api/delivery/projects/{project.pk}/close-stage"
    refused = post(client, url, {"expected_version": project.version})
    assert refused.status_code == 422
    assert "需求信息表" in json.dumps(refused.json(), ensure_ascii=False)
    assert post(client, url, {"expected_version": project.version + 5}).status_code == 409
    gates = client.get(f"/api/delivery/projects/{project.pk}/gates").json()
    assert gates["stage"] == "presales"
    assert gates["problems"]


def test_handover_over_the_api_is_idempotent(api_as, manager, project):
    client = api_as(manager)
    url = f"/api/delivery/projects/{project.pk}/handover"
    assert post(client, url).status_code == 422  # not accepted yet
    walk_to(project, manager, Stage.ACCEPTED)
    first = post(client, url)
    assert first.status_code == 200
    assert first.json()["stage"] == "handed_over"
    again = post(client, url)
    assert again.json()["service_contract_id"] == first.json()["service_contract_id"]


def test_issue_create_and_bad_input(api_as, manager, project, customer_a_user):
    client = api_as(manager)
    url = f"/api/delivery/projects/{project.pk}/issues"
    created = post(client, url, {"occurred_on": "2026-03-04", "description": "缺少跳线", "reported_by": "张伟"})
    assert created.status_code == 201
    assert post(client, url, {"occurred_on": "2026-03-04", "description": "", "reported_by": "张伟"}).status_code == 422
    # the customer sees the issue log but does not keep it
    assert api_as(customer_a_user).get(url).json()[0]["description"] == "缺少跳线"
    assert (
        post(
            api_as(customer_a_user), url, {"occurred_on": "2026-03-04", "description": "x", "reported_by": "y"}
        ).status_code
        == 403
    )
