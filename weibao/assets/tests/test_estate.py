import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse

from weibao.assets import briefing
from weibao.assets.choices import DeviceEventKind, DeviceStatus, DocumentType
from weibao.assets.models import Device, DocumentDownload
from weibao.assets.selectors import (
    DeviceFilter,
    device_list,
    estate_search,
    keyset_page,
    project_missing_document_types,
)
from weibao.assets.services import (
    device_create,
    device_replace,
    device_set_status,
    device_update,
    document_add_version,
    document_create,
    project_create,
    vendor_create,
)
from weibao.assets.tests.factories import DeviceFactory, ProjectFactory, SubsystemFactory, VendorFactory
from weibao.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def two_estates(customer_a_org, customer_b_org):
    a = DeviceFactory(customer=CustomerFactory(organisation=customer_a_org), name="甲核心交换机", serial_number="A-1")
    b = DeviceFactory(customer=CustomerFactory(organisation=customer_b_org), name="乙核心交换机", serial_number="B-1")
    return a, b


# --- models and services -------------------------------------------------------------------------------------------
def test_vendor_create_makes_vendor_organisation(manager):
    vendor = vendor_create(actor=manager, name="锐捷", offers_onsite_service=True)
    assert vendor.organisation.kind == "vendor"


def test_serial_unique_per_vendor():
    vendor = VendorFactory()
    DeviceFactory(vendor=vendor, serial_number="X")
    DeviceFactory(vendor=VendorFactory(), serial_number="X")  # another vendor may reuse it
    DeviceFactory(vendor=vendor, serial_number="")  # software without serial
    DeviceFactory(vendor=vendor, serial_number="")
    with pytest.raises(IntegrityError):
        DeviceFactory(vendor=vendor, serial_number="X")


def test_device_create_records_history_and_checks_customer(manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    device = device_create(
        actor=manager,
        customer=customer,
        site=site,
        vendor=VendorFactory(),
        model="DS-2CD",
        serial_number=" SN1 ",
        ip_address="10.0.0.1",
    )
    assert device.serial_number == "SN1"
    assert device.events.get().kind == DeviceEventKind.CREATED
    with pytest.raises(ValidationError):
        device_create(actor=manager, customer=customer, site=SiteFactory(), vendor=VendorFactory(), model="X")


def test_device_subsystem_must_be_in_project(manager):
    customer = CustomerFactory()
    project = ProjectFactory(customer=customer)
    other = SubsystemFactory(project=ProjectFactory(customer=customer))
    with pytest.raises(ValidationError):
        device_create(
            actor=manager,
            customer=customer,
            site=SiteFactory(customer=customer),
            vendor=VendorFactory(),
            model="X",
            project=project,
            subsystem=other,
        )


def test_device_update_records_changed_fields(manager):
    device = DeviceFactory(location="旧位置")
    device_update(device=device, actor=manager, location="新位置", installed_on=datetime.date(2024, 1, 2))
    event = device.events.get(kind=DeviceEventKind.UPDATED)
    assert event.data == {"location": ["旧位置", "新位置"], "installed_on": [None, "2024-01-02"]}
    device_update(device=device, actor=manager, location="新位置")  # no change, no event
    assert device.events.filter(kind=DeviceEventKind.UPDATED).count() == 1


def test_device_set_status_once(manager):
    device = DeviceFactory()
    device_set_status(device=device, status=DeviceStatus.FAULTY, actor=manager, note="无法开机")
    device_set_status(device=device, status=DeviceStatus.FAULTY, actor=manager)
    events = list(device.events.filter(kind=DeviceEventKind.STATUS_CHANGED))
    assert len(events) == 1
    assert (events[0].old_status, events[0].new_status) == ("in_service", "faulty")
    with pytest.raises(ValidationError):
        device_set_status(device=device, status="stolen", actor=manager)


def test_device_replace_links_both_histories(manager):
    old = DeviceFactory(parameters={"VLAN": "100"}, ip_address="10.1.1.1")
    new = device_replace(device=old, actor=manager, serial_number="NEW-1", note="主板故障")
    old.refresh_from_db()
    assert old.status == DeviceStatus.RETIRED
    assert new.parameters == {"VLAN": "100"}
    assert new.site_id == old.site_id
    assert old.events.get(kind=DeviceEventKind.REPLACED).related_device == new
    assert new.events.get().related_device == old
    with pytest.raises(ValidationError):
        device_replace(device=old, actor=manager, serial_number="NEW-2")


def test_warranty_helpers():
    device = DeviceFactory.build(warranty_end=datetime.date(2025, 1, 1))
    assert device.in_warranty(datetime.date(2025, 1, 1)) is True
    assert device.in_warranty(datetime.date(2025, 1, 2)) is False
    assert DeviceFactory.build(warranty_end=None).in_warranty() is None


def test_project_create_and_missing_documents(manager):
    customer = CustomerFactory()
    project = project_create(actor=manager, customer=customer, code="P1", name="监控改造", built_by_us=False)
    missing = project_missing_document_types(project=project)
    assert DocumentType.DRAWING in missing
    document_create(
        actor=manager,
        customer=customer,
        project=project,
        doc_type=DocumentType.DRAWING,
        title="图纸",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    assert DocumentType.DRAWING not in project_missing_document_types(project=project)


# --- documents ---------------------------------------------------------------------------------------------------
def test_document_versions_keep_old_files(manager):
    project = ProjectFactory()
    doc = document_create(
        actor=manager,
        customer=project.customer,
        project=project,
        doc_type=DocumentType.CONFIGURATION,
        title="配置",
        upload=SimpleUploadedFile("v1.txt", b"version one"),
    )
    document_add_version(document=doc, actor=manager, upload=SimpleUploadedFile("v2.txt", b"version two"), note="更新")
    doc.refresh_from_db()
    assert doc.current_version == 2
    v1, v2 = doc.versions.order_by("number")
    assert v1.file.read() == b"version one"
    assert v2.file.read() == b"version two"
    assert v1.file.name != v2.file.name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),  # an executable named .pdf
        ("tool.exe", b"MZ\x90\x00"),  # forbidden extension
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("notes.txt", b"<!DOCTYPE html><script>alert(1)</script>"),  # HTML disguised as text
        ("image.png", PDF),  # content does not match the extension
        ("empty.pdf", b""),
    ],
)
def test_document_upload_checks(manager, name, content):
    project = ProjectFactory()
    with pytest.raises(ValidationError):
        document_create(
            actor=manager,
            customer=project.customer,
            project=project,
            doc_type=DocumentType.OTHER,
            title="x",
            upload=SimpleUploadedFile(name, content),
        )
    assert not project.documents.exists()


@override_settings(WEIBAO_MAX_UPLOAD_MB=0)
def test_document_upload_size_limit(manager):
    project = ProjectFactory()
    with pytest.raises(ValidationError) as excinfo:
        document_create(
            actor=manager,
            customer=project.customer,
            project=project,
            doc_type=DocumentType.OTHER,
            title="x",
            upload=SimpleUploadedFile("a.pdf", PDF),
        )
    assert excinfo.value.error_list[0].code == "too_large"


def test_document_download_is_attachment_and_audited(client, manager, customer_a_user, customer_b_user, customer_a_org):
    project = ProjectFactory(customer=CustomerFactory(organisation=customer_a_org))
    doc = document_create(
        actor=manager,
        customer=project.customer,
        project=project,
        doc_type=DocumentType.DRAWING,
        title="图纸",
        upload=SimpleUploadedFile("图纸.pdf", PDF),
    )
    url = reverse("assets:document_download", args=[doc.pk, 1])
    client.force_login(customer_a_user)
    response = client.get(url, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    audit = DocumentDownload.objects.get()
    assert (audit.user, audit.ip_address) == (customer_a_user, "192.0.2.7")
    client.force_login(customer_b_user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("assets:document_detail", args=[doc.pk])).status_code == 404
    assert DocumentDownload.objects.count() == 1


def test_document_upload_view(client, manager):
    project = ProjectFactory()
    client.force_login(manager)
    url = reverse("assets:document_upload") + f"?project={project.pk}"
    response = client.post(url, {"doc_type": "drawing", "title": "施工图", "file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 302
    response = client.post(url, {"doc_type": "drawing", "title": "坏的", "file": SimpleUploadedFile("a.pdf", b"MZ..")})
    assert response.status_code == 200
    assert project.documents.count() == 1
    doc = project.documents.get()
    response = client.post(reverse("assets:document_detail", args=[doc.pk]), {"file": SimpleUploadedFile("b.pdf", PDF)})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.current_version == 2


# --- lists, search, scoping ----------------------------------------------------------------------------------------
def test_device_list_filters_and_keyset_pages(manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    devices = [DeviceFactory(customer=customer, site=site) for _ in range(5)]
    DeviceFactory()  # another customer
    qs = device_list(user=manager, filters=DeviceFilter(customer=customer.pk))
    first = keyset_page(qs, after=None, size=3)
    assert [d.pk for d in first.items] == [d.pk for d in reversed(devices)][:3]
    second = keyset_page(qs, after=first.next_after, size=3)
    assert [d.pk for d in second.items] == [devices[1].pk, devices[0].pk]
    assert second.next_after is None


def test_search_by_name_serial_ip_model_location_chinese(manager):
    device = DeviceFactory(
        name="核心交换机",
        serial_number="2102351ABC",
        ip_address="10.9.8.7",
        model="CloudEngine S12708",
        location="三楼机房 A02",
    )
    DeviceFactory(name="摄像机", serial_number="ZZZ", ip_address="10.9.8.70", model="DS-2CD", location="大厅")
    for q in ("核心", "2102351abc", "10.9.8.7", "cloudengine", "三楼机房", "a02 核心", "三楼", "机房 核心"):
        assert [d.pk for d in device_list(user=manager, filters=DeviceFilter(q=q))] == [device.pk], q


def test_estate_search_finds_customers_sites_devices(manager):
    customer = CustomerFactory(name="南京鼓楼医院")
    site = SiteFactory(customer=customer, name="鼓楼门诊", address="中山路321号")
    DeviceFactory(customer=customer, site=site, location="鼓楼机房")
    result = estate_search(user=manager, q="鼓楼")
    assert result.customers == [customer]
    assert result.sites == [site]
    assert len(result.devices) == 1


def test_search_is_scoped(customer_a_user, two_estates):
    a, b = two_estates
    assert [d.pk for d in estate_search(user=customer_a_user, q="核心交换机").devices] == [a.pk]


def test_vendor_sees_no_estate(vendor_user, two_estates, client):
    assert list(device_list(user=vendor_user, filters=DeviceFilter())) == []
    client.force_login(vendor_user)
    assert client.get(reverse("assets:device_detail", args=[two_estates[0].pk])).status_code == 404


def test_device_pages_scoped_for_customers(client, customer_a_user, two_estates):
    a, b = two_estates
    client.force_login(customer_a_user)
    page = client.get(reverse("assets:device_list")).text
    assert "甲核心交换机" in page
    assert "乙核心交换机" not in page
    for name in ("device_detail", "briefing_device"):
        assert client.get(reverse(f"assets:{name}", args=[a.pk])).status_code == 200
        assert client.get(reverse(f"assets:{name}", args=[b.pk])).status_code == 404
    assert client.get(reverse("assets:briefing_site", args=[b.site_id])).status_code == 404
    assert client.get(reverse("assets:device_edit", args=[a.pk])).status_code == 403  # read-only


def test_device_list_query_count_and_htmx(client, manager, django_assert_max_num_queries):
    for _ in range(30):
        DeviceFactory()
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assets:device_list"))
    assert response.status_code == 200
    response = client.get(reverse("assets:device_list") + "?q=交换机&status=in_service", headers={"HX-Request": "true"})
    assert "<html" not in response.text


def test_device_create_and_edit_views(client, manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    vendor = VendorFactory()
    client.force_login(manager)
    url = reverse("assets:device_create") + f"?customer={customer.pk}"
    data = {
        "site": site.pk,
        "vendor": vendor.pk,
        "category": "hardware",
        "model": "S5735",
        "serial_number": "UI-1",
        "parameters": "VLAN=10\n堆叠=否",
        "ip_address": "10.0.0.1",
    }
    response = client.post(url, data)
    device = Device.objects.get(serial_number="UI-1")
    assert response.status_code == 302
    assert device.parameters == {"VLAN": "10", "堆叠": "否"}
    response = client.post(url, {**data, "ip_address": "not-an-ip", "serial_number": "UI-2"})
    assert response.status_code == 200
    response = client.post(url, data)  # duplicate serial for the vendor
    assert response.status_code == 200
    assert Device.objects.count() == 1
    response = client.post(reverse("assets:device_edit", args=[device.pk]), {**data, "location": "机房"})
    assert response.status_code == 302
    assert device.events.filter(kind="updated").get().data == {"location": ["", "机房"]}
    client.post(reverse("assets:device_set_status", args=[device.pk]), {"status": "faulty"})
    device.refresh_from_db()
    assert device.status == "faulty"


# --- briefing ----------------------------------------------------------------------------------------------------
def test_briefing_page_shows_everything_and_registered_sections(client, manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer, name="门诊楼")
    project = ProjectFactory(customer=customer, site=site, built_by_us=False)
    subsystem = SubsystemFactory(project=project, cautions="重启前联系信息科")
    DeviceFactory(
        customer=customer,
        site=site,
        project=project,
        subsystem=subsystem,
        parameters={"VLAN": "100"},
        warranty_end=datetime.date(2020, 1, 1),
    )

    def section(*, request, site=None, project=None, device=None):
        return {
            "title": "合同与服务权益",
            "template": "assets/partials/_test_section.html",
            "context": {"word": "<b>x</b>"},
            "order": 5,
        }

    def broken(**kwargs):
        raise RuntimeError("boom")

    briefing.register_section(section)
    briefing.register_section(broken)
    try:
        client.force_login(manager)
        for url in (
            reverse("assets:briefing_site", args=[site.pk]),
            reverse("assets:briefing_project", args=[project.pk]),
        ):
            page = client.get(url).text
            assert "重启前联系信息科" in page
            assert "VLAN=100" in page
            assert "合同与服务权益" in page
            assert "&lt;b&gt;x&lt;/b&gt;" in page
    finally:
        briefing.unregister(section)
        briefing.unregister(broken)


def test_device_panel_hook(client, manager):
    device = DeviceFactory()

    def panel(*, request, site=None, project=None, device=None):
        return {
            "title": "保修与合同",
            "template": "assets/partials/_test_section.html",
            "context": {"word": device.serial_number},
        }

    briefing.register_device_panel(panel)
    try:
        client.force_login(manager)
        page = client.get(reverse("assets:device_detail", args=[device.pk])).text
        assert "保修与合同" in page
        assert device.serial_number in page
    finally:
        briefing.unregister(panel)


# --- API ---------------------------------------------------------------------------------------------------------
def test_api_devices_scoped_and_paginated(client, customer_a_user, two_estates):
    a, b = two_estates
    client.force_login(customer_a_user)
    body = client.get("/api/estate/devices").json()
    assert [d["id"] for d in body["items"]] == [a.pk]
    assert client.get(f"/api/estate/devices/{b.pk}").status_code == 404
    assert client.get(f"/api/estate/devices/{b.pk}/history").status_code == 404
    assert (
        client.patch(f"/api/estate/devices/{a.pk}", {"location": "x"}, content_type="application/json").status_code
        == 403
    )
    assert client.get("/api/estate/search?q=核心").json()["devices"][0]["id"] == a.pk


def test_api_vendor_user_sees_nothing(client, vendor_user, two_estates):
    client.force_login(vendor_user)
    assert client.get("/api/estate/devices").json()["items"] == []
    assert client.get(f"/api/estate/devices/{two_estates[0].pk}").status_code == 404


def test_api_device_create_update_status(client, manager):
    customer = CustomerFactory()
    site = SiteFactory(customer=customer)
    vendor = VendorFactory()
    client.force_login(manager)
    payload = {
        "customer_id": customer.pk,
        "site_id": site.pk,
        "vendor_id": vendor.pk,
        "model": "S5735",
        "serial_number": "API-1",
        "parameters": {"VLAN": "100"},
    }
    response = client.post("/api/estate/devices", payload, content_type="application/json")
    assert response.status_code == 201
    device_id = response.json()["id"]
    assert client.post("/api/estate/devices", payload, content_type="application/json").status_code == 422
    response = client.patch(f"/api/estate/devices/{device_id}", {"location": "机房"}, content_type="application/json")
    assert response.json()["location"] == "机房"
    response = client.post(
        f"/api/estate/devices/{device_id}/status", {"status": "faulty"}, content_type="application/json"
    )
    assert response.json()["status"] == "faulty"
    response = client.post(
        f"/api/estate/devices/{device_id}/status", {"status": "nope"}, content_type="application/json"
    )
    assert response.status_code == 422
    other_site = SiteFactory()
    response = client.post(
        "/api/estate/devices",
        {**payload, "serial_number": "API-2", "site_id": other_site.pk},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_api_projects_and_subsystems(client, manager, customer_b_user):
    customer = CustomerFactory()
    client.force_login(manager)
    response = client.post(
        "/api/estate/projects",
        {"customer_id": customer.pk, "code": "P9", "name": "网络改造"},
        content_type="application/json",
    )
    assert response.status_code == 201
    pid = response.json()["id"]
    response = client.post(
        f"/api/estate/projects/{pid}/subsystems", {"kind": "network", "name": "核心网"}, content_type="application/json"
    )
    assert response.status_code == 201
    client.force_login(customer_b_user)
    assert client.get(f"/api/estate/projects/{pid}").status_code == 404
    assert client.get(f"/api/estate/projects/{pid}/subsystems").status_code == 404


@pytest.mark.postgres
def test_trigram_indexes_exist_and_serve_search(manager):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%search_trgm_idx"])
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"device_search_trgm_idx", "customer_search_trgm_idx", "site_search_trgm_idx"}
    device = DeviceFactory(location="中心机房 A02")
    qs = device_list(user=manager, filters=DeviceFilter(q="中心机房"))
    assert list(qs) == [device]
    with connection.cursor() as cursor:
        # Plain index scans off too: with tiny test tables (and statistics left by other tests) the planner may
        # walk the primary key instead; only a bitmap scan of a trigram index can then answer the filter.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "device_search_trgm_idx" in plan
    # Two-character terms go through the doubled-character column and its index (migration 0006).
    other = DeviceFactory(location="机房外 B")
    assert set(device_list(user=manager, filters=DeviceFilter(q="机房"))) == {device, other}
    assert list(device_list(user=manager, filters=DeviceFilter(q="火星"))) == []
    qs = device_list(user=manager, filters=DeviceFilter(q="机房"))
    with connection.cursor() as cursor:
        # Plain index scans off too: with tiny test tables (and statistics left by other tests) the planner may
        # walk the primary key instead; only a bitmap scan of a trigram index can then answer the filter.
        cursor.execute("SET enable_seqscan = off; SET enable_indexscan = off")
        plan = qs.explain()
        cursor.execute("RESET enable_seqscan; RESET enable_indexscan")
    assert "device_pairs_trgm_idx" in plan


def test_api_documents_upload_versions_download(client, manager, customer_a_user, customer_b_user, customer_a_org):
    project = ProjectFactory(customer=CustomerFactory(organisation=customer_a_org))
    client.force_login(manager)
    response = client.post(
        "/api/estate/documents",
        {"doc_type": "drawing", "title": "施工图", "project_id": project.pk, "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 201, response.content
    doc_id = response.json()["id"]
    response = client.post(
        "/api/estate/documents",
        {
            "doc_type": "drawing",
            "title": "坏",
            "project_id": project.pk,
            "file": SimpleUploadedFile("a.pdf", b"MZ\x90\x00"),
        },
    )
    assert response.status_code == 422
    response = client.post(f"/api/estate/documents/{doc_id}/versions", {"file": SimpleUploadedFile("b.pdf", PDF)})
    assert response.json()["number"] == 2
    client.force_login(customer_a_user)
    assert [v["number"] for v in client.get(f"/api/estate/documents/{doc_id}/versions").json()] == [2, 1]
    response = client.get(f"/api/estate/documents/{doc_id}/versions/1/file")
    assert response["Content-Disposition"].startswith("attachment")
    assert DocumentDownload.objects.filter(user=customer_a_user).count() == 1
    assert (
        client.post(f"/api/estate/documents/{doc_id}/versions", {"file": SimpleUploadedFile("c.pdf", PDF)}).status_code
        == 403
    )
    client.force_login(customer_b_user)
    assert client.get(f"/api/estate/documents/{doc_id}/versions/1/file").status_code == 404
    assert client.get(f"/api/estate/documents/{doc_id}/versions").status_code == 404


def test_api_device_replace(client, manager):
    device = DeviceFactory()
    client.force_login(manager)
    response = client.post(
        f"/api/estate/devices/{device.pk}/replace", {"serial_number": "NEW-9"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["serial_number"] == "NEW-9"
    response = client.post(
        f"/api/estate/devices/{device.pk}/replace", {"serial_number": "NEW-10"}, content_type="application/json"
    )
    assert response.status_code == 422  # already retired


def test_search_project_list_and_briefing_query_counts(client, manager, django_assert_max_num_queries):
    customer = CustomerFactory(name="鼓楼医院")
    site = SiteFactory(customer=customer)
    project = ProjectFactory(customer=customer, site=site)
    subsystem = SubsystemFactory(project=project)
    for _ in range(25):
        DeviceFactory(customer=customer, site=site, project=project, subsystem=subsystem, location="鼓楼机房")
    for _ in range(10):
        ProjectFactory()
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("assets:search") + "?q=鼓楼").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("assets:project_list")).status_code == 200
    # The briefing's queries do not grow with the number of devices.
    with django_assert_max_num_queries(25):
        assert client.get(reverse("assets:briefing_site", args=[site.pk])).status_code == 200


def test_project_export(client, manager, customer_b_user):
    ProjectFactory(name="+SUM(1,2)", code="P-X")
    client.force_login(manager)
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(client.get(reverse("assets:project_export")).content)).active
    assert list(ws.iter_rows(min_row=2, values_only=True))[0][:2] == ("P-X", "'+SUM(1,2)")
    client.force_login(customer_b_user)
    ws = load_workbook(io.BytesIO(client.get(reverse("assets:project_export")).content)).active
    assert list(ws.iter_rows(min_row=2, values_only=True)) == []


def test_download_log_visible_to_managers_only(client, manager, field_engineer):
    project = ProjectFactory()
    doc = document_create(
        actor=manager,
        customer=project.customer,
        project=project,
        doc_type=DocumentType.DRAWING,
        title="图纸",
        upload=SimpleUploadedFile("a.pdf", PDF),
    )
    client.force_login(field_engineer)
    b"".join(client.get(reverse("assets:document_download", args=[doc.pk, 1])).streaming_content)
    assert "download-audit" not in client.get(reverse("assets:document_detail", args=[doc.pk])).text
    client.force_login(manager)
    page = client.get(reverse("assets:document_detail", args=[doc.pk])).text
    assert "download-audit" in page
    assert field_engineer.name in page


def test_vendor_views_and_rename(client, manager, field_engineer):
    client.force_login(manager)
    response = client.post(reverse("assets:vendor_create"), {"name": "新华三", "support_phone": "400-810-0504"})
    assert response.status_code == 302
    from weibao.assets.models import Vendor

    vendor = Vendor.objects.get(name="新华三")
    response = client.post(
        reverse("assets:vendor_edit", args=[vendor.pk]), {"name": "H3C 新华三", "offers_onsite_service": "on"}
    )
    vendor.refresh_from_db()
    assert (vendor.name, vendor.offers_onsite_service, vendor.organisation.name) == ("H3C 新华三", True, "H3C 新华三")
    assert client.post(reverse("assets:vendor_create"), {"name": "H3C 新华三"}).status_code == 200  # duplicate name
    client.force_login(field_engineer)
    assert client.get(reverse("assets:vendor_list")).status_code == 403


def test_project_subsystem_installer_views(client, manager, customer_a_user, customer_b_org):
    customer = CustomerFactory(organisation=customer_b_org)
    site = SiteFactory(customer=customer)
    client.force_login(manager)
    url = reverse("assets:project_create") + f"?customer={customer.pk}"
    response = client.post(url, {"code": "P-1", "name": "监控改造", "site": site.pk, "built_by_us": ""})
    assert response.status_code == 302
    project = customer.projects.get()
    assert not project.built_by_us
    assert client.post(url, {"code": "P-1", "name": "重复编号"}).status_code == 200  # duplicate code per customer
    response = client.post(
        reverse("assets:project_edit", args=[project.pk]), {"code": "P-1", "name": "监控改造二期", "site": site.pk}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("assets:subsystem_create", args=[project.pk]),
        {"kind": "surveillance", "name": "视频监控", "cautions": "录像调取须书面同意"},
    )
    assert response.status_code == 302
    subsystem = project.subsystems.get()
    response = client.post(reverse("assets:subsystem_edit", args=[subsystem.pk]), {"kind": "nonsense", "name": "x"})
    assert response.status_code == 200  # invalid kind
    response = client.post(
        reverse("assets:installer_add", args=[project.pk]), {"name": "陈海", "mobile": "13851112222"}
    )
    assert project.installers.get().name == "陈海"
    page = client.get(reverse("assets:project_detail", args=[project.pk])).text
    assert "录像调取须书面同意" in page
    assert 'data-testid="missing-documents"' in page
    client.force_login(customer_a_user)
    assert client.get(reverse("assets:project_detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("assets:briefing_project", args=[project.pk])).status_code == 404


# --- review fixes --------------------------------------------------------------------------------------------------
def test_api_device_patch_refuses_null_for_text_fields(client, manager):
    device = DeviceFactory(name="核心交换机")
    client.force_login(manager)
    url = f"/api/estate/devices/{device.pk}"
    for field in ("name", "model", "site_id", "parameters"):
        response = client.patch(url, {field: None}, content_type="application/json")
        assert response.status_code == 422, field
    device.refresh_from_db()
    assert device.name == "核心交换机"
    device.warranty_end = datetime.date(2030, 1, 1)
    device.save()
    assert client.patch(url, {"warranty_end": None}, content_type="application/json").status_code == 200
    device.refresh_from_db()
    assert device.warranty_end is None


def test_device_services_check_ip_and_warranty_dates(manager):
    device = DeviceFactory()
    with pytest.raises(ValidationError) as exc:
        device_update(device=device, actor=manager, ip_address="10.0.0.300")
    assert "ip_address" in exc.value.message_dict
    updated = device_update(device=device, actor=manager, ip_address=" 2001:DB8::1 ")
    assert updated.ip_address == "2001:db8::1"
    with pytest.raises(ValidationError) as exc:
        device_create(
            actor=manager,
            customer=device.customer,
            site=device.site,
            vendor=device.vendor,
            model="X",
            serial_number="W-1",
            installed_on=datetime.date(2024, 3, 1),
            warranty_end=datetime.date(2024, 2, 1),
        )
    assert "warranty_end" in exc.value.message_dict
    with pytest.raises(ValidationError):
        device_replace(device=device, actor=manager, serial_number="  ")
    device.refresh_from_db()
    assert device.status == DeviceStatus.IN_SERVICE
    assert Device.objects.count() == 1


def test_api_device_create_refuses_bad_ip(client, manager):
    device = DeviceFactory()
    client.force_login(manager)
    payload = {
        "customer_id": device.customer_id,
        "site_id": device.site_id,
        "vendor_id": device.vendor_id,
        "model": "S5735",
        "serial_number": "NEW-1",
        "ip_address": "not-an-ip",
    }
    assert client.post("/api/estate/devices", payload, content_type="application/json").status_code == 422
    payload["ip_address"] = "10.0.0.1"
    assert client.post("/api/estate/devices", payload, content_type="application/json").status_code == 201


def test_briefing_site_queries_do_not_grow_with_projects(client, manager, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.WEIBAO_QUEUE_COUNTS_TTL = 0  # the estate part built on every view (else only once per estate version)
    site = SiteFactory()
    client.force_login(manager)
    url = reverse("assets:briefing_site", args=[site.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    ProjectFactory(customer=site.customer, site=site, built_by_us=False)
    client.get(url)  # warm per-process caches
    one = count()
    for _ in range(4):
        ProjectFactory(customer=site.customer, site=site, built_by_us=False)
    assert count() == one


def test_site_briefing_takes_projects_vendors_and_missing_documents_from_what_it_loads(client, manager):
    from weibao.assets.selectors import briefing_data
    from weibao.assets.tests.factories import DocumentFactory

    site = SiteFactory()
    here = ProjectFactory(customer=site.customer, site=site, name="甲项目")
    # A project registered at another site whose devices stand here belongs to this site's briefing too.
    elsewhere = ProjectFactory(customer=site.customer, site=SiteFactory(customer=site.customer), name="乙项目")
    ProjectFactory(customer=site.customer, site=SiteFactory(customer=site.customer), name="丙项目")
    vendor = VendorFactory(name="海康威视")
    DeviceFactory(customer=site.customer, site=site, project=elsewhere, vendor=vendor)
    DocumentFactory(project=here, doc_type=DocumentType.DRAWING, current_version=1)
    DocumentFactory(project=here, doc_type=DocumentType.CONFIGURATION, current_version=0)  # nothing uploaded yet

    data = briefing_data(user=manager, site=site)

    assert [p.name for p in data["projects"]] == ["乙项目", "甲项目"]  # by name (code point order)
    assert data["vendors"] == [vendor]
    missing = dict(data["missing_documents"])
    assert DocumentType.DRAWING not in missing[here]
    assert DocumentType.CONFIGURATION in missing[here]
    assert DocumentType.DRAWING in missing[elsewhere]
    client.force_login(manager)
    page = client.get(reverse("assets:briefing_site", args=[site.pk])).text
    assert "海康威视" in page
    assert "乙项目" in page
