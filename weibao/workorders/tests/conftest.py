import datetime

import pytest


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
