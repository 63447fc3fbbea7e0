"""Issue 16 in a real browser: a small project driven from the contract stage to the handover by the project
manager (documents, the customer's review, dates, site readiness, arrival, stage closes), then the customer reports
a fault on one of the handed-over devices from the portal on a phone; the order finds the service contract and the
SLA copied from the chosen template."""

import datetime as dt

import pytest
from django.utils import timezone

from weibao.contracts.tests.factories import CalendarFactory, ContractFactory
from weibao.core.tests.browser import screenshot
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery import services
from weibao.delivery.choices import Stage
from weibao.delivery.models import DeliveryProject
from weibao.delivery.tests.factories import add_equipment, project_type
from weibao.workorders.models import WorkOrder

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _complete_documents(page, project: DeliveryProject, stages: list[str]) -> None:
    """Upload every missing required document of the stages and approve the pending reviews, through the page."""
    for doc in project.documents.filter(stage__in=stages).order_by("pk"):
        row = f"[data-testid=doc-{doc.kind}]"
        if doc.current_version == 0:
            page.goto(f"/delivery/{project.pk}/documents/")
            page.click(f"{row} details:has([data-testid=upload-{doc.kind}]) > summary")
            page.set_input_files(
                f"{row} input[type=file]",
                files=[{"name": f"{doc.kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}],
            )
            page.click(f"[data-testid=upload-{doc.kind}]")
            page.wait_for_load_state()
        doc.refresh_from_db()
        if doc.review_status == "pending":
            page.goto(f"/delivery/{project.pk}/documents/")
            page.click(f"{row} details:has([data-testid=review-submit-{doc.kind}]) > summary")
            page.click(f"[data-testid=review-submit-{doc.kind}]")
            page.wait_for_load_state()
            assert page.inner_text(f"[data-testid=review-{doc.kind}]")  # shown as approved


def _edit_dates(page, project, **dates) -> None:
    page.goto(f"/delivery/{project.pk}/edit/")
    for name, value in dates.items():
        page.fill(f"input[name={name}]", value.isoformat())
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"**/delivery/{project.pk}/")


def _close(page, project, expected: str) -> None:
    page.goto(f"/delivery/{project.pk}/")
    page.click("[data-testid=close-stage]")
    page.wait_for_load_state()
    project.refresh_from_db()
    assert project.stage == expected, page.inner_text("main")


def _overview_form(page, project, action: str, fields: dict, selects: dict | None = None) -> None:
    page.goto(f"/delivery/{project.pk}/")
    form = f'form[action$="/{action}/"]'
    page.click(f"details:has({form}) > summary")
    for name, value in (selects or {}).items():
        page.select_option(f"{form} select[name={name}]", value)
    for name, value in fields.items():
        page.fill(f"{form} [name={name}]", value)
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


def test_contract_to_handover_then_a_customer_fault_finds_the_contract(
    browser_page, phone_page, login_as, manager, customer_a_user, customer_a_org
):
    for p in (browser_page, phone_page):
        p.set_default_timeout(60_000)  # about a hundred page loads on a shared, busy machine
    today = timezone.localdate()
    template = ContractFactory(
        code="TPL-GOLD", start_date=today - dt.timedelta(days=900), end_date=today - dt.timedelta(days=800)
    )
    template.sla.targets.filter(severity="A").update(arrival_city_minutes=30, resolution_minutes=1234)
    customer = CustomerFactory(organisation=customer_a_org)
    project = services.delivery_project_create(
        actor=manager,
        customer=customer,
        project_type=project_type(),
        code="D-E2E",
        name="小型监控项目",
        calendar=CalendarFactory(),
        sla_template=template,
        bid_won=True,
    )
    for doc in project.documents.filter(stage=Stage.PRESALES):  # pre-sales was done before this test starts
        services.document_upload(document=doc, actor=manager, upload=_pdf())
    services.stage_close(project=project, actor=manager)
    add_equipment(project, manager, n=2)
    project.equipment.update(installed_on=today - dt.timedelta(days=120))

    page = login_as(manager)
    # contract: equipment list (reviewed by the customer) and contract on file, dates, close
    _complete_documents(page, project, [Stage.CONTRACT])
    _edit_dates(
        page,
        project,
        equipment_confirmed_on=today - dt.timedelta(days=201),
        contract_signed_on=today - dt.timedelta(days=200),
    )
    _close(page, project, Stage.PROCUREMENT)
    page.goto(f"/delivery/{project.pk}/milestones/")
    assert page.locator("[data-testid=gantt] .gantt-track").count() == 3
    # procurement, then the design reviewed before the arrival
    _complete_documents(page, project, [Stage.PROCUREMENT, Stage.DESIGN])
    _close(page, project, Stage.DESIGN)
    _close(page, project, Stage.EXECUTION)
    # execution: site readiness, arrival, as-built drawings
    for item in ("site", "power", "crew_entry"):
        _overview_form(
            page, project, "readiness", {"done_on": (today - dt.timedelta(days=160)).isoformat()}, {"item": item}
        )
    _overview_form(
        page,
        project,
        "arrivals",
        {"arrived_on": (today - dt.timedelta(days=150)).isoformat(), "description": "摄像机与交换机"},
    )
    _complete_documents(page, project, [Stage.EXECUTION])
    _close(page, project, Stage.INITIAL_ACCEPTANCE)
    _complete_documents(page, project, [Stage.INITIAL_ACCEPTANCE])
    _edit_dates(page, project, initial_acceptance_on=today - dt.timedelta(days=120))
    _close(page, project, Stage.TRIAL_RUN)
    _complete_documents(page, project, [Stage.TRIAL_RUN])
    _edit_dates(page, project, trial_run_start=today - dt.timedelta(days=119))
    _close(page, project, Stage.MAINTENANCE_PLANS)
    _complete_documents(page, project, [Stage.MAINTENANCE_PLANS])
    _close(page, project, Stage.FINAL_ACCEPTANCE)
    _complete_documents(page, project, [Stage.FINAL_ACCEPTANCE])
    _edit_dates(page, project, final_acceptance_on=today - dt.timedelta(days=10))
    _close(page, project, Stage.ACCEPTED)

    page.goto(f"/delivery/{project.pk}/")
    page.click("[data-testid=handover]")
    page.wait_for_selector("[data-testid=in-maintenance]")
    project.refresh_from_db()
    assert project.stage == Stage.HANDED_OVER
    device = project.equipment.order_by("line").first().device
    contract = project.service_contract

    # the customer reports a fault on a handed-over device, on a phone
    portal = login_as(customer_a_user, page=phone_page)
    portal.goto("/work-orders/report/")
    portal.select_option("select[name=site]", str(device.site_id))
    portal.wait_for_selector(f"input[name=devices][value='{device.pk}']")
    portal.check(f"input[name=devices][value='{device.pk}']")
    portal.select_option("select[name=severity]", "A")
    portal.fill("textarea[name=symptom]", "走廊摄像机无图像")
    portal.click("[data-testid=portal-submit]")
    portal.wait_for_url("**/work-orders/*/")
    screenshot(portal, "delivery-fault-after-handover-375")
    wo = WorkOrder.objects.get()
    assert wo.contract_id == contract.pk
    assert list(wo.devices.all()) == [device]
    targets = {c.target for c in wo.clocks.all()}
    assert targets & {dt.timedelta(minutes=30), dt.timedelta(minutes=1234)}  # the template's SLA, not the default


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("doc.pdf", PDF, content_type="application/pdf")
