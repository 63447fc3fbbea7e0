"""Shared Playwright fixtures for every app's browser tests (loaded by the root conftest as a plugin).

    @pytest.mark.browser
    def test_something(browser_page, login_as, duty_engineer):
        page = login_as(duty_engineer)          # logged in through the real login form
        page.goto("/work-orders/")              # URLs are relative to the live server

Run with `pytest -m browser -p no:xdist`. Uses Debian's /usr/bin/chromium (override: WEIBAO_CHROMIUM).
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("WEIBAO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def login(page, username: str, password: str | None = None) -> None:
    """Log in through the login form as `username` and wait for the landing page."""
    from weibao.accounts.tests.factories import TEST_PASSWORD

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password or TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=current-user]", state="attached")  # hidden on phones, but there


def logout(page) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_selector("[data-testid=login-submit]")


@pytest.fixture(scope="session")
def chromium_browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run where a loop is
    # running unless told that this is deliberate (the tests' own DB calls are synchronous and safe here).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _new_page(browser, live_server, viewport: dict, request) -> Iterator:
    context = browser.new_context(base_url=live_server.url, viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def browser_page(chromium_browser, live_server, transactional_db, request):
    """A fresh desktop-sized Chromium page whose relative URLs go to the live test server."""
    yield from _new_page(chromium_browser, live_server, DESKTOP, request)


@pytest.fixture
def phone_page(chromium_browser, live_server, transactional_db, request):
    """The same at 375 px width (a phone)."""
    yield from _new_page(chromium_browser, live_server, PHONE, request)


@pytest.fixture
def login_as(browser_page) -> Callable:
    """`login_as(user_or_username, password=None, page=None)` → the page, logged in through the form."""

    def do(user, password: str | None = None, page=None):
        page = page or browser_page
        login(page, getattr(user, "username", user), password)
        return page

    return do


def screenshot(page, name: str) -> Path:
    """Save a screenshot under var/screenshots/ (for looking at layouts, e.g. at 375 px)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets the page fixtures know whether the test failed, to keep a screenshot of the failure.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
