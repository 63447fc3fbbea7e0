"""Headers on every page (issue 19, point 6): the Content-Security-Policy everywhere, `Cache-Control: no-store` on
whatever a logged-in user or an API token gets, and /api/docs from our own static files (no CDN)."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/openapi.json"])
def test_anonymous_responses_carry_the_policy(client, url):
    response = client.get(url)
    policy = _csp(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", ["/", "/work-orders/", "/api/docs", "/api/work-orders/"])
def test_logged_in_pages_are_no_store_and_carry_the_policy(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_api_calls_with_a_token_are_no_store(api_client, admin_user):
    from weibao.accounts.services import token_create

    _token, raw = token_create(user=admin_user, name="t")
    response = api_client.bearer(raw).get("/api/work-orders/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_view_that_asks_for_caching_is_still_no_store_for_a_user(rf, admin_user):
    from django.http import HttpResponse

    from weibao.core.middleware import NoStoreWhenLoggedInMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "public, max-age=600"
        return response

    request = rf.get("/")
    request.user = admin_user
    response = NoStoreWhenLoggedInMiddleware(view)(request)
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_api_docs_load_swagger_ui_from_our_static_files(client, admin_user):
    client.force_login(admin_user)
    body = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert sources
    assert all(s.startswith("/static/") for s in sources), sources  # no CDN
    assert "/static/vendor/swagger-ui-5.31.0/swagger-ui-bundle.js" in sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert 'id="swagger-settings" type="application/json"' in body


def test_ssl_redirect_spares_the_health_check(client, settings):
    """WEIBAO_SSL_REDIRECT=true: plain HTTP is redirected to HTTPS, except /healthz for a local monitor."""
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"}, secure=True).status_code == 200
