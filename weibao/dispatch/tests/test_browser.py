"""The roster week in a browser: "Remove" asks, then removes that shift only (htmx, one form for the week)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from weibao.dispatch.models import RosterEntry
from weibao.dispatch.tests.factories import BranchFactory, RosterEntryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_remove_asks_then_removes_the_clicked_shift(browser_page, login_as, manager, make_user):
    today = timezone.localdate()
    starts = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    branch = BranchFactory()
    keep, drop = (
        RosterEntryFactory(
            engineer=make_user("field_engineer", name=name, branch=branch),
            date=today,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=8),
            branch=branch,
        )
        for name in ("留下工程师", "移除工程师")
    )
    page = login_as(manager)
    page.goto(f"/dispatch/roster/?branch={branch.pk}")
    shift = page.locator(f"section[data-day='{today.isoformat()}'] li", has_text="移除工程师")
    page.once("dialog", lambda dialog: dialog.dismiss())  # "Remove this shift?" — no
    shift.locator("button[formaction]").click()
    page.wait_for_timeout(300)
    assert RosterEntry.objects.filter(pk=drop.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.url.endswith(f"/dispatch/roster/{drop.pk}/delete/")):
        shift.locator("button[formaction]").click()
    expect(shift).to_have_count(0)
    assert not RosterEntry.objects.filter(pk=drop.pk).exists()
    assert RosterEntry.objects.filter(pk=keep.pk).exists()
    assert page.url.endswith(f"/dispatch/roster/?branch={branch.pk}")  # swapped in place, no reload
    expect(page.locator(f"section[data-day='{today.isoformat()}'] li", has_text="留下工程师")).to_have_count(1)
