"""Project-wide fixtures: two customers (A and B), a vendor, and a user of every role."""

import pytest

# Playwright fixtures shared by every app's browser tests: browser_page, phone_page, login_as.
pytest_plugins = ["weibao.core.tests.browser"]


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests are skipped unless the suite runs on PostgreSQL (DATABASE_URL=postgres://…)."""
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: cached fragments (queue cards, counts) are keyed by primary keys,
    which the next test's rows reuse."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def own_org(db):
    from weibao.accounts.services import own_company

    return own_company()


@pytest.fixture
def branch(db):
    from weibao.accounts.models import Branch

    return Branch.objects.create(code="hq", name="总部", city="南京", is_head_office=True)


@pytest.fixture
def customer_a_org(db):
    from weibao.accounts.tests.factories import OrganisationFactory

    return OrganisationFactory(kind="customer", name="甲公司")


@pytest.fixture
def customer_b_org(db):
    from weibao.accounts.tests.factories import OrganisationFactory

    return OrganisationFactory(kind="customer", name="乙公司")


@pytest.fixture
def vendor_org(db):
    from weibao.accounts.tests.factories import OrganisationFactory

    return OrganisationFactory(kind="vendor", name="海康威视")


@pytest.fixture
def make_user(db, own_org, branch):
    from weibao.accounts.tests.factories import UserFactory

    def make(role: str, organisation=None, **kwargs):
        if organisation is None:
            organisation = own_org
        if organisation.kind == "own":
            kwargs.setdefault("branch", branch)
        return UserFactory(role=role, organisation=organisation, **kwargs)

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def manager(make_user):
    return make_user("service_manager")


@pytest.fixture
def duty_engineer(make_user):
    return make_user("duty_engineer")


@pytest.fixture
def field_engineer(make_user):
    return make_user("field_engineer")


@pytest.fixture
def customer_a_user(make_user, customer_a_org):
    return make_user("customer_contact", customer_a_org)


@pytest.fixture
def customer_b_user(make_user, customer_b_org):
    return make_user("customer_contact", customer_b_org)


@pytest.fixture
def vendor_user(make_user, vendor_org):
    return make_user("vendor_contact", vendor_org)


# Two customers with a site and an open order each (every app's scoping tests use them).
@pytest.fixture
def customer_a(customer_a_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_a_org, code="CA")


@pytest.fixture
def customer_b(customer_b_org):
    from weibao.workorders.tests.factories import CustomerFactory

    return CustomerFactory(organisation=customer_b_org, code="CB")


@pytest.fixture
def site_a(customer_a):
    from weibao.workorders.tests.factories import SiteFactory

    return SiteFactory(customer=customer_a, name="甲公司总部")


@pytest.fixture
def site_b(customer_b):
    from weibao.workorders.tests.factories import SiteFactory

    return SiteFactory(customer=customer_b, name="乙公司总部")


@pytest.fixture
def order_a(site_a, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_a, actor=duty_engineer)


@pytest.fixture
def order_b(site_b, duty_engineer):
    from weibao.workorders.tests.factories import make_workorder

    return make_workorder(site=site_b, actor=duty_engineer)


@pytest.fixture
def assert_scoped():
    """`assert_scoped(url_of_a_object, client_logged_in_as_b)`: the other organisation gets 404 (UI and API)."""
    from weibao.core.tests.helpers import assert_scoped as helper

    return helper


@pytest.fixture
def api_client(client):
    """A test client that speaks JSON to /api/ with a bearer token: `api_client.bearer(token)`."""
    from django.test import Client

    class ApiClient(Client):
        def bearer(self, token: str) -> "ApiClient":
            self.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            return self

    return ApiClient()
