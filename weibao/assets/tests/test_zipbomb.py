"""Issue 19.5: hostile spreadsheets are refused quickly with a clear message — a zip bomb (a small file that unpacks
to hundreds of megabytes), a sparse sheet claiming a million rows or columns — and reading a sheet is held to a
time and memory limit in a child process. Imports run on their own task queue. A normal list still imports."""

import io
import re
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from weibao.assets.choices import ImportStatus
from weibao.assets.models import Device
from weibao.assets.services import import_check, import_commit, import_start
from weibao.assets.tests.factories import VendorFactory
from weibao.assets.tests.xlsx import row, xlsx_bytes
from weibao.core.excel import XLSX_CONTENT_TYPE
from weibao.customers.tests.factories import CustomerFactory, SiteFactory

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def customer():
    customer = CustomerFactory()
    SiteFactory(customer=customer, name="总部大楼")
    VendorFactory(name="华为")
    return customer


def _with_sheet(sheet_xml_chunks, *, base: bytes | None = None) -> bytes:
    """A real workbook whose first sheet is replaced by the given XML (written in chunks: never all in memory)."""
    base = base or xlsx_bytes([row(site="总部大楼", serial_number="SN1")])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename == SHEET:
                with dst.open(SHEET, "w", force_zip64=True) as fh:
                    for chunk in sheet_xml_chunks:
                        fh.write(chunk)
            else:
                dst.writestr(item, src.read(item.filename))
    return out.getvalue()


def _padded_sheet(megabytes: int):
    """The original sheet with `megabytes` of blanks inside it (valid XML, compresses about 1000:1)."""
    base = xlsx_bytes([row(site="总部大楼", serial_number="SN1")])
    with zipfile.ZipFile(io.BytesIO(base)) as src:
        original = src.read(SHEET)
    head, tail = original.rsplit(b"</worksheet>", 1)
    yield head
    blank = b" " * (1024 * 1024)
    for _ in range(megabytes):
        yield blank
    yield b"</worksheet>" + tail


def _sparse_sheet(last_cell: str, dimension: bool) -> list[bytes]:
    number = re.sub(r"\D", "", last_cell)
    dim = f'<dimension ref="A1:{last_cell}"/>' if dimension else ""
    return [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + dim.encode() + b"<sheetData>"
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        + f'<row r="{number}"><c r="{last_cell}" t="inlineStr"><is><t>x</t></is></c></row>'.encode()
        + b"</sheetData></worksheet>"
    ]


def _check(manager, customer, data: bytes):
    upload = SimpleUploadedFile("设备清单.xlsx", data, content_type=XLSX_CONTENT_TYPE)
    job = import_start(actor=manager, customer=customer, upload=upload)
    started = time.monotonic()
    job = import_check(job_id=job.pk)
    job.refresh_from_db()
    return job, time.monotonic() - started


def test_zip_bomb_spreadsheet_is_refused_quickly_with_a_clear_message(manager, customer):
    bomb = _with_sheet(_padded_sheet(150))  # 150 MB of sheet in a file of a few hundred KB
    assert len(bomb) < 400 * 1024
    job, seconds = _check(manager, customer, bomb)
    assert job.status == ImportStatus.INVALID
    [error] = job.errors
    assert "unpacks to more than 100 MB" in error["message"]
    assert "xl/worksheets/sheet1.xml" in error["message"]
    assert seconds < 2


def test_a_highly_compressed_part_is_refused_by_its_ratio(manager, customer):
    job, seconds = _check(manager, customer, _with_sheet(_padded_sheet(20)))  # under the size cap, ~1000:1
    assert job.status == ImportStatus.INVALID
    assert "compressed more than 100 to 1" in job.errors[0]["message"]
    assert seconds < 2


@pytest.mark.parametrize(
    ("last_cell", "dimension", "message"),
    [
        ("A1048576", True, "more than 100000 rows"),  # says so in its dimension
        ("A1048576", False, "more than 100000 rows"),  # no dimension: the reader stops after the cap
        ("XFD2", False, "more than 200 columns"),
        ("XFD1048576", True, "more than 100000 rows"),
    ],
)
def test_sparse_sheet_claiming_a_huge_size_is_refused(manager, customer, last_cell, dimension, message):
    data = _with_sheet(_sparse_sheet(last_cell, dimension))
    assert len(data) < 20 * 1024
    job, seconds = _check(manager, customer, data)
    assert job.status == ImportStatus.INVALID
    assert message in job.errors[0]["message"]
    assert seconds < 10


def test_reading_is_stopped_at_the_time_limit(manager, customer, settings):
    settings.WEIBAO_IMPORT_TIME_LIMIT_SECONDS = 0.05  # less than starting the reader takes
    job, _seconds = _check(manager, customer, xlsx_bytes([row(site="总部大楼", serial_number="SN1")]))
    assert job.status == ImportStatus.INVALID
    assert "took longer than 0.05 seconds" in job.errors[0]["message"]


def test_reading_is_stopped_at_the_memory_limit(manager, customer, settings):
    settings.WEIBAO_IMPORT_MEMORY_MB = 20  # less than openpyxl needs to load
    job, _seconds = _check(manager, customer, xlsx_bytes([row(site="总部大楼", serial_number="SN1")]))
    assert job.status == ImportStatus.INVALID
    assert "more than 20 MB of memory" in job.errors[0]["message"]


def test_a_normal_list_still_imports(manager, customer):
    rows = [row(site="总部大楼", serial_number=f"SN{i}") for i in range(50)]
    job, _seconds = _check(manager, customer, xlsx_bytes(rows))
    assert job.status == ImportStatus.VALID, job.errors
    assert import_commit(job_id=job.pk, actor=manager).status == ImportStatus.DONE
    assert Device.objects.count() == 50


def test_large_imports_are_queued_on_their_own_queue(
    client, manager, customer, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from weibao.assets import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}}
    monkeypatch.setattr(services, "IMPORT_INLINE_MAX_BYTES", 10)  # the background path
    client.force_login(manager)
    upload = SimpleUploadedFile("设备清单.xlsx", xlsx_bytes([row(site="总部大楼", serial_number="Q1")]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assets:import_start") + f"?customer={customer.pk}", {"file": upload})
    assert response.status_code == 302
    assert list(DBTaskResult.objects.values_list("task_path", "queue_name")) == [
        ("weibao.assets.tasks.import_check_task", "imports")
    ]
