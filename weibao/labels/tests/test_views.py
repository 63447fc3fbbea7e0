import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from weibao.labels import services
from weibao.labels.models import Label
from weibao.labels.tests.conftest import sent_codes
from weibao.labels.tests.test_services import PNG
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def scan_url(label) -> str:
    return reverse("labels:scan", args=[label.token])


def test_unknown_token_shows_a_clear_page(client):
    response = client.get(reverse("labels:scan", args=["no-such-token"]))
    assert response.status_code == 404
    assert response.context["state"] == "unknown"
    assert "400-000-0000" in response.text  # the hotline


def test_revoked_label_shows_a_clear_page(client, label_a, device_a, manager):
    services.labels_revoke(devices=[device_a], actor=manager)
    response = client.get(scan_url(label_a))
    assert response.status_code == 410
    assert response.context["state"] == "revoked"
    assert device_a.serial_number not in response.text


def test_anonymous_scan_offers_login_and_sms_code_without_reporting(client, label_a, device_a):
    response = client.get(scan_url(label_a))
    assert response.status_code == 200
    assert response.context["state"] == "identify"
    assert device_a.serial_number in response.text
    assert reverse("accounts:login") in response.text
    # Reporting without having proven anything is not possible.
    response = client.post(scan_url(label_a), {"action": "report", "symptom": "坏了", "severity": "C"})
    assert response.context["state"] == "identify"
    assert not WorkOrder.objects.exists()


def test_other_customers_user_never_sees_or_reports_the_device(client, label_a, device_a, customer_b_user):
    client.force_login(customer_b_user)
    for response in (
        client.get(scan_url(label_a)),
        client.post(scan_url(label_a), {"action": "report", "symptom": "坏了", "severity": "C"}),
    ):
        assert response.status_code == 403
        assert response.context["state"] == "foreign"
        assert device_a.serial_number not in response.text
        assert device_a.name not in response.text
    assert not WorkOrder.objects.exists()


def test_customer_user_reports_with_a_photo(client, label_a, device_a, contract_a, customer_a_user):
    client.force_login(customer_a_user)
    page = client.get(scan_url(label_a))
    assert page.context["state"] == "report"
    assert "HT-QR-001" in page.text  # the contract intake will apply
    assert 'capture="environment"' in page.text
    assert 'accept="image/*"' in page.text
    photo = SimpleUploadedFile("fault.png", PNG, "image/png")
    response = client.post(
        scan_url(label_a), {"action": "report", "symptom": "摄像头无画面", "severity": "B", "photos": [photo]}
    )
    wo = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workorders:detail", args=[wo.pk])
    assert (wo.customer_id, wo.site_id, wo.contract, wo.severity) == (
        device_a.customer_id,
        device_a.site_id,
        contract_a,
        "B",
    )
    assert list(wo.devices.all()) == [device_a]
    assert wo.attachments.get().original_name == "fault.png"
    detail = client.get(response["Location"])
    assert device_a.name in detail.text


def test_report_with_a_bad_file_shows_the_error_and_stores_nothing(client, label_a, customer_a_user):
    client.force_login(customer_a_user)
    fake = SimpleUploadedFile("photo.png", b"MZ" + b"\x00" * 64, "image/png")
    response = client.post(
        scan_url(label_a), {"action": "report", "symptom": "坏了", "severity": "C", "photos": [fake]}
    )
    assert response.status_code == 422
    assert response.context["form"].errors
    assert not WorkOrder.objects.exists()


def test_contact_without_account_reports_after_the_sms_code(
    client, label_a, contact_a, device_a, sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(scan_url(label_a), {"action": "send_code", "phone": "13951001234"})
    assert response.context["state"] == "code"
    [(_phone, code)] = sent_codes(sms)
    wrong = client.post(scan_url(label_a), {"action": "verify", "phone": "13951001234", "code": "99999x"})
    assert wrong.status_code == 422
    response = client.post(scan_url(label_a), {"action": "verify", "phone": "13951001234", "code": code})
    assert response.status_code == 302
    page = client.get(scan_url(label_a))
    assert page.context["state"] == "report"
    assert "周主任" in page.text
    response = client.post(
        scan_url(label_a),
        {
            "action": "report",
            "symptom": "门禁读卡器不亮",
            "severity": "C",
            "photos": [SimpleUploadedFile("a.png", PNG, "image/png")],
        },
    )
    assert response.context["state"] == "done"
    wo = WorkOrder.objects.get()
    assert wo.number in response.text
    assert list(wo.devices.all()) == [device_a]
    assert wo.contact == contact_a
    # The proof is for this label only: another device's label asks again.
    other = services.labels_ensure(devices=[_another_device(device_a)], actor=wo.reported_by)
    assert client.get(scan_url(next(iter(other.values())))).context["state"] == "identify"


def _another_device(device):
    from weibao.assets.tests.factories import DeviceFactory

    return DeviceFactory(customer=device.customer, site=device.site)


def test_unknown_number_reads_the_same_as_a_contact(client, label_a, contact_a, sms):
    response = client.post(scan_url(label_a), {"action": "send_code", "phone": "13800000000"})
    assert response.context["state"] == "code"
    assert sent_codes(sms) == []


def test_sheet_pdf_per_site_has_chinese_and_serials(client, manager, device_a, tmp_path):
    from weibao.assets.tests.factories import DeviceFactory
    from weibao.onsite.tests.pdfcheck import pdf_checks

    # 25 devices on a 3×8 sheet: two pages.
    for i in range(24):
        DeviceFactory(customer=device_a.customer, site=device_a.site, name=f"摄像机{i}", serial_number=f"CAM-{i:04d}")
    client.force_login(manager)
    response = client.get(reverse("labels:sheet_pdf"), {"site": device_a.site_id, "columns": 3, "rows": 8})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_checks(response.content, tmp_path, "核心交换机", "SN-A-0001", "门诊楼机房", "CAM-0023", "400-000-0000")
    assert "扫码报修" in text
    assert Label.objects.filter(revoked_at__isnull=True).count() == 25


def test_sheet_pdf_per_project(client, manager, device_a):
    from weibao.assets.tests.factories import ProjectFactory

    project = ProjectFactory(customer=device_a.customer)
    device_a.project = project
    device_a.save()
    client.force_login(manager)
    response = client.get(reverse("labels:sheet_pdf"), {"project": project.pk, "columns": 2, "rows": 5})
    assert response.status_code == 200
    assert Label.objects.get().device == device_a


def test_sheet_refuses_customers_and_odd_grids(client, manager, customer_a_user, device_a):
    client.force_login(customer_a_user)
    assert (
        client.get(reverse("labels:sheet_pdf"), {"site": device_a.site_id, "columns": 3, "rows": 8}).status_code == 403
    )
    assert client.get(reverse("labels:sheet_page")).status_code == 403
    client.force_login(manager)
    response = client.get(reverse("labels:sheet_pdf"), {"site": device_a.site_id, "columns": 9, "rows": 8})
    assert response.status_code == 302
    response = client.get(reverse("labels:sheet_pdf"), {"site": 10**12, "columns": 3, "rows": 8})
    assert response.status_code == 404
    assert not Label.objects.exists()


def test_sheet_page_lists_sites(client, manager, device_a):
    client.force_login(manager)
    response = client.get(reverse("labels:sheet_page"))
    assert response.status_code == 200
    assert device_a.site.name in response.text


def test_sheet_page_has_one_grid_and_row_buttons_in_constant_queries(
    client, manager, device_a, site_b, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("labels:sheet_page")).content.decode()
    assert page.count('name="columns"') == 1  # one grid for the page, not one per row
    assert page.count('<form id="label-post" method="post">') == 1
    assert f'form="label-sheet" name="site" value="{device_a.site_id}"' in page
    assert f'formaction="{reverse("labels:site_revoke", args=[device_a.site_id])}"' in page
    assert page.count('data-testid="label-site"') == 2


def test_device_page_panel_regenerate_and_revoke(client, manager, label_a, device_a):
    client.force_login(manager)
    page = client.get(reverse("assets:device_detail", args=[device_a.pk]))
    assert label_a.token in page.text
    client.post(reverse("labels:device_regenerate", args=[device_a.pk]))
    label_a.refresh_from_db()
    assert label_a.revoked_at is not None
    new = Label.objects.get(revoked_at__isnull=True)
    assert new.token in client.get(reverse("assets:device_detail", args=[device_a.pk])).text
    client.post(reverse("labels:device_revoke", args=[device_a.pk]))
    assert not Label.objects.filter(revoked_at__isnull=True).exists()


def test_site_regenerate_and_revoke(client, manager, label_a, device_a):
    client.force_login(manager)
    client.post(reverse("labels:site_regenerate", args=[device_a.site_id]))
    assert Label.objects.filter(revoked_at__isnull=True).exclude(pk=label_a.pk).count() == 1
    client.post(reverse("labels:site_revoke", args=[device_a.site_id]))
    assert not Label.objects.filter(revoked_at__isnull=True).exists()


def test_label_actions_need_the_permission(client, field_engineer, customer_a_user, label_a, device_a):
    for user in (field_engineer, customer_a_user):
        client.force_login(user)
        assert client.post(reverse("labels:device_revoke", args=[device_a.pk])).status_code in (403, 404)
        assert client.post(reverse("labels:site_revoke", args=[device_a.site_id])).status_code in (403, 404)
    assert Label.objects.get().revoked_at is None
    page = client.get(reverse("assets:device_detail", args=[device_a.pk]))
    assert label_a.token not in page.text
