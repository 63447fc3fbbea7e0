"""Customers see their own projects, supervisors and vendors only the projects they are invited to; outside parties
see only the documents marked visible to them and never the risk register. Everything else is a 404."""

import pytest
from django.urls import reverse

from weibao.accounts.tests.factories import OrganisationFactory
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery import services
from weibao.delivery.tests.factories import delivery_project, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(manager, customer_a_org):
    project = delivery_project(actor=manager, customer=CustomerFactory(organisation=customer_a_org))
    services.risk_add(project=project, actor=manager, description="内部风险：分包商资质", level="high")
    return project


@pytest.fixture
def docs(project, manager):
    shared = project.documents.get(kind="requirements")
    services.document_upload(document=shared, actor=manager, upload=pdf())
    internal = services.document_add(
        project=project,
        actor=manager,
        stage="presales",
        kind="other",
        title="内部报价",
        upload=pdf(),
        visible_to_customer=False,
        visible_to_supervisor=False,
    )
    for_customer_only = services.document_add(
        project=project,
        actor=manager,
        stage="presales",
        kind="other",
        title="甲方专用",
        upload=pdf(),
        visible_to_supervisor=False,
    )
    return {"shared": shared, "internal": internal, "customer_only": for_customer_only}


@pytest.fixture
def supervisor_org(db):
    return OrganisationFactory(kind="supervisor", name="江苏建设监理公司")


@pytest.fixture
def supervisor(make_user, supervisor_org):
    return make_user("supervisor", supervisor_org)


def _urls(project, docs=None):
    urls = [
        reverse(f"delivery:{name}", args=[project.pk])
        for name in ("project", "documents", "milestones", "equipment", "records", "equipment_export", "issues_export")
    ]
    if docs:
        urls.append(reverse("delivery:document_download", args=[docs["shared"].versions.get().pk]))
    return urls


def test_other_customer_gets_404_everywhere(client, project, docs, customer_a_user, customer_b_user, assert_scoped):
    client.force_login(customer_a_user)
    for url in _urls(project, docs):
        assert client.get(url).status_code == 200, url
    client.force_login(customer_b_user)
    for url in _urls(project, docs):
        assert_scoped(url, client)
    assert_scoped(
        reverse("delivery:document_review", args=[docs["shared"].pk]), client, method="post", data={"approve": "1"}
    )
    assert "board-card" not in client.get(reverse("delivery:board")).content.decode()


def test_customer_sees_only_documents_visible_to_it_and_no_risks(client, project, docs, customer_a_user):
    client.force_login(customer_a_user)
    page = client.get(reverse("delivery:documents", args=[project.pk])).content.decode()
    assert "甲方专用" in page
    assert "内部报价" not in page
    hidden = docs["internal"].versions.get()
    assert client.get(reverse("delivery:document_download", args=[hidden.pk])).status_code == 404
    assert "内部风险" not in client.get(reverse("delivery:records", args=[project.pk])).content.decode()


def test_customer_cannot_run_the_project(client, project, customer_a_user):
    client.force_login(customer_a_user)
    response = client.post(reverse("delivery:stage_close", args=[project.pk]), {"version": project.version})
    assert response.status_code == 403
    assert client.post(reverse("delivery:handover", args=[project.pk])).status_code == 403


def test_supervisor_sees_only_invited_projects(
    client, project, docs, supervisor, supervisor_org, manager, assert_scoped
):
    client.force_login(supervisor)
    for url in _urls(project, docs):
        assert_scoped(url, client)
    services.party_invite(project=project, actor=manager, organisation=supervisor_org, kind="supervisor")
    for url in _urls(project, docs):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("delivery:documents", args=[project.pk])).content.decode()
    assert "需求信息表" in page
    assert "甲方专用" not in page
    assert "内部报价" not in page
    assert (
        client.get(reverse("delivery:document_download", args=[docs["customer_only"].versions.get().pk])).status_code
        == 404
    )
    records = client.get(reverse("delivery:records", args=[project.pk])).content.decode()
    assert "内部风险" not in records
    # a supervisor keeps the issue log, but not our risk register
    url = reverse("delivery:record_add", args=[project.pk, "issue"])
    client.post(url, {"occurred_on": "2026-03-04", "description": "强电未到位", "reported_by": "监理"})
    assert project.issues.filter(description="强电未到位").exists()
    assert (
        client.post(
            reverse("delivery:record_add", args=[project.pk, "risk"]), {"description": "x", "level": "low"}
        ).status_code
        == 403
    )


def test_vendor_sees_nothing_unless_invited(client, project, docs, vendor_user, vendor_org, manager, assert_scoped):
    client.force_login(vendor_user)
    for url in _urls(project, docs):
        assert_scoped(url, client)
    assert "board-card" not in client.get(reverse("delivery:board")).content.decode()
    services.party_invite(project=project, actor=manager, organisation=vendor_org, kind="vendor")
    assert client.get(reverse("delivery:project", args=[project.pk])).status_code == 200
    assert client.get(reverse("delivery:equipment", args=[project.pk])).status_code == 200
    page = client.get(reverse("delivery:documents", args=[project.pk])).content.decode()
    assert "需求信息表" not in page  # an invited vendor sees equipment and records, not the documents
    assert_scoped(reverse("delivery:document_download", args=[docs["shared"].versions.get().pk]), client)
