import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weibao.assets import excel
from weibao.assets.choices import ImportStatus
from weibao.assets.models import Device, DeviceEvent, ImportJob
from weibao.assets.services import import_check, import_commit, import_start
from weibao.assets.tests.factories import DeviceFactory, ProjectFactory, SubsystemFactory, VendorFactory
from weibao.assets.tests.xlsx import HEADERS, row, xlsx_bytes, xlsx_upload
from weibao.core.excel import XLSX_CONTENT_TYPE
from weibao.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Error messages are asserted in English; the UI's default language is Chinese.
    with translation.override("en"):
        yield


@pytest.fixture
def estate():
    customer = CustomerFactory()
    site = SiteFactory(customer=customer, name="总部大楼")
    project = ProjectFactory(customer=customer)
    subsystem = SubsystemFactory(project=project, name="网络系统")
    vendor = VendorFactory(name="华为")
    return {"customer": customer, "site": site, "project": project, "subsystem": subsystem, "vendor": vendor}


def run(manager, estate, rows, headers=None, project=True) -> ImportJob:
    job = import_start(
        actor=manager,
        customer=estate["customer"],
        project=estate["project"] if project else None,
        upload=xlsx_upload(rows, headers),
    )
    return import_check(job_id=job.pk)


def messages(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in job.errors]


def test_valid_file_previews_then_commits_all_rows(manager, estate):
    rows = [
        row(
            site="总部大楼",
            subsystem="网络系统",
            serial_number=f"SN{i}",
            ip_address=f"10.0.0.{i}",
            installed_on=datetime.date(2024, 1, 1),
            warranty_end="2027/1/1",
            parameters="VLAN=100; 堆叠=是",
        )
        for i in range(1, 4)
    ]
    job = run(manager, estate, rows)
    assert job.status == ImportStatus.VALID
    assert job.total_rows == 3
    assert len(job.preview) == 3
    assert Device.objects.count() == 0  # preview writes nothing
    job = import_commit(job_id=job.pk, actor=manager)
    assert job.status == ImportStatus.DONE
    assert job.created_count == 3
    device = Device.objects.get(serial_number="SN2")
    assert device.parameters == {"VLAN": "100", "堆叠": "是"}
    assert device.warranty_end == datetime.date(2027, 1, 1)
    assert device.subsystem == estate["subsystem"]
    assert device.project == estate["project"]
    assert DeviceEvent.objects.filter(kind="imported").count() == 3


def test_commit_twice_imports_once(manager, estate):
    job = run(manager, estate, [row(site="总部大楼", serial_number="A1")])
    import_commit(job_id=job.pk, actor=manager)
    import_commit(job_id=job.pk, actor=manager)
    assert Device.objects.count() == 1


def test_missing_required_columns(manager, estate):
    headers = [h for h in HEADERS if h not in ("站点", "序列号")]
    job = run(manager, estate, [["x"] * len(headers)], headers=headers)
    assert job.status == ImportStatus.INVALID
    assert "站点" in job.errors[0]["message"]
    assert "序列号" in job.errors[0]["message"]


def test_english_headers_are_accepted(manager, estate):
    headers = ["Site", "Vendor", "Model", "Serial Number"]
    job = run(manager, estate, [["总部大楼", "华为", "S5735", "EN1"]], headers=headers)
    assert job.status == ImportStatus.VALID


def test_duplicate_serial_within_file(manager, estate):
    job = run(manager, estate, [row(site="总部大楼", serial_number="DUP"), row(site="总部大楼", serial_number="DUP")])
    assert messages(job) == [(3, "序列号", "Serial number “DUP” already appears in row 2.")]


def test_duplicate_serial_in_database(manager, estate):
    DeviceFactory(vendor=estate["vendor"], serial_number="OLD1")
    job = run(manager, estate, [row(site="总部大楼", serial_number="OLD1")])
    assert messages(job) == [(2, "序列号", "Serial number “OLD1” is already registered for this vendor.")]


def test_same_serial_other_vendor_is_fine(manager, estate):
    DeviceFactory(vendor=VendorFactory(name="思科"), serial_number="X1")
    job = run(manager, estate, [row(site="总部大楼", serial_number="X1")])
    assert job.status == ImportStatus.VALID


def test_unknown_site_subsystem_and_vendor(manager, estate):
    other_customer_site = SiteFactory(name="别人的站点")
    job = run(
        manager,
        estate,
        [
            row(site="不存在的站点", serial_number="A"),
            row(site=other_customer_site.name, serial_number="B"),
            row(site="总部大楼", subsystem="不存在的子系统", serial_number="C"),
            row(site="总部大楼", vendor="无名厂商", serial_number="D"),
        ],
    )
    assert [(e[0], e[1]) for e in messages(job)] == [(2, "站点"), (3, "站点"), (4, "子系统"), (5, "厂商")]


def test_subsystem_without_project_is_unknown(manager, estate):
    job = run(manager, estate, [row(site="总部大楼", subsystem="网络系统", serial_number="A")], project=False)
    assert [(e[0], e[1]) for e in messages(job)] == [(2, "子系统")]


def test_bad_dates_and_wrong_types(manager, estate):
    job = run(
        manager,
        estate,
        [
            row(site="总部大楼", serial_number="A", installed_on="去年"),
            row(site="总部大楼", serial_number="B", installed_on="2025-01-01", warranty_end="2024-01-01"),
            row(site="总部大楼", serial_number="C", ip_address="999.1.1.1"),
            row(site="总部大楼", serial_number="D", status="坏了"),
            row(site="总部大楼", serial_number="E", model=datetime.datetime(2024, 1, 1)),  # noqa: DTZ001
            row(site="总部大楼", serial_number="F", parameters="只有键没有值"),
            row(site="总部大楼", serial_number="G", installed_on=45000),
            row(site="总部大楼", serial_number="", category="硬件"),
            row(site="总部大楼", serial_number="H", model=None),
            row(site="总部大楼", serial_number="I" * 200),
        ],
    )
    found = [(e[0], e[1]) for e in messages(job)]
    assert (2, "安装日期") in found
    assert (3, "保修截止") in found
    assert (4, "IP地址") in found
    assert (5, "状态") in found
    assert (6, "型号") in found
    assert (7, "参数") in found
    assert (8, "安装日期") in found
    assert (9, "序列号") in found
    assert (10, "型号") in found
    assert (11, "序列号") in found
    assert job.status == ImportStatus.INVALID
    assert Device.objects.count() == 0


def test_numeric_serial_and_software_without_serial(manager, estate):
    job = run(
        manager,
        estate,
        [row(site="总部大楼", serial_number=123456789), row(site="总部大楼", serial_number=None, category="软件")],
    )
    assert job.status == ImportStatus.VALID
    import_commit(job_id=job.pk, actor=manager)
    assert set(Device.objects.values_list("serial_number", flat=True)) == {"123456789", ""}


def test_one_bad_row_imports_nothing(manager, estate):
    rows = [row(site="总部大楼", serial_number=f"OK{i}") for i in range(50)] + [row(site="火星", serial_number="BAD")]
    job = run(manager, estate, rows)
    assert job.status == ImportStatus.INVALID
    with pytest.raises(Exception):  # noqa: B017, PT011 - any refusal will do; the point is nothing is written
        import_commit(job_id=job.pk, actor=manager)
    assert Device.objects.count() == 0


def test_conflict_appearing_between_preview_and_commit_imports_nothing(manager, estate):
    job = run(manager, estate, [row(site="总部大楼", serial_number="R1"), row(site="总部大楼", serial_number="R2")])
    assert job.status == ImportStatus.VALID
    DeviceFactory(vendor=estate["vendor"], serial_number="R2")  # someone registers it meanwhile
    job = import_commit(job_id=job.pk, actor=manager)
    assert job.status == ImportStatus.INVALID
    assert not Device.objects.filter(serial_number="R1").exists()


def test_hostile_text_is_stored_as_text(manager, estate, client):
    script = "<script>alert('x')</script>"
    job = run(manager, estate, [row(site="总部大楼", serial_number="H1", name=script, location="=cmd|' /C calc'!A0")])
    import_commit(job_id=job.pk, actor=manager)
    device = Device.objects.get(serial_number="H1")
    assert device.name == script
    client.force_login(manager)
    page = client.get(reverse("assets:device_detail", args=[device.pk])).text
    assert script not in page
    assert "&lt;script&gt;" in page


def test_hostile_site_name_in_error_report_is_escaped(manager, estate, client):
    job = run(manager, estate, [row(site="<img src=x onerror=alert(1)>", serial_number="A")])
    client.force_login(manager)
    page = client.get(reverse("assets:import_detail", args=[job.pk])).text
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


def test_non_excel_upload_is_refused(manager, estate):
    fake = SimpleUploadedFile("list.xlsx", b"this is not excel at all", content_type="application/octet-stream")
    with pytest.raises(ValidationError):
        import_start(actor=manager, customer=estate["customer"], upload=fake)
    csv = SimpleUploadedFile("list.csv", b"a,b,c\n", content_type="text/csv")
    with pytest.raises(ValidationError):
        import_start(actor=manager, customer=estate["customer"], upload=csv)
    assert ImportJob.objects.count() == 0


def test_corrupt_zip_named_xlsx_is_reported(manager, estate):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    upload = SimpleUploadedFile("list.xlsx", buf.getvalue())
    job = import_start(actor=manager, customer=estate["customer"], upload=upload)
    job = import_check(job_id=job.pk)
    assert job.status == ImportStatus.INVALID
    assert job.errors[0]["row"] == 0


@override_settings(WEIBAO_MAX_UPLOAD_MB=0)
def test_oversized_upload_is_refused(manager, estate):
    with pytest.raises(ValidationError, match="too large"):
        import_start(
            actor=manager, customer=estate["customer"], upload=xlsx_upload([row(site="总部大楼", serial_number="A")])
        )


def test_empty_file(manager, estate):
    job = run(manager, estate, [])
    assert job.status == ImportStatus.INVALID
    assert job.errors[0]["row"] == 0


def test_ten_thousand_rows(manager, estate):
    rows = [
        row(
            site="总部大楼",
            subsystem="网络系统",
            serial_number=f"BULK{i:06d}",
            ip_address=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
            installed_on=datetime.date(2024, 1, 1),
            warranty_end=datetime.date(2027, 1, 1),
            location=f"机柜{i % 40}",
        )
        for i in range(10_000)
    ]
    job = run(manager, estate, rows)
    assert job.status == ImportStatus.VALID, job.errors[:3]
    assert job.total_rows == 10_000
    job = import_commit(job_id=job.pk, actor=manager)
    assert job.created_count == 10_000
    assert Device.objects.filter(customer=estate["customer"]).count() == 10_000


def test_template_round_trips_through_the_checker(manager, estate):
    estate["site"].name = "总部大楼"
    job = import_start(
        actor=manager,
        customer=estate["customer"],
        project=estate["project"],
        upload=SimpleUploadedFile("t.xlsx", excel.build_template()),
    )
    job = import_check(job_id=job.pk)
    assert job.status == ImportStatus.VALID, job.errors


def test_import_views_flow(client, manager, estate):
    client.force_login(manager)
    url = reverse("assets:import_start") + f"?customer={estate['customer'].pk}"
    assert client.get(url).status_code == 200
    assert client.get(reverse("assets:import_template"))["Content-Type"] == XLSX_CONTENT_TYPE
    response = client.post(url, {"file": xlsx_upload([row(site="总部大楼", serial_number="V1")])})
    job = ImportJob.objects.get()
    assert response.url == reverse("assets:import_detail", args=[job.pk])
    assert client.get(response.url, headers={"HX-Request": "true"}).status_code == 200
    client.post(reverse("assets:import_commit", args=[job.pk]))
    assert Device.objects.filter(serial_number="V1").exists()
    response = client.post(url, {"file": SimpleUploadedFile("evil.xlsx", b"MZ\x90\x00 not really")})
    assert response.status_code == 200
    assert ImportJob.objects.count() == 1


def test_import_views_refuse_customer_users(client, customer_a_user, estate):
    client.force_login(customer_a_user)
    assert client.get(reverse("assets:import_start") + f"?customer={estate['customer'].pk}").status_code == 403
    assert client.get(reverse("assets:import_template")).status_code == 403


def test_large_file_goes_through_the_task(client, manager, estate, monkeypatch, django_capture_on_commit_callbacks):
    from weibao.assets import services

    monkeypatch.setattr(services, "IMPORT_INLINE_MAX_BYTES", 10)  # force the background path
    client.force_login(manager)
    url = reverse("assets:import_start") + f"?customer={estate['customer'].pk}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"file": xlsx_upload([row(site="总部大楼", serial_number=f"T{i}") for i in range(30)])})
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALID  # the immediate task backend ran the check
    client.post(reverse("assets:import_commit", args=[job.pk]))
    assert Device.objects.count() == 30


def test_export_round_trip_with_formula_injection(manager, estate, client):
    vendor = estate["vendor"]
    DeviceFactory(
        customer=estate["customer"],
        site=estate["site"],
        vendor=vendor,
        serial_number="E1",
        name="=cmd|' /C calc'!A0",
        location="+1+1",
        notes="@SUM(A1)",
        model="-2",
        parameters={"k": '=HYPERLINK("x")'},
        installed_on=datetime.date(2024, 2, 29),
    )
    client.force_login(manager)
    response = client.get(reverse("assets:device_export") + f"?customer={estate['customer'].pk}")
    assert response["Content-Disposition"].startswith("attachment")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data)).active
    cells = list(next(ws.iter_rows(min_row=2, max_row=2)))
    values = {HEADERS[i]: c.value for i, c in enumerate(cells)}
    assert values["设备名称"] == "'=cmd|' /C calc'!A0"
    assert values["安装位置"] == "'+1+1"
    assert values["型号"] == "'-2"
    assert all(c.data_type != "f" for c in cells)  # no formula anywhere
    # Importing the export (for another vendor, to avoid the duplicate) gives back the original values.
    Device.objects.all().delete()
    job = import_start(actor=manager, customer=estate["customer"], upload=SimpleUploadedFile("e.xlsx", data))
    job = import_check(job_id=job.pk)
    assert job.status == ImportStatus.VALID, job.errors
    import_commit(job_id=job.pk, actor=manager)
    device = Device.objects.get(serial_number="E1")
    assert device.name == "=cmd|' /C calc'!A0"
    assert device.location == "+1+1"
    assert device.model == "-2"
    assert device.notes == "@SUM(A1)"
    assert device.parameters == {"k": '=HYPERLINK("x")'}
    assert device.installed_on == datetime.date(2024, 2, 29)


def test_export_is_scoped(client, customer_a_user, customer_a_org, customer_b_org):
    DeviceFactory(customer=CustomerFactory(organisation=customer_a_org), serial_number="MINE")
    DeviceFactory(customer=CustomerFactory(organisation=customer_b_org), serial_number="THEIRS")
    client.force_login(customer_a_user)
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(client.get(reverse("assets:device_export")).content)).active
    serials = [r[6] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert serials == ["MINE"]


def test_xlsx_helper_bytes_are_valid():
    assert xlsx_bytes([[1]])[:2] == b"PK"


def test_running_job_page_polls_for_progress(client, manager, estate):
    job = ImportJob.objects.create(
        customer=estate["customer"],
        created_by=manager,
        original_name="big.xlsx",
        status=ImportStatus.VALIDATING,
        total_rows=20_000,
        processed_rows=5_000,
    )
    client.force_login(manager)
    page = client.get(reverse("assets:import_detail", args=[job.pk])).text
    assert 'hx-trigger="every 1s"' in page
    assert 'value="25"' in page
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, created_count=20_000)
    fragment = client.get(reverse("assets:import_detail", args=[job.pk]), headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment  # finished: polling stops
    assert "<html" not in fragment


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\x0b\x0c")
    | st.sampled_from(["=", "+", "-", "@", "'", "\t", "|", "<", ">", "华", "为"]),
    max_size=60,
).map(str.strip)


@given(name=TEXT, location=TEXT)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_export_import_round_trip_any_text(manager, estate, name, location):
    """Whatever people type (formulas, quotes, tabs, Chinese) comes back unchanged through export and import."""
    Device.objects.all().delete()
    DeviceFactory(
        customer=estate["customer"],
        site=estate["site"],
        vendor=estate["vendor"],
        serial_number="RT1",
        name=name,
        location=location,
    )
    data = excel.export_devices(Device.objects.select_related("site", "vendor", "subsystem"))
    import io

    from openpyxl import load_workbook

    cells = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, max_row=2))
    assert all(c.data_type != "f" for c in cells)
    Device.objects.all().delete()
    job = ImportJob(customer=estate["customer"])
    result = excel.check_file(data, job=job)
    assert result.ok, result.errors
    assert (result.rows[0]["name"], result.rows[0]["location"]) == (name, location)


def test_title_rows_above_the_header_are_skipped(manager, estate):
    data = xlsx_bytes(
        [
            ["门诊楼智能化项目设备清单"],
            [],
            HEADERS,
            row(site="总部大楼", serial_number="T1"),
            row(site="火星", serial_number="T2"),
        ],
        headers=["说明：请勿修改列名"],
    )
    job = import_start(actor=manager, customer=estate["customer"], upload=SimpleUploadedFile("t.xlsx", data))
    job = import_check(job_id=job.pk)
    assert [(e["row"], e["column"]) for e in job.errors] == [(6, "站点")]  # real spreadsheet row numbers


def test_commit_task_is_safe_to_run_twice(manager, estate):
    from weibao.assets import tasks
    from weibao.assets.services import import_queue

    job = run(manager, estate, [row(site="总部大楼", serial_number=f"Q{i}") for i in range(3)])
    assert import_queue(job_id=job.pk)
    assert not import_queue(job_id=job.pk)  # a second click does not queue again
    tasks.import_commit_task.enqueue(job.pk, manager.pk)
    tasks.import_commit_task.enqueue(job.pk, manager.pk)  # e.g. a retried task
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Device.objects.count() == 3
    assert job.rows == []


def test_overlong_parameters_are_refused_not_cut():
    from django import forms as django_forms

    from weibao.assets.forms import ParametersField

    column = excel.COLUMN_BY_KEY["parameters"]
    errors: list = []
    assert excel._params("VLAN=100; 堆叠=是", column, errors, 2) == {"VLAN": "100", "堆叠": "是"}
    assert errors == []
    assert excel._params("备注=" + "长" * 501, column, errors, 3) == {}
    assert [e.row for e in errors] == [3]
    field = ParametersField(required=False)
    assert field.clean("a=1") == {"a": "1"}
    with pytest.raises(django_forms.ValidationError):
        field.clean("k" * 101 + "=1")
