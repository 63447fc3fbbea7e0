"""Figures kept a few seconds: per scope, only the values worth keeping, nothing when the TTL is 0."""

import pytest

from weibao.core.shortcache import cached_briefly, scope_key

pytestmark = pytest.mark.django_db


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return {"due": len(calls) * 1000}

    return calls, compute


def test_kept_for_the_ttl_and_only_when_worth_keeping(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 10
    calls, compute = _counter()
    assert cached_briefly("k", compute) == cached_briefly("k", compute) == {"due": 1000}
    assert len(calls) == 1
    small_calls, small = _counter()
    big = lambda counts: counts["due"] >= 2000  # noqa: E731
    assert cached_briefly("s", small, keep=big) == {"due": 1000}  # too small to keep: taken again next time
    assert cached_briefly("s", small, keep=big) == {"due": 2000}
    assert cached_briefly("s", small, keep=big) == {"due": 2000}  # kept
    assert len(small_calls) == 2


def test_nothing_is_kept_with_a_ttl_of_zero(settings):
    settings.WEIBAO_QUEUE_COUNTS_TTL = 0
    calls, compute = _counter()
    cached_briefly("k", compute)
    cached_briefly("k", compute)
    assert len(calls) == 2


def test_scopes_staff_together_and_each_customer_apart(manager, duty_engineer, customer_a_user, customer_b_user):
    assert scope_key(manager) == scope_key(duty_engineer) == "staff"
    assert scope_key(customer_a_user) != scope_key(customer_b_user)
