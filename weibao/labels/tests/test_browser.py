"""Issue 17 point 3 in a real browser at 375 px (a phone): a customer contact opens a device's label URL, logs in
from the scan page, reports with a photo from the "camera" input, and lands on the order, which shows the device;
a contact without an account does the same with the SMS code; a revoked label shows its own clear page."""

import pytest

from weibao.accounts.tests.factories import TEST_PASSWORD
from weibao.core.tests.browser import PHONE, screenshot
from weibao.labels.tests.conftest import sent_codes
from weibao.labels.tests.test_services import PNG
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.browser


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_scan_log_in_and_report_with_a_photo(phone_page, label_a, device_a, contract_a, customer_a_user, tmp_path):
    page = phone_page
    page.goto(f"/labels/s/{label_a.token}/")
    assert page.get_attribute("[data-testid=scan-page]", "data-state") == "identify"
    assert device_a.serial_number in page.inner_text("[data-testid=scan-device]")
    assert fits_the_phone(page)
    page.click("[data-testid=scan-login]")
    page.fill("#id_username", customer_a_user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=scan-report-form]")
    assert "HT-QR-001" in page.inner_text("[data-testid=scan-contract]")
    photo = tmp_path / "fault.png"
    photo.write_bytes(PNG)
    assert page.get_attribute("#id_photos", "capture") == "environment"
    page.fill("#id_symptom", "监控摄像机无画面，指示灯闪红")
    page.set_input_files("#id_photos", str(photo))
    screenshot(page, "labels-scan-report-375")
    page.click("[data-testid=scan-submit]")
    page.wait_for_selector("[data-testid=link-device]")
    wo = WorkOrder.objects.get()
    assert device_a.name in page.inner_text("[data-testid=link-device]")
    assert wo.number in page.content()
    assert list(wo.devices.all()) == [device_a]
    assert wo.attachments.get().original_name == "fault.png"


def test_contact_without_account_reports_with_the_sms_code(phone_page, label_a, device_a, contact_a, sms, tmp_path):
    page = phone_page
    page.goto(f"/labels/s/{label_a.token}/")
    page.fill("#id_phone", contact_a.mobile)
    page.click("[data-testid=scan-send-code]")
    page.wait_for_selector("[data-testid=scan-verify]")
    [(_phone, code)] = sent_codes(sms)
    page.fill("#id_code", code)
    page.click("[data-testid=scan-verify]")
    page.wait_for_selector("[data-testid=scan-report-form]")
    photo = tmp_path / "door.png"
    photo.write_bytes(PNG)
    page.fill("#id_symptom", "门禁读卡器不亮")
    page.set_input_files("#id_photos", str(photo))
    page.click("[data-testid=scan-submit]")
    page.wait_for_selector("[data-testid=scan-done]")
    assert device_a.name in page.inner_text("[data-testid=scan-done-device]")
    wo = WorkOrder.objects.get()
    assert wo.contact == contact_a
    assert wo.number in page.content()
    assert fits_the_phone(page)


def test_revoked_label_shows_a_clear_page(phone_page, label_a, device_a, manager):
    from weibao.labels.services import labels_revoke

    labels_revoke(devices=[device_a], actor=manager)
    page = phone_page
    response = page.goto(f"/labels/s/{label_a.token}/")
    assert response.status == 410
    assert page.get_attribute("[data-testid=scan-page]", "data-state") == "revoked"
    assert "已停用" in page.inner_text("h1")
    assert page.is_visible("[data-testid=scan-hotline]")
    assert device_a.serial_number not in page.content()
    assert fits_the_phone(page)
