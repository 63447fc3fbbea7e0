"""Issue 2 in a real browser: log in as a customer contact and as a duty engineer, switch language, log out."""

import pytest

from weibao.core.tests.browser import logout, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("who", ["customer_a_user", "duty_engineer"])
def test_login_switch_language_logout(browser_page, login_as, request, who):
    user = request.getfixturevalue(who)
    page = login_as(user)
    assert user.name in page.inner_text("[data-testid=current-user]")
    assert page.inner_text("[data-testid=logout]") == "退出"
    assert page.get_attribute("html", "lang") == "zh-hans"

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")  # submits itself (data-autosubmit)
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("[data-testid=logout]") == "Log out"

    logout(page)
    assert page.url.endswith("/accounts/login/")
    # The choice is kept on the account: logging in from a fresh browser comes back in English.
    page.context.clear_cookies()
    login_as(user)
    assert page.inner_text("[data-testid=logout]") == "Log out"


def test_wrong_password_shows_error(browser_page, duty_engineer):
    page = browser_page
    page.goto("/accounts/login/")
    page.fill("#id_username", duty_engineer.username)
    page.fill("#id_password", "wrong-password")
    page.click("[data-testid=login-submit]")
    assert page.locator(".errorlist").count() == 1


def test_usable_at_375px(phone_page, login_as, duty_engineer):
    page = login_as(duty_engineer, page=phone_page)
    # Nothing wider than the screen, the menu folds behind its button and opens on a tap.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.is_hidden("#mainnav")
    page.click(".menu-toggle")
    assert page.is_visible("#mainnav")
    screenshot(page, "shell-375-duty")
    page.goto("/accounts/profile/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "profile-375-duty")


def test_administration_pages_fit_375px(phone_page, login_as, admin_user, duty_engineer, customer_a_user):
    page = login_as(admin_user, page=phone_page)
    for url, name in [
        ("/accounts/users/", "users"),
        ("/accounts/users/new/", "user-new"),
        ("/accounts/tokens/", "tokens"),
        ("/system/", "system"),
    ]:
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, url
        screenshot(page, f"{name}-375-admin")


def test_lockout_and_unlock_by_an_administrator(
    chromium_browser, live_server, browser_page, login_as, duty_engineer, admin_user, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    page = browser_page
    for _ in range(3):
        page.goto("/accounts/login/")
        page.fill("#id_username", duty_engineer.username)
        page.fill("#id_password", "wrong-password")
        page.click("[data-testid=login-submit]")
    assert page.is_visible("[data-testid=locked-out]")
    assert "账户已锁定" in page.inner_text("h1")
    screenshot(page, "locked-out")

    admin_context = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
    admin_page = admin_context.new_page()
    login_as(admin_user, page=admin_page)
    admin_page.goto("/accounts/users/")
    admin_page.click(f"[data-testid=unlock-{duty_engineer.username}]")
    assert admin_page.is_hidden(f"[data-testid=unlock-{duty_engineer.username}]")
    admin_context.close()

    login_as(duty_engineer)
    assert duty_engineer.name in page.inner_text("[data-testid=current-user]")
