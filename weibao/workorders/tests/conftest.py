import datetime

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


@pytest.fixture
def api_as(api_client):
    """`api_as(user)`: the JSON API client speaking with a fresh token of `user` (the same client, re-badged)."""
    from weibao.accounts.services import token_create

    def as_user(user):
        _token, raw = token_create(user=user, name="test")
        api_client.defaults.pop("HTTP_AUTHORIZATION", None)
        return api_client.bearer(raw)

    return as_user


class FakeClock:
    """`timezone.now()` under the test's control: `clock.now = …` or `clock.advance(minutes=…)`."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> datetime.datetime:
        self.now += datetime.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    from django.utils import timezone

    fake = FakeClock(datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC))  # a Monday, 09:00 in Shanghai
    monkeypatch.setattr(timezone, "now", fake)
    return fake
