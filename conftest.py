"""Project-wide fixtures: two customers (A and B), a vendor, and a user of every role."""

import pytest

# Playwright fixtures shared by every app's browser tests: browser_page, phone_page, login_as; and
# `--cpu-durations=N` (the tests that cost the most CPU, and the CPU per app).
pytest_plugins = ["weibao.core.tests.browser", "weibao.core.tests.cpu_durations"]


def pytest_configure(config):
    """One id per run for the migrated template databases (weibao.core.tests.procs); xdist workers inherit it."""
    if not hasattr(config, "workerinput"):
        from weibao.core.tests.procs import start_run

        config._weibao_drop_templates = start_run()


def pytest_sessionfinish(session):
    if getattr(session.config, "_weibao_drop_templates", False):
        from weibao.core.tests.procs import drop_migrated_template

        drop_migrated_template()


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests are skipped unless the suite runs on PostgreSQL (DATABASE_URL=postgres://…)."""
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's test database setup, but the test database starts as a copy of the run's migrated template
    (weibao.core.tests.procs.template_test_database): one `migrate` from zero per run instead of one per xdist
    worker and stage. --reuse-db and --nomigrations keep pytest-django's behaviour."""
    import contextlib

    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from weibao.core.tests.procs import template_test_database

    keepdb = django_db_keepdb and not django_db_createdb
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    verbosity = request.config.option.verbose
    from_template = django_db_use_migrations and not keepdb and set(aliases) == {"default"}
    with django_db_blocker.unblock(), contextlib.ExitStack() as stack:
        if from_template:
            stack.enter_context(template_test_database())
        db_cfg = setup_databases(
            verbosity=verbosity,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keepdb or from_template,
        )
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=verbosity)


@pytest.fixture(autouse=True, scope="session")
def _local_cache():
    """The suite keeps its cache per process whatever REDIS_URL says: the xdist workers' databases reuse the same
    primary keys, so one shared Redis cache would hand one worker's fragments to the other. The Redis backend has
    its own tests (core/tests/test_cache.py), each with a prefix of its own."""
    from django.test import override_settings

    local = override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
    local.enable()
    yield
    local.disable()


@pytest.fixture(autouse=True)
def _fresh_cache(_local_cache):
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
