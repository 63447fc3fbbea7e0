"""Issue 23 in a real browser at 375 px: the customer opens "问题仍在" from the resolution notice in a fresh browser
context (no login) and the order reopens with source "customer link"; a used or an expired link shows a clear page."""

import re

import pytest
from django.utils import timezone

from weibao.core.models import ActionLink
from weibao.core.tests.browser import screenshot
from weibao.notifications.models import Delivery
from weibao.workorders import services as svc
from weibao.workorders.choices import Status
from weibao.workorders.models import Reopen
from weibao.workorders.tests.factories import make_workorder

pytestmark = pytest.mark.browser


def _answer_paths(order) -> dict[str, str]:
    notice = Delivery.objects.get(workorder=order, notice="resolved", recipient="zhangsan@jia.example.cn")
    urls = re.findall(r"https?://\S+?(/work-orders/answer/\S+/)", notice.body_text)
    assert len(urls) == 2  # "已解决，可以结单" first, then "问题仍在，重新处理"
    return {"fixed": urls[0], "not_fixed": urls[1]}


def test_customer_reopens_from_the_notice_link_on_a_phone(phone_page, duty_engineer, site_a):
    order = make_workorder(site=site_a, actor=duty_engineer, reporter_email="zhangsan@jia.example.cn")
    svc.workorder_acknowledge(workorder=order, actor=duty_engineer)
    svc.workorder_resolve(workorder=order, actor=duty_engineer, resolution="更换交换机电源模块")
    paths = _answer_paths(order)
    page = phone_page  # a fresh context: no session, no login

    page.goto(paths["not_fixed"])
    page.wait_for_selector('[data-testid=answer-page][data-state="ask"]')
    assert "问题仍在" in page.inner_text("[data-testid=answer-page]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("#id_note", "下午三点又断网了")
    screenshot(page, "observation-answer-375")
    page.click("[data-testid=answer-submit]")
    page.wait_for_selector("[data-testid=answer-done]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    order.refresh_from_db()
    assert order.status == Status.REOPENED
    reopen = Reopen.objects.get(workorder=order)
    assert (reopen.source, reopen.answered_by, reopen.reason) == (
        "customer_link",
        "zhangsan@jia.example.cn",
        "下午三点又断网了",
    )

    # The same link again (or the other answer of the same notice): a clear "already used" page.
    for path in (paths["not_fixed"], paths["fixed"]):
        page.goto(path)
        page.wait_for_selector('[data-testid=answer-page][data-state="used"]')
    assert "已使用" in page.inner_text("[data-testid=answer-page]")
    screenshot(page, "observation-answer-used-375")
    assert Reopen.objects.count() == 1


def test_expired_and_invalid_links_show_their_page(phone_page, duty_engineer, site_a):
    order = make_workorder(site=site_a, actor=duty_engineer, reporter_email="zhangsan@jia.example.cn")
    svc.workorder_acknowledge(workorder=order, actor=duty_engineer)
    svc.workorder_resolve(workorder=order, actor=duty_engineer, resolution="重新配置VLAN")
    paths = _answer_paths(order)
    ActionLink.objects.update(expires_at=timezone.now())

    phone_page.goto(paths["not_fixed"])
    phone_page.wait_for_selector('[data-testid=answer-page][data-state="expired"]')
    assert "已过期" in phone_page.inner_text("[data-testid=answer-page]")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone_page, "observation-answer-expired-375")

    phone_page.goto(paths["not_fixed"][:-6] + "xxxxx/")
    phone_page.wait_for_selector('[data-testid=answer-page][data-state="invalid"]')
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
