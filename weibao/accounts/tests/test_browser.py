"""The user list in a browser: every row's (de)activate button posts to its own account through the list's one form."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deactivate_then_reactivate_the_clicked_account(browser_page, login_as, admin_user, make_user):
    keep = make_user("field_engineer", name="留下工程师")
    drop = make_user("field_engineer", name="停用工程师")
    page = login_as(admin_user)
    page.goto("/accounts/users/")
    row = page.locator("[data-testid=user-row]", has_text="停用工程师")
    row.get_by_role("button", name="停用").click()
    expect(page.locator(".messages, [role=status], body").first).to_contain_text(f"账户 {drop.username} 已停用")
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert (drop.is_active, keep.is_active, admin_user.is_active) == (False, True, True)
    row.get_by_role("button", name="启用").click()
    expect(row.get_by_role("button", name="停用")).to_have_count(1)
    drop.refresh_from_db()
    assert drop.is_active
    # The administrator's own row has no button: nobody deactivates themselves by a stray click.
    expect(page.locator("[data-testid=user-row]", has_text=admin_user.username).get_by_role("button")).to_have_count(0)
