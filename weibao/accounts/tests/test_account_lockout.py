"""Lockout behind a proxy (issue 19 point 8): on top of axes' per account+address limit, a per-account limit across
all addresses with a longer window, counted in the login audit; the administrator's unlock lifts both."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from weibao.accounts.choices import LoginOutcome
from weibao.accounts.models import LoginEvent
from weibao.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.WEIBAO_PROXY_COUNT = 1  # behind one nginx …
    settings.AXES_FAILURE_LIMIT = 3  # … 3 per account and address …
    settings.WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT = 5  # … and 5 per account from anywhere
    settings.WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES = 120


def forged_login(client, username, password, n):
    """Straight at gunicorn (REMOTE_ADDR is the proxy's) with a new forged X-Forwarded-For each time."""
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
    )


def test_rotating_forged_addresses_are_still_blocked(client, duty_engineer):
    for n in range(5):
        assert forged_login(client, duty_engineer.username, f"guess-{n}", n).status_code == 200  # form again
    response = forged_login(client, duty_engineer.username, TEST_PASSWORD, 99)  # the right password, new address
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.text
    assert "此账户的登录失败次数过多" in response.text
    assert "_auth_user_id" not in client.session
    outcomes = list(LoginEvent.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [LoginOutcome.FAILURE] * 5 + [LoginOutcome.LOCKED]


def test_other_accounts_are_not_affected(client, duty_engineer, field_engineer):
    for n in range(5):
        forged_login(client, duty_engineer.username, "wrong", n)
    assert forged_login(client, field_engineer.username, TEST_PASSWORD, 1).status_code == 302


def test_attempts_older_than_the_window_do_not_count(client, duty_engineer):
    for n in range(5):
        forged_login(client, duty_engineer.username, "wrong", n)
    LoginEvent.objects.update(at=timezone.now() - dt.timedelta(minutes=121))
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 50).status_code == 302


def test_a_successful_login_starts_the_count_afresh(client, duty_engineer):
    for n in range(4):
        forged_login(client, duty_engineer.username, "wrong", n)
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 50).status_code == 302
    client.logout()
    for n in range(4):
        forged_login(client, duty_engineer.username, "wrong", 10 + n)
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 51).status_code == 302


def test_administrator_sees_and_unlocks_the_account_wide_lock(client, duty_engineer, admin_user):
    for n in range(5):
        forged_login(client, duty_engineer.username, "wrong", n)
    admin = type(client)()
    admin.force_login(admin_user)
    response = admin.get(reverse("accounts:user_list"))
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    page = response.text
    assert f'data-testid="unlock-{duty_engineer.username}"' in page
    assert admin.post(reverse("accounts:user_unlock"), {"username": duty_engineer.username}).status_code == 302
    assert f"unlock-{duty_engineer.username}" not in admin.get(reverse("accounts:user_list")).text
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 77).status_code == 302
    assert LoginEvent.objects.filter(outcome=LoginOutcome.UNLOCKED, username=duty_engineer.username).exists()


def test_limit_zero_switches_it_off(client, duty_engineer, settings):
    settings.WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT = 0
    for n in range(8):
        forged_login(client, duty_engineer.username, "wrong", n)
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 99).status_code == 302


def test_the_lock_page_speaks_english_too(client, duty_engineer, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for n in range(6):
        response = forged_login(client, duty_engineer.username, "wrong", n)
    assert response.status_code == 429
    assert "Too many failed login attempts for this account." in response.text


def test_unlock_from_the_command_line(client, duty_engineer):
    from django.core.management import call_command

    for n in range(5):
        forged_login(client, duty_engineer.username, "wrong", n)
    call_command("unlock_account", duty_engineer.username)
    assert forged_login(client, duty_engineer.username, TEST_PASSWORD, 77).status_code == 302
