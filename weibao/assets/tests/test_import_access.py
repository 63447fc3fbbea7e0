"""Who sees an import job (it holds a customer's whole equipment list): its creator, colleagues of the creator's
branch and administrators; other staff allowed to import, and customers, get 404 on the page and on commit."""

import pytest
from django.urls import reverse

from weibao.accounts.models import Branch
from weibao.assets.choices import ImportStatus
from weibao.assets.models import ImportJob
from weibao.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_branch(db):
    return Branch.objects.create(code="sz", name="苏州分公司", city="苏州")


@pytest.fixture
def job(make_user):
    creator = make_user("project_manager")  # of the head office branch
    return ImportJob.objects.create(
        customer=CustomerFactory(), created_by=creator, original_name="清单.xlsx", status=ImportStatus.VALID
    )


def _status(client, user, job) -> int:
    client.force_login(user)
    return client.get(reverse("assets:import_detail", args=[job.pk])).status_code


def test_creator_branch_colleague_and_administrators_see_the_job(client, make_user, job, other_branch):
    colleague = make_user("service_admin")  # same branch as the creator
    admin_elsewhere = make_user("admin", branch=other_branch)
    for user in (job.created_by, colleague, admin_elsewhere):
        assert _status(client, user, job) == 200, user.role


def test_other_staff_allowed_to_import_get_404(client, make_user, job, other_branch, customer_a_user):
    other_branch_manager = make_user("service_manager", branch=other_branch)
    manager_without_branch = make_user("service_manager", branch=None)
    for user in (other_branch_manager, manager_without_branch):
        assert _status(client, user, job) == 404, user
        response = client.post(reverse("assets:import_commit", args=[job.pk]))
        assert response.status_code == 404
    assert _status(client, customer_a_user, job) == 403  # no import permission at all
    job.refresh_from_db()
    assert job.status == ImportStatus.VALID  # nobody committed it


def test_staff_without_branch_see_only_their_own_jobs(client, make_user, job):
    loner = make_user("project_manager", branch=None)
    own = ImportJob.objects.create(customer=job.customer, created_by=loner, original_name="mine.xlsx")
    assert _status(client, loner, own) == 200
    assert _status(client, loner, job) == 404
