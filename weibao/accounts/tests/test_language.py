import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_even_for_an_english_browser(client):
    page = client.get(reverse("accounts:login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="zh-hans">' in page.text
    assert "登录" in page.text


def test_the_language_cookie_switches_before_login(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:login"))
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text


def test_the_users_saved_language_wins_over_the_cookie(client, duty_engineer):
    duty_engineer.language = "en"
    duty_engineer.save(update_fields=["language"])
    client.force_login(duty_engineer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<html lang="en">' in client.get(reverse("core:home")).text


def test_the_api_honours_accept_language(client):
    chinese = client.get("/api/accounts/me")
    english = client.get("/api/accounts/me", headers={"Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 401
    assert chinese.headers.get("Content-Language", "zh-hans") == "zh-hans"
    assert english.headers.get("Content-Language") == "en"
