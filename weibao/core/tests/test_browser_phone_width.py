"""Issue 18 §15 in a real browser at 375 px: no main page of any role is wider than the phone (measured as the
document's scrollWidth), and the device list is a list of cards, not a table squeezed to one character a line."""

import pytest

from weibao.core.navigation import nav_for

pytestmark = pytest.mark.browser

ROLES = ["admin_user", "manager", "duty_engineer", "field_engineer", "customer_a_user", "vendor_user"]
WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def estate(site_a_with_devices):
    return site_a_with_devices


@pytest.fixture
def site_a_with_devices(customer_a_org, duty_engineer):
    from weibao.workorders.tests.factories import CustomerFactory, DeviceFactory, SiteFactory, make_workorder

    customer = CustomerFactory(organisation=customer_a_org, code="CA")
    site = SiteFactory(customer=customer, name="南京市第一人民医院门诊大楼", address="南京市秦淮区长乐路68号")
    for i in range(3):
        DeviceFactory(
            site=site,
            name=f"核心交换机-{i}",
            serial_number=f"HW2102351234567890{i}",
            location="门诊楼三层弱电间机柜A-01",
        )
    make_workorder(site=site, actor=duty_engineer, title="门诊楼三层网络中断，挂号系统无法访问")
    return site


@pytest.mark.parametrize("who", ROLES)
def test_no_main_page_is_wider_than_a_phone(phone_page, login_as, request, estate, who):
    user = request.getfixturevalue(who)
    page = login_as(user, page=phone_page)
    too_wide = {}
    for item in nav_for(user, "/"):
        page.goto(item["url"])
        page.wait_for_load_state("networkidle")
        scroll, inner = page.evaluate(WIDTH)
        if scroll > inner + 1:
            too_wide[item["url"]] = scroll
    assert too_wide == {}


def test_device_list_is_cards_on_a_phone(phone_page, login_as, admin_user, estate):
    page = login_as(admin_user, page=phone_page)
    page.goto("/estate/devices/")
    row = page.locator("[data-testid=device-table] tbody tr").first
    assert page.locator("[data-testid=device-table] thead").is_hidden()
    box = row.bounding_box()
    assert box["width"] > 300  # a card across the phone, not a column squeezed to one character
    serial = row.locator("code").bounding_box()
    assert serial["height"] < 40  # the serial number on one or two lines, not one character per line
