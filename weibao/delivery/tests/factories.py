"""Delivery test data, built through the services (so placeholders and milestones exist as in real use)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from weibao.assets.tests.factories import VendorFactory
from weibao.contracts.tests.factories import CalendarFactory
from weibao.customers.tests.factories import CustomerFactory
from weibao.delivery import seed, services
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
        actor=actor,
        customer=customer,
        project_type=project_type(),
        code=code,
        name=f"{code} 智能化工程",
        calendar=calendar or CalendarFactory(),
        **fields,
    )


def fill_stage(project, actor, stage: str | None = None) -> None:
    """Upload (and approve where needed) every required document of a stage."""
    seed.fill_stage(project, actor, stage)


def add_equipment(project, actor, n: int = 2, vendor=None, site_name: str = "总部大楼", **extra):
    vendor = vendor or VendorFactory(name="华为")
    return [
        services.equipment_add(
            project=project,
            actor=actor,
            site_name=site_name,
            subsystem_name="网络系统",
            vendor=vendor,
            model="S5735",
            serial_number=f"{project.code}-SN{i}",
            location=f"3F 机房 U{i}",
            installed_on=datetime.date(2026, 3, 2),
            **extra,
        )
        for i in range(1, n + 1)
    ]


DATES = {
    "confirmed": datetime.date(2026, 1, 5),
    "signed": datetime.date(2026, 1, 6),
    "ready": datetime.date(2026, 2, 1),
    "arrived": datetime.date(2026, 2, 10),
    "initial": datetime.date(2026, 4, 1),
    "trial": datetime.date(2026, 4, 2),
    "final": datetime.date(2026, 8, 1),
}


def walk_to(project, actor, stage: str, *, today=datetime.date(2026, 12, 1)):
    """Close stages with every gate satisfied until `stage` is the current one (an equipment list if none)."""
    if not project.equipment.exists():
        add_equipment(project, actor)
    return seed.advance(project, actor, stage, dates=DATES, today=today)
