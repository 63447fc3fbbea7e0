import pytest
from django.urls import reverse

from weibao.accounts.choices import LoginOutcome
from weibao.accounts.models import LoginEvent
from weibao.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
UA = "Mozilla/5.0 (test)"


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_USER_AGENT=UA,
    )


def test_login_success_is_audited_with_address_and_browser(client, duty_engineer):
    response = _login(client, duty_engineer.username, TEST_PASSWORD)
    assert response.status_code == 302
    event = LoginEvent.objects.get()
    assert (event.outcome, event.user, event.ip_address, event.user_agent) == (
        LoginOutcome.SUCCESS,
        duty_engineer,
        "10.0.0.1",
        UA,
    )


def test_wrong_password_is_refused_and_audited(client, duty_engineer):
    response = _login(client, duty_engineer.username, "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = LoginEvent.objects.get()
    assert (event.outcome, event.username, event.user) == (LoginOutcome.FAILURE, duty_engineer.username, duty_engineer)


def test_unknown_username_is_audited(client):
    _login(client, "nobody", "whatever-1")
    assert LoginEvent.objects.get().outcome == LoginOutcome.FAILURE


def test_logout_is_audited(client, duty_engineer):
    _login(client, duty_engineer.username, TEST_PASSWORD)
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.1")
    assert list(LoginEvent.objects.order_by("at", "pk").values_list("outcome", flat=True)) == [
        LoginOutcome.SUCCESS,
        LoginOutcome.LOGOUT,
    ]


def test_lockout_after_configured_count_even_with_right_password(client, duty_engineer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        _login(client, duty_engineer.username, "wrong-password")
    response = _login(client, duty_engineer.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "账户已锁定" in response.text
    assert "_auth_user_id" not in client.session
    outcomes = list(LoginEvent.objects.order_by("pk").values_list("outcome", flat=True))
    # One audit row per attempt: two failures, the third locks, the fourth is refused while locked.
    assert outcomes == [LoginOutcome.FAILURE, LoginOutcome.FAILURE, LoginOutcome.LOCKED, LoginOutcome.LOCKED]


def test_lockout_message_in_english(client, duty_engineer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(2):
        response = _login(client, duty_engineer.username, "wrong-password")
    assert response.status_code == 429
    assert "Account locked" in response.text
    assert "Try again in 30 minutes" in response.text


def test_lockout_is_per_username_and_address(client, duty_engineer, field_engineer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(client, duty_engineer.username, "wrong-password", ip="10.0.0.9")
    # Same account from another address, and another account from the same address, still get in.
    assert _login(client, duty_engineer.username, TEST_PASSWORD, ip="10.0.0.10").status_code == 302
    client.logout()
    assert _login(client, field_engineer.username, TEST_PASSWORD, ip="10.0.0.9").status_code == 302


def test_administrator_sees_lockout_and_unlocks(client, duty_engineer, admin_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(client, duty_engineer.username, "wrong-password")
    admin = type(client)()
    admin.force_login(admin_user)
    page = admin.get(reverse("accounts:user_list"))
    assert f'data-testid="unlock-{duty_engineer.username}"' in page.text
    response = admin.post(reverse("accounts:user_unlock"), {"username": duty_engineer.username})
    assert response.status_code == 302
    assert f"unlock-{duty_engineer.username}" not in admin.get(reverse("accounts:user_list")).text
    assert _login(client, duty_engineer.username, TEST_PASSWORD).status_code == 302


def test_only_administrators_unlock(client, manager):
    client.force_login(manager)
    assert client.post(reverse("accounts:user_unlock"), {"username": "x"}).status_code == 403


def test_client_ip_behind_proxies(rf, settings):
    from weibao.accounts.security import client_ip

    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.WEIBAO_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"  # no trusted proxy: the header is ignored
    settings.WEIBAO_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # the forged left-most entry is not believed
    request.META["HTTP_X_FORWARDED_FOR"] = "garbage"
    assert client_ip(request) is None


def test_session_and_cookie_settings_are_safe(settings):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.parametrize(
    ("password", "zh", "en"),
    [
        ("Ab1!xyz", "此密码太短", "This password is too short"),
        ("password123", "这个密码太常见了", "This password is too common"),
        ("83920174655", "密码只包含数字", "This password is entirely numeric"),
        ("zhangsan-wei", "密码跟", "The password is too similar to the"),
    ],
)
def test_weak_passwords_refused_in_both_languages(client, admin_user, own_org, password, zh, en, settings):
    client.force_login(admin_user)
    data = {
        "username": "zhangsan-wei",
        "name": "张三",
        "organisation": own_org.pk,
        "role": "field_engineer",
        "authority_level": "staff",
        "password1": password,
        "password2": password,
    }
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 200
    assert zh in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    admin_user.language = ""
    admin_user.save(update_fields=["language"])
    response = client.post(reverse("accounts:user_create"), data)
    assert en in response.text


def test_change_password(client, duty_engineer):
    client.force_login(duty_engineer)
    url = reverse("accounts:password_change")
    weak = client.post(url, {"old_password": TEST_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert "密码只包含数字" in weak.text
    new = "Qz7!river-lamp"
    response = client.post(url, {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    duty_engineer.refresh_from_db()
    assert duty_engineer.check_password(new)
    # Still logged in after the change (session hash updated).
    assert client.get(reverse("core:home")).status_code == 200
