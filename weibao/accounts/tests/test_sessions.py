"""Tokens and sessions (issue 19 point 7): a bad token is a JSON 401, reactivation revives nothing, a password change
ends the other sessions and (unless unticked) the API tokens — on the own page, the user admin page and Django admin."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from weibao.accounts.models import ApiToken
from weibao.accounts.services import token_create, user_set_active
from weibao.accounts.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
NEW = "Qz7!river-lamp"


def signed_in(user) -> Client:
    """A browser of its own with a session of `user` (stored with the session hash, as a real login does)."""
    browser = Client()
    browser.force_login(user)
    return browser


def is_signed_in(browser: Client) -> bool:
    return browser.get(reverse("core:home")).status_code == 200


def api_post(client: Client, url: str, **headers):
    return client.post(url, json.dumps({"name": "x"}), content_type="application/json", **headers)


@pytest.mark.parametrize("header", ["Bearer wb_not-a-token", "Bearer other", "Token wb_x", "Basic eDp5"])
def test_invalid_token_on_a_write_is_401_json_not_csrf_403(header):
    script = Client(enforce_csrf_checks=True)  # as a real client: Django's test client skips CSRF by default
    response = api_post(script, "/api/work-orders/1/comment", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "CSRF" not in response.text


def test_revoked_token_on_a_write_is_401_even_with_a_session_cookie(duty_engineer):
    token, raw = token_create(user=duty_engineer, name="script")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(duty_engineer)  # a session cookie must not stand in for the revoked token
    response = api_post(browser, f"/api/work-orders/{1}/comment", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_write_without_any_credentials_is_401():
    assert api_post(Client(enforce_csrf_checks=True), "/api/work-orders/1/comment").status_code == 401


def test_browser_session_still_needs_csrf(duty_engineer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(duty_engineer)
    assert browser.get("/api/accounts/me").status_code == 200
    assert api_post(browser, "/api/work-orders/1/comment").status_code == 403  # a session write without CSRF token


def test_reactivation_revives_no_session_and_no_token(api_client, admin_user, duty_engineer):
    browser = signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    assert is_signed_in(browser)

    user_set_active(actor=admin_user, user=duty_engineer, active=False)
    user_set_active(actor=admin_user, user=duty_engineer, active=True)

    assert not is_signed_in(browser)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401
    assert is_signed_in(signed_in(duty_engineer))  # the person simply logs in again


def test_reactivation_from_the_user_page_revives_nothing(client, api_client, admin_user, duty_engineer):
    browser = signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    client.force_login(admin_user)
    url = reverse("accounts:user_set_active", args=[duty_engineer.pk])
    client.post(url, {"active": "0"})
    client.post(url, {"active": "1"})
    assert not is_signed_in(browser)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401


def test_reactivation_in_django_admin_revives_nothing(client, api_client, admin_user, duty_engineer):
    browser = signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[duty_engineer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "last_login")}
    data |= {"skills": [], "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_active": ""}
    data["organisation"] = duty_engineer.organisation_id
    data["branch"] = duty_engineer.branch_id
    for active in ("", "on"):  # deactivated, then reactivated
        data["is_active"] = active
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
    duty_engineer.refresh_from_db()
    assert duty_engineer.is_active
    assert not is_signed_in(browser)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401


def test_own_password_change_ends_other_sessions_and_tokens(api_client, duty_engineer):
    here, elsewhere = signed_in(duty_engineer), signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    data = {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW, "revoke_tokens": "on"}
    assert here.post(reverse("accounts:password_change"), data).status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401


def test_own_password_change_may_keep_tokens(api_client, duty_engineer):
    here, elsewhere = signed_in(duty_engineer), signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    page = here.get(reverse("accounts:password_change")).text
    assert 'name="revoke_tokens"' in page
    assert "checked" in page  # ticked unless the person unticks it
    data = {"old_password": TEST_PASSWORD, "new_password1": NEW, "new_password2": NEW}  # unticked
    assert here.post(reverse("accounts:password_change"), data).status_code == 302
    assert not is_signed_in(elsewhere)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 200


def test_administrator_setting_a_password_ends_sessions_and_tokens(client, api_client, admin_user, duty_engineer):
    browser = signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    from weibao.accounts.services import user_set_password

    user_set_password(actor=admin_user, user=duty_engineer, password=NEW)
    assert not is_signed_in(browser)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == 401


@pytest.mark.parametrize(("tick", "token_status"), [("on", 401), (None, 200)])
def test_django_admin_password_change(client, api_client, admin_user, duty_engineer, tick, token_status):
    browser = signed_in(duty_engineer)
    _token, raw = token_create(user=duty_engineer, name="script")
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[duty_engineer.pk])
    assert 'name="revoke_tokens"' in client.get(url).text
    data = {"password1": NEW, "password2": NEW, "usable_password": "true", "set-password": "1"}
    if tick:
        data["revoke_tokens"] = tick
    response = client.post(url, data)
    assert response.status_code == 302, response.text
    assert not is_signed_in(browser)
    assert api_client.bearer(raw).get("/api/accounts/me").status_code == token_status
