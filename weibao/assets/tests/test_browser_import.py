"""Issue 3 in a real browser: import an equipment list with errors, then a correct one, and see the devices."""

import pytest

from weibao.assets.models import Device
from weibao.assets.tests.factories import ProjectFactory, SubsystemFactory, VendorFactory
from weibao.assets.tests.xlsx import row, xlsx_bytes
from weibao.core.excel import XLSX_CONTENT_TYPE
from weibao.core.tests.browser import screenshot
from weibao.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.browser


def _file(rows) -> dict:
    return {"name": "设备清单.xlsx", "mimeType": XLSX_CONTENT_TYPE, "buffer": xlsx_bytes(rows)}


def test_import_flow_with_errors_then_success(browser_page, login_as, manager):
    customer = CustomerFactory(name="南京市第一人民医院")
    SiteFactory(customer=customer, name="门诊大楼")
    project = ProjectFactory(customer=customer, name="门诊楼智能化")
    SubsystemFactory(project=project, name="网络系统")
    VendorFactory(name="华为")
    page = login_as(manager)

    page.goto(f"/estate/import/?customer={customer.pk}")
    assert page.locator("[data-testid=template-link]").is_visible()
    bad = [
        row(site="门诊大楼", serial_number="S1"),
        row(site="火星基地", serial_number="S2"),
        row(site="门诊大楼", serial_number="S1", name="<script>alert(1)</script>"),
        row(site="门诊大楼", serial_number="S3", warranty_end="明年"),
    ]
    page.set_input_files("#id_file", files=[_file(bad)])
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=import-errors]")
    assert page.get_attribute("[data-testid=import-status]", "data-status") == "invalid"
    errors = page.inner_text("[data-testid=import-errors]")
    assert "火星基地" in errors
    assert "第 2 行" in errors or "S1" in errors
    assert "明年" in errors
    assert page.locator("[data-testid=commit]").count() == 0
    screenshot(page, "import-errors")
    assert Device.objects.count() == 0

    page.goto(f"/estate/import/?customer={customer.pk}")
    page.select_option("#id_project", str(project.pk))
    good = [row(site="门诊大楼", subsystem="网络系统", serial_number=f"OK{i}", name=f"接入交换机{i}") for i in range(5)]
    page.set_input_files("#id_file", files=[_file(good)])
    page.click("[data-testid=import-form] button[type=submit]")
    page.wait_for_selector("[data-testid=commit]")
    assert "接入交换机0" in page.content()  # the preview
    page.click("[data-testid=commit]")
    page.wait_for_selector("[data-testid=import-done]")
    assert Device.objects.filter(customer=customer).count() == 5

    page.click("text=查看设备")
    page.wait_for_selector("text=接入交换机4")


def test_device_list_on_a_phone(phone_page, login_as, manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    from weibao.assets.tests.factories import DeviceFactory

    for _ in range(3):
        DeviceFactory(customer=customer, site=site, location="三楼机房 A02 机柜 U20 很长的位置描述")
    page = login_as(manager, page=phone_page)
    page.goto(f"/estate/devices/?customer={customer.pk}")
    page.fill("input[name=q]", "三楼")
    page.wait_for_timeout(800)  # htmx filters as you type
    assert page.locator("#device-rows tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "device-list-375")
