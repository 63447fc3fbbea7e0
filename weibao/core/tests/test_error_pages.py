"""Friendly 400/403/404/405/CSRF pages in the user's language with the navigation; a refusal logs one line
(issue 18 points 13 and 17)."""

import io
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_404_is_a_page_in_chinese_with_the_menu_and_a_way_home(client, manager):
    client.force_login(manager)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-status="404"' in html
    assert "页面不存在" in html
    assert 'id="mainnav"' in html
    assert 'data-testid="error-home"' in html


def test_404_follows_the_users_language(client, manager):
    manager.language = "en"
    manager.save(update_fields=["language"])
    client.force_login(manager)
    assert "Page not found" in client.get("/no-such-page/").content.decode()


def test_403_page_for_a_customer_on_a_staff_page(client, customer_a_user):
    client.force_login(customer_a_user)
    response = client.get("/accounts/users/")
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


def test_bare_405_becomes_a_page_and_keeps_allow(client, manager):
    client.force_login(manager)
    response = client.get("/work-orders/alerts/read/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert 'data-status="405"' in response.content.decode()


def test_api_405_keeps_its_own_body(client, manager):
    client.force_login(manager)
    response = client.delete("/api/work-orders/")
    assert response.status_code == 405
    assert 'data-status="405"' not in response.content.decode()


def test_csrf_failure_says_the_form_expired(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert 'data-status="403"' in response.content.decode()
    assert "表单已过期" in response.content.decode()


def test_get_on_logout_asks_to_confirm(client, manager):
    client.force_login(manager)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert 'data-testid="logout-confirm-button"' in response.content.decode()
    assert "_auth_user_id" in client.session  # still logged in
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")


def test_a_refusal_is_one_log_line_without_traceback(client, customer_a_user):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(type(f).__name__ == "RefusalsWithoutTraceback" for f in h.filters)
    )
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        client.force_login(customer_a_user)
        assert client.get("/accounts/users/").status_code == 403
    finally:
        handler.setStream(old)
    output = stream.getvalue()
    assert "Forbidden" in output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1


def test_500_page_renders_without_request_or_database():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert 'data-status="500"' in html
    assert "服务器错误" in html
