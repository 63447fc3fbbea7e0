import pytest
from django.urls import reverse

from weibao.core.navigation import NAV, nav_for

pytestmark = pytest.mark.django_db


def _urls(user) -> set[str]:
    return {item["url"] for item in nav_for(user, "/")}


def test_administrator_menu_has_platform_pages(admin_user):
    urls = _urls(admin_user)
    assert {reverse("accounts:user_list"), reverse("core:system_status"), reverse("accounts:tokens")} <= urls


def test_engineers_and_customers_do_not_see_administration(duty_engineer, customer_a_user, vendor_user):
    for user in (duty_engineer, customer_a_user, vendor_user):
        urls = _urls(user)
        assert reverse("accounts:user_list") not in urls
        assert reverse("core:system_status") not in urls
        assert reverse("accounts:profile") in urls


def test_vendor_menu_has_no_tokens(vendor_user):
    assert reverse("accounts:tokens") not in _urls(vendor_user)


def test_every_menu_entry_names_a_known_permission():
    from weibao.accounts.permissions import PERMISSIONS

    assert all(item.perm in PERMISSIONS for item in NAV)


def test_active_entry_is_marked(admin_user):
    items = nav_for(admin_user, reverse("accounts:user_list"))
    assert [i["url"] for i in items if i["active"]] == [reverse("accounts:user_list")]


def test_language_switch_is_kept_on_the_profile(client, duty_engineer):
    client.force_login(duty_engineer)
    assert "退出" in client.get(reverse("core:home")).text  # zh-Hans by default
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    duty_engineer.refresh_from_db()
    assert duty_engineer.language == "en"
    # A fresh browser (no language cookie) gets the user's language after login.
    other = type(client)()
    other.force_login(duty_engineer)
    page = other.get(reverse("core:home")).text
    assert "Log out" in page
    assert 'lang="en"' in page


def test_language_switch_refuses_unknown_language_and_foreign_redirect(client, duty_engineer):
    client.force_login(duty_engineer)
    response = client.post(reverse("accounts:set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    duty_engineer.refresh_from_db()
    assert duty_engineer.language == ""


def test_anonymous_language_switch_sets_cookie(client, settings):
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log in" in client.get(reverse("accounts:login")).text


def test_shell_has_viewport_htmx_and_csrf_header(client, duty_engineer):
    client.force_login(duty_engineer)
    page = client.get(reverse("core:home")).text
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "vendor/htmx-2.0.11.min.js" in page
    assert "X-CSRFToken" in page


def test_menu_icons_are_sprite_symbols_never_glyphs(admin_user):
    """Issue 18 §14: a text glyph missing from the reader's fonts is a box (tofu); icons come from the SVG sprite."""
    from pathlib import Path

    from weibao.core.icons import FALLBACK, ICONS, SPRITE, icon_name

    sprite = (Path(__file__).resolve().parents[2] / "static" / SPRITE).read_text()
    assert all(f'<symbol id="{name}"' in sprite for name in ICONS)
    assert all(item.icon in ICONS for item in NAV), [item.icon for item in NAV if item.icon not in ICONS]
    assert icon_name("★") == FALLBACK  # an app's old glyph draws the neutral dot, not the glyph
    assert all(item["icon"] in ICONS for item in nav_for(admin_user, "/"))


def test_the_cached_menu_follows_the_page_the_role_and_the_language(client, admin_user, customer_a_user):
    """The menu's markup is cached by what it shows: each page marks its own entry, a customer gets the customer's
    menu and labels, and a language switch gets the menu in that language."""
    import re

    def menu(url: str) -> str:
        return re.search(r'<nav id="mainnav".*?</nav>', client.get(url).text, re.S).group(0)

    client.force_login(admin_user)
    users, home = reverse("accounts:user_list"), reverse("core:home")
    assert f'href="{users}" aria-current="page"' in menu(users)
    on_home = menu(home)
    assert f'href="{users}" aria-current="page"' not in on_home
    assert f'href="{users}"' in on_home
    client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert "Work orders" in menu(home)
    client.force_login(customer_a_user)
    customer_menu = menu(home)
    assert f'href="{users}"' not in customer_menu
