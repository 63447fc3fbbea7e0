"""Delivery test data, built through the services (so placeholders and milestones exist as in real use)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.assets.tests.factories import VendorFactory
from weibao.contracts.tests.factories import CalendarFactory
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery import services
from weibao.delivery.models import ProjectType

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def project_type(code: str = "std", large: bool = False) -> ProjectType:
    found = ProjectType.objects.filter(code=code).first()
    return found or services.project_type_create(actor=None, code=code, name=f"类型{code}", large=large)


def delivery_project(*, actor, customer=None, calendar=None, code: str = "D001", **fields):
    customer = customer or CustomerFactory()
    return services.delivery_project_create(
        actor=actor, customer=customer, project_type=project_type(), code=code, name=f"{code} 智能化工程",
        calendar=calendar or CalendarFactory(), **fields,
    )  # fmt: skip


def fill_stage(project, actor, stage: str | None = None) -> None:
    """Upload (and approve where needed) every required document of a stage."""
    for doc in project.documents.filter(stage=stage or project.stage):
        if doc.current_version == 0:
            services.document_upload(document=doc, actor=actor, upload=pdf())
        doc.refresh_from_db()
        if doc.review_status == "pending":
            services.document_review(document=doc, actor=actor, approve=True)


def add_equipment(project, actor, n: int = 2, vendor=None, site_name: str = "总部大楼", **extra):
    vendor = vendor or VendorFactory(name="华为")
    return [
        services.equipment_add(project=project, actor=actor, site_name=site_name, subsystem_name="网络系统",
                               vendor=vendor, model="S5735", serial_number=f"{project.code}-SN{i}",
                               location=f"3F 机房 U{i}", installed_on=datetime.date(2026, 3, 2), **extra)
        for i in range(1, n + 1)
    ]  # fmt: skip


def walk_to(project, actor, stage: str, *, today=datetime.date(2026, 12, 1)):
    """Close stages with every gate satisfied until `stage` is the current one."""
    from weibao.delivery.choices import ReadinessItem, Stage

    while project.stage != stage:
        project.refresh_from_db()
        current = project.stage
        if current == Stage.PRESALES:
            services.delivery_project_update(project=project, actor=actor, bid_won=True)
        elif current == Stage.CONTRACT:
            if not project.equipment.exists():
                add_equipment(project, actor)
            services.delivery_project_update(project=project, actor=actor,
                                             equipment_confirmed_on=datetime.date(2026, 1, 5),
                                             contract_signed_on=datetime.date(2026, 1, 6))  # fmt: skip
        elif current == Stage.EXECUTION:
            for item in ReadinessItem:
                services.readiness_check(project=project, actor=actor, item=item, done_on=datetime.date(2026, 2, 1))
            if not project.arrivals.exists():
                services.arrival_record(project=project, actor=actor, arrived_on=datetime.date(2026, 2, 10),
                                        description="第一批")  # fmt: skip
        elif current == Stage.INITIAL_ACCEPTANCE:
            services.delivery_project_update(project=project, actor=actor,
                                             initial_acceptance_on=datetime.date(2026, 4, 1))  # fmt: skip
        elif current == Stage.TRIAL_RUN:
            services.delivery_project_update(project=project, actor=actor, trial_run_start=datetime.date(2026, 4, 2))
        elif current == Stage.FINAL_ACCEPTANCE:
            services.delivery_project_update(project=project, actor=actor,
                                             final_acceptance_on=datetime.date(2026, 8, 1))  # fmt: skip
        project.refresh_from_db()
        fill_stage(project, actor)
        if current == Stage.PROCUREMENT:
            fill_stage(project, actor, Stage.DESIGN)  # the design is reviewed before the equipment arrives
        services.stage_close(project=project, actor=actor, today=today)
        project.refresh_from_db()
    return project
