"""Token-authenticated API calls skip the browser's middleware (issue 20 point 4, `core.middleware.TokenApiMiddleware`);
browser pages and cookie-authenticated API calls keep sessions, CSRF and the rest of the stack."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from weibao.accounts.services import token_create
from weibao.core.middleware import TokenApiMiddleware
from weibao.workorders.models import AlarmEvent

pytestmark = pytest.mark.django_db


def _alarm_body(site) -> str:
    return json.dumps({"customer_id": site.customer_id, "site_id": site.pk, "symptom": "UPS 告警", "severity": "B"})


def test_token_calls_run_everything_but_the_browser_only_middleware():
    token_stack = TokenApiMiddleware(lambda request: None).token_middleware
    assert set(settings.WEIBAO_BROWSER_ONLY_MIDDLEWARE) <= set(settings.MIDDLEWARE)  # no stale names
    assert token_stack == [
        m
        for m in settings.MIDDLEWARE[1:]
        if m not in settings.WEIBAO_BROWSER_ONLY_MIDDLEWARE and m != "weibao.core.middleware.TokenApiMiddleware"
    ]
    for kept in (
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
        "django.middleware.locale.LocaleMiddleware",
        "weibao.core.middleware.NoStoreWhenLoggedInMiddleware",
        "weibao.core.middleware.InputGuardMiddleware",
    ):
        assert kept in token_stack
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in token_stack
    assert "django.middleware.csrf.CsrfViewMiddleware" not in token_stack


def test_a_token_call_sets_no_cookie_and_keeps_the_security_headers(api_client, duty_engineer, site_a):
    _token, raw = token_create(user=duty_engineer, name="monitoring")
    response = api_client.bearer(raw).post(
        "/api/work-orders/events", _alarm_body(site_a), content_type="application/json"
    )
    assert response.status_code == 202, response.content
    assert AlarmEvent.objects.get(pk=response.json()["id"]).submitted_by == duty_engineer
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_a_token_call_is_the_tokens_user_whatever_the_session_cookie(duty_engineer, customer_a_user):
    _token, raw = token_create(user=customer_a_user, name="portal script")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(duty_engineer)
    me = browser.get("/api/accounts/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.json()["username"] == customer_a_user.username
    assert "sessionid" not in me.cookies  # the session was neither read nor refreshed
    # Scoped to the token's organisation, not the session's: the duty engineer's alarm is not the customer's.
    _duty_token, duty_raw = token_create(user=duty_engineer, name="monitoring")
    alarm = AlarmEvent.objects.create(
        organisation=duty_engineer.organisation, submitted_by=duty_engineer, dedup_key="k", report={}
    )
    assert browser.get(f"/api/work-orders/events/{alarm.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    mine = browser.get(f"/api/work-orders/events/{alarm.pk}", HTTP_AUTHORIZATION=f"Bearer {duty_raw}")
    assert mine.status_code == 200


def test_a_token_call_without_a_valid_token_is_401_not_the_session(duty_engineer, site_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(duty_engineer)
    response = browser.post(
        "/api/work-orders/events", _alarm_body(site_a), content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert response.status_code == 401
    assert not AlarmEvent.objects.exists()


def test_cookie_api_calls_keep_the_session_and_csrf(duty_engineer, site_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(duty_engineer)
    refused = browser.post("/api/work-orders/events", _alarm_body(site_a), content_type="application/json")
    assert refused.status_code == 403  # a session write without the CSRF token
    page = browser.get(reverse("core:home"))  # the page hands out the CSRF cookie
    assert page.status_code == 200
    csrf = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(
        "/api/work-orders/events", _alarm_body(site_a), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert accepted.status_code == 202, accepted.content


def test_pages_keep_the_full_stack_even_with_a_bearer_header(duty_engineer):
    browser = Client()
    browser.force_login(duty_engineer)
    page = browser.get(reverse("core:home"), HTTP_AUTHORIZATION="Bearer wb_whatever")
    assert page.status_code == 200  # the session's user, not the header: only /api/ is token-only
    assert page.wsgi_request.user == duty_engineer
    login = Client().get(reverse("accounts:login"))
    assert settings.CSRF_COOKIE_NAME in login.cookies


def test_a_token_call_honours_accept_language(api_client, duty_engineer):
    _token, raw = token_create(user=duty_engineer, name="monitoring")
    client = api_client.bearer(raw)
    english = client.post("/api/work-orders/events", "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post(
        "/api/work-orders/events", "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert english.status_code == chinese.status_code == 422
    assert english["Content-Language"] == "en"
    assert chinese["Content-Language"] == "zh-hans"


def test_the_intake_routes_are_tried_first():
    """Django tries the API's patterns in order: the work-order routes (the alarms' intake) come first."""
    from weibao.api import api

    patterns, _app, _namespace = api.urls
    routes = [str(p.pattern) for p in patterns if str(p.pattern) not in ("openapi.json", "docs")]
    assert routes.index("work-orders/events") < 5
