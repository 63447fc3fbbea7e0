import pytest


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
