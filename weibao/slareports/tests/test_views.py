"""Pages: the report with its drill-down, exports read back, empty and inverted periods, scoping (two customers
and a vendor), regular reports and the schedule, fault analysis, similar past faults."""

import io

import pytest
from django.urls import reverse

from weibao.slareports.tests.conftest import MARCH, ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # labels read back in English; zh-Hans is the default
    return client


@pytest.fixture(autouse=True)
def _frozen_as_of(monkeypatch):
    # The pages judge running clocks at "now"; pin it to the fixture's as_of.
    from django.utils import timezone

    from weibao.slareports.tests.conftest import AS_OF

    monkeypatch.setattr(timezone, "now", lambda: AS_OF)


def q(contract, start=MARCH[0], end=MARCH[1], **extra):
    params = {"contract": contract.pk, "start": start.isoformat(), "end": end.isoformat(), **extra}
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def drilled(response) -> list[int]:
    body = response.content.decode()
    import re

    return sorted(int(x) for x in re.findall(r'data-order="(\d+)"', body))


def test_report_page_shows_numbers_charts_and_definition(client, manager, march, contract_a):
    client.force_login(manager)
    response = client.get(reverse("slareports:report") + q(contract_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="fix-rate">50.0%' in body
    assert 'id="sla-chart-data"' in body
    assert "sla-chart-compliance" in body
    assert "echarts-5.6.0.min.js" in body
    assert "slareports/charts.js" in body
    assert "Fix-on-time rate = orders resolved within their resolution time limit" in body


@pytest.mark.parametrize(
    ("key", "names"),
    [
        ("orders", ("O1", "O2", "O3", "O4", "O5")),
        ("resolution.all.missed", ("O2", "O4")),
        ("response.A.met", ("O1",)),
        ("major", ("O1", "O2")),
        ("legacy", ("O4", "O7")),
        ("satisfaction.rated", ("O1", "O3")),
        ("resolution.timed", ("O1", "O2", "O3")),
    ],
)
def test_drill_down_lists_exactly_the_orders_counted(client, manager, march, contract_a, key, names):
    client.force_login(manager)
    response = client.get(reverse("slareports:drill") + q(contract_a, key=key))
    assert response.status_code == 200
    assert drilled(response) == ids(march, *names)


def test_every_number_on_the_page_links_to_a_drill_down_that_matches_it(client, manager, march, contract_a):
    import re

    client.force_login(manager)
    body = client.get(reverse("slareports:report") + q(contract_a)).content.decode()
    links = re.findall(r'<a href="(/sla-reports/orders/\?[^"]+)"[^>]*>(\d+)</a>', body)
    assert len(links) > 20
    for url, number in links:
        response = client.get(url.replace("&amp;", "&"))
        assert len(drilled(response)) == int(number), url


def test_excel_export_has_the_same_numbers(client, manager, march, contract_a):
    from openpyxl import load_workbook

    client.force_login(manager)
    response = client.get(reverse("slareports:xlsx") + q(contract_a))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    assert summary["Orders in the period"] == 5
    assert summary["Fix-on-time rate (故障修复及时率)"] == "50.0%"
    assert summary["Major faults (重大故障)"] == 2
    assert summary["Legacy items (遗留问题) at the period's end"] == 2
    assert summary["Satisfaction (average of rated orders)"] == "4.00"
    compliance = list(wb.worksheets[1].iter_rows(values_only=True))
    assert ("Response", "A", 1, 1, 0, "50.0") in compliance
    times = list(wb.worksheets[2].iter_rows(values_only=True))
    assert ("Resolution", 3, 660, 1200) in times


def test_pdf_export_has_the_same_numbers_in_cjk(client, manager, march, contract_a, tmp_path):
    import shutil
    import subprocess

    client.force_login(manager)
    response = client.get(reverse("slareports:pdf") + q(contract_a))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "甲维保" in text
    assert "故障修复及时率" in text
    lines = {line.split("  ")[0].strip(): line.split()[-1] for line in text.splitlines() if "  " in line.strip()}
    assert lines["Orders in the period"] == "5"
    assert lines["Fix-on-time rate (故障修复及时率)"] == "50.0%"
    assert lines["Major faults (重大故障)"] == "2"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert "Noto-Sans-CJK" in fonts


def test_empty_period_says_no_data(client, manager, march, contract_a):
    import datetime

    client.force_login(manager)
    response = client.get(
        reverse("slareports:report") + q(contract_a, datetime.date(2025, 1, 1), datetime.date(2025, 1, 31))
    )
    assert response.status_code == 200
    assert 'data-testid="no-data"' in response.content.decode()


def test_inverted_range_is_a_field_error(client, manager, contract_a):
    client.force_login(manager)
    response = client.get(reverse("slareports:report") + q(contract_a, MARCH[1], MARCH[0]))
    assert response.status_code == 200
    assert "The end of the period lies before its start." in response.content.decode()
    assert response.context["data"] is None
    assert client.get(reverse("slareports:xlsx") + q(contract_a, MARCH[1], MARCH[0])).status_code == 400


def test_customer_sees_its_own_contracts_report_only(
    client, customer_a_user, customer_b_user, march, contract_a, contract_b, assert_scoped
):
    client.force_login(customer_a_user)
    assert client.get(reverse("slareports:report") + q(contract_a)).status_code == 200
    page = client.get(reverse("slareports:report")).content.decode()
    assert "HT-A" in page
    assert "HT-B" not in page
    client.force_login(customer_b_user)
    for name in ("report", "drill", "xlsx", "pdf"):
        assert_scoped(reverse(f"slareports:{name}") + q(contract_a), client)
    assert client.get(reverse("slareports:report") + q(contract_b)).status_code == 200


def test_vendor_sees_no_report(client, vendor_user, march, contract_a, assert_scoped):
    client.force_login(vendor_user)
    assert_scoped(reverse("slareports:report") + q(contract_a), client)
    assert client.get(reverse("slareports:periodic_list")).status_code == 403


@pytest.fixture
def sent_and_draft(march, contract_a, manager, customer_a):
    import datetime

    from weibao.customers.models import Contact
    from weibao.slareports import services

    Contact.objects.create(customer=customer_a, organisation=customer_a.organisation, name="王", email="w@a.cn")
    sent, _ = services.report_generate(contract=contract_a, start=MARCH[0], end=MARCH[1], frequency="monthly")
    sent = services.report_review(report=sent, actor=manager, expected_version=1)
    sent = services.report_send(report=sent, actor=manager, expected_version=sent.version)
    draft, _ = services.report_generate(
        contract=contract_a, start=datetime.date(2026, 2, 1), end=datetime.date(2026, 2, 28), frequency="monthly"
    )
    return sent, draft


def test_customer_sees_sent_regular_reports_only(
    client, customer_a_user, customer_b_user, sent_and_draft, assert_scoped
):
    sent, draft = sent_and_draft
    client.force_login(customer_a_user)
    page = client.get(reverse("slareports:periodic_list")).content.decode()
    assert reverse("slareports:periodic", args=[sent.pk]) in page
    assert reverse("slareports:periodic", args=[draft.pk]) not in page
    assert client.get(reverse("slareports:periodic", args=[sent.pk])).status_code == 200
    assert client.get(reverse("slareports:periodic_pdf", args=[sent.pk])).content.startswith(b"%PDF")
    assert client.get(reverse("slareports:periodic", args=[draft.pk])).status_code == 404
    drill = client.get(reverse("slareports:periodic_drill", args=[sent.pk]) + "?key=major")
    assert drilled(drill) == sorted(sent.data["drill"]["major"])
    client.force_login(customer_b_user)
    assert_scoped(reverse("slareports:periodic", args=[sent.pk]), client)
    assert_scoped(reverse("slareports:periodic_pdf", args=[sent.pk]), client)


def test_manager_reviews_and_sends_from_the_page(client, manager, sent_and_draft, mailoutbox):
    _sent, draft = sent_and_draft
    client.force_login(manager)
    url = reverse("slareports:periodic_action", args=[draft.pk, "review"])
    response = client.post(url, {"version": 1, "note": "二月正常"})
    assert response.status_code == 302
    stale = client.post(url, {"version": 1, "note": "again"})
    assert stale.status_code == 409
    send = client.post(reverse("slareports:periodic_action", args=[draft.pk, "send"]), {"version": 2})
    assert send.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "sent"


def test_schedule_page_saves_and_shows_field_errors(client, manager, contract_a):
    client.force_login(manager)
    url = reverse("slareports:schedule", args=[contract_a.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"frequency": "monthly", "major_down_hours": "0", "extra_recipients": ""})
    assert bad.status_code == 200
    assert bad.context["form"].errors["major_down_hours"]
    bad = client.post(url, {"frequency": "monthly", "extra_recipients": "not-a-mail"})
    assert bad.context["form"].errors["extra_recipients"]
    ok = client.post(url, {"frequency": "quarterly", "major_down_hours": "8", "extra_recipients": "a@b.cn"})
    assert ok.status_code == 302
    assert contract_a.report_schedule.major_down_hours == 8


def test_customer_cannot_edit_the_schedule(client, customer_a_user, contract_a):
    client.force_login(customer_a_user)
    assert client.get(reverse("slareports:schedule", args=[contract_a.pk])).status_code == 403


def test_fault_analysis_counts_repeaters_and_drills_down(client, manager, march, site_a, contract_a):
    from weibao.workorders.models import WorkOrder
    from weibao.workorders.tests.factories import DeviceFactory

    device = DeviceFactory(site=site_a, model="S5720-28X", serial_number="SN-REP")
    for name in ("O1", "O2", "O3"):
        march[name].devices.add(device)
    client.force_login(manager)
    response = client.get(reverse("slareports:analysis") + f"?start={MARCH[0]}&end={MARCH[1]}")
    assert response.status_code == 200
    result = response.context["result"]
    assert result["total"] == 6  # O1–O5 and customer B's O8; cancelled O6 left out
    assert result["repeaters"][0]["key"] == str(device.pk)
    assert result["repeaters"][0]["count"] == 3
    models = next(g for g in result["groups"] if g["dimension"] == "model")
    assert models["rows"][0] == {"key": "S5720-28X", "label": "S5720-28X", "count": 3}
    drill = client.get(
        reverse("slareports:analysis_drill") + f"?start={MARCH[0]}&end={MARCH[1]}&dimension=device&key={device.pk}"
    )
    assert drilled(drill) == ids(march, "O1", "O2", "O3")
    assert WorkOrder.objects.count() == 9


def test_fault_analysis_is_read_from_its_snapshot_until_recomputed(
    client, manager, march, site_a, contract_a, settings
):
    """Staff read stored numbers (core.snapshots): a new order shows after "recompute now", not on the next view;
    the stored numbers carry keys, the labels follow the reader's language."""
    from weibao.core.models import ReportSnapshot
    from weibao.slareports.tests.conftest import at, build_order
    from weibao.workorders.models import WorkOrder

    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    WorkOrder.objects.filter(pk=march["O1"].pk).update(cause="human")
    url = reverse("slareports:analysis") + f"?start={MARCH[0]}&end={MARCH[1]}"
    client.force_login(manager)
    first = client.get(url)
    assert first.context["result"]["total"] == 6
    assert 'data-testid="snapshot-status"' in first.content.decode()
    assert "Figures as of" in first.content.decode()
    build_order(site=site_a, contract=contract_a, severity="C", reported_at=at(3, 20, 9))
    assert client.get(url).context["result"]["total"] == 6  # the stored numbers
    refreshed = client.post(url, {"refresh": "1"})
    assert refreshed.status_code == 302
    assert refreshed["Location"] == url
    again = client.get(url)
    assert again.context["result"]["total"] == 7
    assert ">Human error</a>" in again.content.decode()
    stored = ReportSnapshot.objects.get(kind="slareports.fault_analysis")
    causes = next(g for g in stored.data["groups"] if g["dimension"] == "cause")
    assert {"key": "human", "label": None, "count": 1} in causes["rows"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        page = client.get(url).content.decode()
    assert ">人为原因</a>" in page


def test_fault_analysis_says_it_is_computing_while_the_first_snapshot_is_queued(client, manager, settings):
    settings.WEIBAO_SNAPSHOT_MAX_AGE_SECONDS = None
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    client.force_login(manager)
    body = client.get(reverse("slareports:analysis") + f"?start={MARCH[0]}&end={MARCH[1]}").content.decode()
    assert "this page fills in by itself" in body
    assert 'hx-trigger="every 3s"' in body
    assert 'hx-select="#snapshot-body"' in body
    assert 'data-testid="repeaters"' not in body


def test_fault_analysis_is_staff_only(client, customer_a_user):
    client.force_login(customer_a_user)
    assert client.get(reverse("slareports:analysis")).status_code == 403


def test_similar_faults_on_the_order_page_and_at_intake(client, duty_engineer, march, site_a, contract_a):
    from weibao.slareports.tests.conftest import at, build_order

    similar = build_order(
        site=site_a,
        contract=contract_a,
        severity="B",
        reported_at=at(3, 25, 9),
        status="closed",
        symptom="财务系统无法访问，核心交换机丢包严重",
        resolution="更换光模块",
    )
    build_order(
        site=site_a, contract=contract_a, severity="C", reported_at=at(3, 26, 9), status="closed", symptom="打印机卡纸"
    )
    client.force_login(duty_engineer)
    panel = client.get(reverse("slareports:similar_panel", args=[march["O4"].pk]))
    assert panel.status_code == 200
    found = drilled(panel)
    assert similar.pk in found
    assert march["O4"].pk not in found
    intake = client.get(reverse("slareports:similar") + "?symptom=核心交换机丢包")
    assert similar.pk in drilled(intake)
    assert "打印机" not in intake.content.decode()


def test_similar_faults_for_a_customer_stay_in_its_organisation(client, customer_b_user, march):
    client.force_login(customer_b_user)
    response = client.get(reverse("slareports:similar") + "?symptom=核心交换机端口大量丢包")
    assert set(drilled(response)) <= {march["O8"].pk}
    for name in ("O1", "O2", "O3"):
        assert march[name].pk not in drilled(response)


def test_similar_panel_of_another_customers_order_is_404(client, customer_b_user, march, assert_scoped):
    client.force_login(customer_b_user)
    assert_scoped(reverse("slareports:similar_panel", args=[march["O1"].pk]), client)


def test_report_page_queries_do_not_grow_with_the_orders(client, manager, march, site_a, contract_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.slareports.tests.conftest import H, at, build_order, rate_order

    client.force_login(manager)
    url = reverse("slareports:report") + q(contract_a)
    client.get(url)  # warm caches (calendar, session)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for day in range(1, 21):
        wo = build_order(
            site=site_a,
            contract=contract_a,
            severity="B",
            reported_at=at(3, day, 11),
            clocks=[("response", H, H / 2), ("resolution", 24 * H, 2 * H)],
            resolved_after=2 * H,
        )
        rate_order(wo, 4)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.context["data"]["orders_total"] == 25
    assert len(after.captured_queries) == len(before.captured_queries)


def test_order_page_and_intake_load_the_similar_faults_panel(client, duty_engineer, vendor_user, march):
    client.force_login(duty_engineer)
    detail = client.get(reverse("workorders:detail", args=[march["O4"].pk])).content.decode()
    assert reverse("slareports:similar_panel", args=[march["O4"].pk]) in detail
    intake = client.get(reverse("workorders:new")).content.decode()
    assert 'data-testid="intake-similar"' in intake
    assert reverse("slareports:similar") in intake


def test_home_page_panel_lists_reports_waiting_for_review(client, manager, customer_a_user, sent_and_draft):
    _sent, draft = sent_and_draft
    client.force_login(manager)
    assert reverse("slareports:review_panel") in client.get("/").content.decode()
    panel = client.get(reverse("slareports:review_panel")).content.decode()
    assert reverse("slareports:periodic", args=[draft.pk]) in panel
    client.force_login(customer_a_user)
    assert client.get(reverse("slareports:review_panel")).content.decode().strip() == ""
