import datetime

import pytest
from django.urls import reverse

from weibao.assets.tests.factories import VendorFactory
from weibao.assets.tests.xlsx import xlsx_bytes
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery.choices import Stage
from weibao.delivery.models import EquipmentItem, Issue
from weibao.delivery.tests.factories import add_equipment, delivery_project, pdf, walk_to

pytestmark = pytest.mark.django_db
HEADER = ["站点", "子系统", "厂商", "类别", "设备名称", "型号", "序列号", "安装位置", "IP地址", "安装日期"]


def test_board_lists_projects_by_stage_in_constant_queries(client, manager, django_assert_max_num_queries):
    for n in range(3):
        delivery_project(actor=manager, code=f"D{n}")
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("delivery:board"))
    assert response.status_code == 200
    assert response.content.decode().count("board-card") == 3


def test_closing_a_stage_with_a_missing_document_explains_why(client, manager):
    project = delivery_project(actor=manager)
    client.force_login(manager)
    response = client.post(
        reverse("delivery:stage_close", args=[project.pk]), {"version": project.version}, follow=True
    )
    assert "需求信息表" in response.content.decode()
    project.refresh_from_db()
    assert project.stage == Stage.PRESALES


def test_create_project_page(client, manager):
    from weibao.contracts.tests.factories import CalendarFactory
    from weibao.delivery.tests.factories import project_type

    customer, ptype, cal = CustomerFactory(), project_type(), CalendarFactory()
    client.force_login(manager)
    response = client.post(
        reverse("delivery:project_new"),
        {"customer": customer.pk, "project_type": ptype.pk, "code": "X1", "name": "新项目", "calendar": cal.pk},
    )
    assert response.status_code == 302
    assert customer.delivery_projects.get().code == "X1"


def test_upload_then_customer_review_through_the_pages(client, manager, customer_a_user):
    customer = CustomerFactory(organisation=customer_a_user.organisation)
    project = delivery_project(actor=manager, customer=customer)
    doc = project.documents.get(kind="equipment_list")
    client.force_login(manager)
    client.post(reverse("delivery:document_upload", args=[doc.pk]), {"file": pdf("清单.pdf"), "note": "初稿"})
    doc.refresh_from_db()
    assert doc.current_version == 1
    client.force_login(customer_a_user)
    page = client.get(reverse("delivery:documents", args=[project.pk]))
    assert "review-submit-equipment_list" in page.content.decode()
    client.post(reverse("delivery:document_review", args=[doc.pk]), {"approve": "1", "note": ""})
    doc.refresh_from_db()
    assert doc.review_status == "approved"
    download = client.get(reverse("delivery:document_download", args=[doc.versions.get().pk]))
    assert download.status_code == 200


def test_milestones_page_shows_plan_and_late(client, manager):
    project = delivery_project(actor=manager, contract_signed_on=datetime.date(2026, 1, 6))
    client.force_login(manager)
    response = client.get(reverse("delivery:milestones", args=[project.pk]))
    body = response.content.decode()
    assert 'data-testid="gantt"' in body
    assert 'data-testid="late"' in body  # today is past the 2026 plan dates


def test_equipment_import_all_or_nothing_with_row_report(client, manager):
    VendorFactory(name="华为")
    project = delivery_project(actor=manager)
    client.force_login(manager)
    bad = _xlsx(
        [
            ["总部", "网络", "华为", "硬件", "交换机", "S5735", "SN1", "3F", "10.0.0.1", "2026-03-01"],
            ["总部", "网络", "无此厂商", "硬件", "交换机", "S5735", "SN2", "3F", "10.0.0.x", "2026-03-01"],
        ]
    )
    response = client.post(reverse("delivery:equipment_import", args=[project.pk]), {"file": _upload(bad)})
    body = response.content.decode()
    assert response.status_code == 422
    assert "无此厂商" in body
    assert not EquipmentItem.objects.filter(project=project).exists()
    good = _xlsx(
        [
            ["总部", "网络", "华为", "硬件", "交换机", "S5735", "SN1", "3F", "10.0.0.1", "2026-03-01"],
            ["总部", "网络", "华为", "软件", "网管", "eSight", "", "机房", "", ""],
        ]
    )
    response = client.post(reverse("delivery:equipment_import", args=[project.pk]), {"file": _upload(good)})
    assert response.status_code == 302
    assert list(project.equipment.values_list("line", "serial_number", "category")) == [
        (1, "SN1", "hardware"),
        (2, "", "software"),
    ]
    export = client.get(reverse("delivery:equipment_export", args=[project.pk]))
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_import_refuses_a_serial_of_another_customers_device(client, manager):
    from weibao.assets.tests.factories import DeviceFactory

    vendor = VendorFactory(name="华为")
    DeviceFactory(vendor=vendor, serial_number="SN9")
    project = delivery_project(actor=manager)
    client.force_login(manager)
    data = _xlsx([["总部", "", "华为", "", "", "S5735", "SN9", "", "", ""]])
    response = client.post(reverse("delivery:equipment_import", args=[project.pk]), {"file": _upload(data)})
    assert response.status_code == 422
    assert "another customer" in response.content.decode() or "其他客户" in response.content.decode()


def _xlsx(rows):
    return xlsx_bytes(rows, HEADER)


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("list.xlsx", data)


def test_records_issue_log_and_export(client, manager):
    project = delivery_project(actor=manager)
    client.force_login(manager)
    client.post(
        reverse("delivery:record_add", args=[project.pk, "issue"]),
        {"occurred_on": "2026-03-04", "description": "桥架不足", "reported_by": "监理王工"},
    )
    issue = Issue.objects.get(project=project)
    client.post(
        reverse("delivery:issue_solve", args=[project.pk, issue.pk]), {"solution": "补货", "solved_on": "2026-03-05"}
    )
    client.post(
        reverse("delivery:record_add", args=[project.pk, "daily"]),
        {"day": "2026-03-04", "crew": "3", "work_done": "布线", "problems": ""},
    )
    client.post(reverse("delivery:weekly_generate", args=[project.pk]), {"week_start": "2026-03-02"})
    page = client.get(reverse("delivery:records", args=[project.pk])).content.decode()
    assert "桥架不足" in page
    assert "补货" in page
    assert project.weekly_reports.get().data["days_reported"] == 1
    export = client.get(reverse("delivery:issues_export", args=[project.pk]))
    assert export.status_code == 200


def test_handover_button(client, manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.ACCEPTED)
    client.force_login(manager)
    page = client.get(reverse("delivery:project", args=[project.pk])).content.decode()
    assert 'data-testid="handover"' in page
    client.post(reverse("delivery:handover", args=[project.pk]))
    project.refresh_from_db()
    assert project.stage == Stage.HANDED_OVER
    assert project.estate_project.in_maintenance


def test_arrival_refused_message_on_the_page(client, manager):
    project = walk_to(delivery_project(actor=manager), manager, Stage.PROCUREMENT)
    add_equipment(project, manager, n=1)
    client.force_login(manager)
    response = client.post(
        reverse("delivery:arrival_add", args=[project.pk]),
        {"arrived_on": "2026-02-01", "description": "交换机"},
        follow=True,
    )
    assert not project.arrivals.exists()
    assert "详细设计方案" in response.content.decode()


def test_project_page_loads_its_add_forms_on_opening(client, manager, django_assert_max_num_queries):
    project = delivery_project(actor=manager)
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("delivery:project", args=[project.pk])).content.decode()
    url = reverse("delivery:party_add", args=[project.pk])
    assert f'hx-get="{url}"' in page
    assert 'name="organisation"' not in page  # the fields are not rendered with the page
    fields = client.get(url).content.decode()
    assert 'name="organisation"' in fields
    assert "<form" not in fields


def test_add_form_fields_need_the_permission(client, manager, customer_a_user):
    project = delivery_project(actor=manager)
    client.force_login(customer_a_user)
    assert client.get(reverse("delivery:team_add", args=[project.pk])).status_code in (403, 404)
