"""Queries over the estate. Every user-facing list or get starts from a scoped queryset.

Device lists are keyset-paginated (newest first, `after=<id>`) and never count the whole table: at a million devices
a COUNT(*) per page view costs more than the page itself.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.assets.choices import REQUIRED_PROJECT_DOCUMENTS, DocumentType
from weibao.assets.models import Device, DeviceEvent, Document, DocumentVersion, ImportJob, Project, Subsystem, Vendor
from weibao.core.textsearch import search_text_filter
from weibao.core.validators import parse_id
from weibao.customers.models import Customer, Site

PAGE_SIZE = 50
IP_RE = re.compile(r"^[0-9a-fA-F:.]{3,45}$")
TOKEN_RE = re.compile(r"^[\w\-./:]{4,120}$")


def device_qs_for(user) -> QuerySet[Device]:
    return scope_queryset(Device.objects.all(), user)


def device_get_for_user(*, user, pk: int) -> Device:
    qs = Device.objects.select_related("customer", "site", "project", "subsystem", "vendor")
    return get_for_user(qs, user, pk=pk)


@dataclass(frozen=True)
class DeviceFilter:
    q: str = ""
    customer: int | None = None
    site: int | None = None
    project: int | None = None
    subsystem: int | None = None
    vendor: int | None = None
    status: str = ""
    category: str = ""
    warranty: str = ""  # "in" | "out" | "expiring" (within 90 days) | ""

    @classmethod
    def from_query(cls, params) -> "DeviceFilter":
        def as_int(name: str) -> int | None:
            return parse_id(params.get(name))

        return cls(
            q=(params.get("q") or "").strip()[:100],
            customer=as_int("customer"),
            site=as_int("site"),
            project=as_int("project"),
            subsystem=as_int("subsystem"),
            vendor=as_int("vendor"),
            status=(params.get("status") or "").strip()[:20],
            category=(params.get("category") or "").strip()[:20],
            warranty=(params.get("warranty") or "").strip()[:10],
        )

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in (None, "")}


def device_list(*, user, filters: DeviceFilter, today: datetime.date | None = None) -> QuerySet[Device]:
    """Scoped, filtered devices, newest first; callers slice or keyset-paginate."""
    qs = device_qs_for(user).select_related("customer", "site", "vendor", "subsystem")
    if filters.customer:
        # Also filter on the customer's organisation: that column leads the (organisation, -id) index, so even a
        # customer with 100,000 devices pages newest-first without sorting them all.
        org = Customer.objects.filter(pk=filters.customer).order_by().values("organisation_id")[:1]
        qs = qs.filter(customer_id=filters.customer, organisation_id=Subquery(org))
    if filters.site:
        qs = qs.filter(site_id=filters.site)
    if filters.project:
        qs = qs.filter(project_id=filters.project)
    if filters.subsystem:
        qs = qs.filter(subsystem_id=filters.subsystem)
    if filters.vendor:
        qs = qs.filter(vendor_id=filters.vendor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.warranty:
        today = today or timezone.localdate()
        if filters.warranty == "in":
            qs = qs.filter(warranty_end__gte=today)
        elif filters.warranty == "out":
            qs = qs.filter(warranty_end__lt=today)
        elif filters.warranty == "expiring":
            qs = qs.filter(warranty_end__gte=today, warranty_end__lte=today + datetime.timedelta(days=90))
    if filters.q:
        qs = device_search_filter(qs, filters.q)
    return qs.order_by("-id")


def device_search_filter(qs: QuerySet[Device], q: str, *, text: bool = True) -> QuerySet[Device]:
    """Match name, model, serial number, IP address or location (Chinese included).

    A query that looks like a serial number or an IP address is first tried as an exact match (a B-tree lookup);
    only when that finds nothing do we fall back to "contains" over the trigram-indexed search text. `text=False`:
    the exact match only.
    """
    q = q.strip()
    if not q:
        return qs
    if not text:
        return qs.filter(Q(serial_number=q) | Q(ip_address=q))
    if TOKEN_RE.match(q) or IP_RE.match(q):
        exact = Q(serial_number=q) | Q(ip_address=q)
        if qs.filter(exact).exists():
            return qs.filter(exact)
    # Two characters give pg_trgm no trigram: the doubled-character column serves them (migration 0006).
    return search_text_filter(qs, q)


@dataclass
class KeysetPage:
    items: list
    next_after: int | None
    is_first: bool


def keyset_page(qs: QuerySet, *, after: int | None, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of a queryset ordered by -id: rows with id < after, one row extra to know if there is more."""
    if after:
        qs = qs.filter(id__lt=after)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(items=rows, next_after=rows[-1].pk if more and rows else None, is_first=not after)


def device_history(*, device: Device) -> QuerySet[DeviceEvent]:
    return device.events.select_related("actor", "related_device").order_by("-at", "-id")


# --- search across the estate ------------------------------------------------------------------------------------
@dataclass
class EstateSearchResult:
    customers: list[Customer]
    sites: list[Site]
    devices: list[Device]


def estate_search(*, user, q: str, limit: int = 20, device_text: bool = True) -> EstateSearchResult:
    """Customers, sites and devices matching a query (name, code, address, serial, IP, model, location).

    `device_text=False`: devices only by their exact serial number or IP address, not by the trigram-indexed text
    (intake, for a caller's phone number: common digit trigrams make that scan cost ~7 ms at a million devices
    and it finds nothing a duty engineer looks for)."""
    q = (q or "").strip()[:100]
    if not q:
        return EstateSearchResult([], [], [])
    devices = list(device_search_filter(device_list(user=user, filters=DeviceFilter()), q, text=device_text)[:limit])
    if devices and any(q in (d.serial_number, d.ip_address) for d in devices):
        # An exact serial number or IP address: the user is looking for that device, not for names.
        return EstateSearchResult([], [], devices)
    customers = search_text_filter(scope_queryset(Customer.objects.all(), user), q)  # trigram-indexed on PostgreSQL
    sites = search_text_filter(scope_queryset(Site.objects.select_related("customer"), user), q)
    return EstateSearchResult(list(customers.order_by("name")[:limit]), list(sites.order_by("name")[:limit]), devices)


# --- vendors, projects, subsystems ---------------------------------------------------------------------------------
def vendor_list() -> QuerySet[Vendor]:
    """Vendors are reference data every staff member may read (names, support lines)."""
    return Vendor.objects.order_by("name")


def project_qs_for(user) -> QuerySet[Project]:
    return scope_queryset(Project.objects.select_related("customer", "site", "project_manager"), user)


def project_get_for_user(*, user, pk: int) -> Project:
    return get_for_user(Project.objects.select_related("customer", "site", "project_manager"), user, pk=pk)


def project_list(*, user, q: str = "", customer_id: int | None = None) -> QuerySet[Project]:
    qs = project_qs_for(user)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(customer__name__icontains=q))
    return qs.order_by("-id")


def subsystem_get_for_user(*, user, pk: int) -> Subsystem:
    return get_for_user(Subsystem.objects.select_related("project", "project__customer"), user, pk=pk)


def project_missing_document_types(*, project: Project) -> list[DocumentType]:
    """Required document types with no document yet (for a project built by others: what the customer owes us)."""
    present = set(
        Document.objects.filter(project=project, current_version__gt=0).values_list("doc_type", flat=True).distinct()
    )
    return [DocumentType(t) for t in REQUIRED_PROJECT_DOCUMENTS if t not in present]


# --- documents ---------------------------------------------------------------------------------------------------
def document_qs_for(user) -> QuerySet[Document]:
    return scope_queryset(Document.objects.select_related("project", "subsystem", "device"), user)


def document_get_for_user(*, user, pk: int) -> Document:
    return get_for_user(Document.objects.select_related("customer", "project", "subsystem", "device"), user, pk=pk)


def document_version_get_for_user(*, user, document_pk: int, number: int) -> DocumentVersion:
    qs = DocumentVersion.objects.select_related("document")
    return get_for_user(qs, user, document_id=document_pk, number=number)


def documents_for(
    *, user, project: Project | None = None, subsystem: Subsystem | None = None, device: Device | None = None
) -> QuerySet[Document]:
    """Documents of a project (including its subsystems' and devices'), a subsystem, or a device."""
    qs = document_qs_for(user)
    if device is not None:
        cond = Q(device=device)
        if device.subsystem_id:
            cond |= Q(subsystem_id=device.subsystem_id, device__isnull=True)
        qs = qs.filter(cond)
    elif subsystem is not None:
        qs = qs.filter(subsystem=subsystem)
    elif project is not None:
        qs = qs.filter(project=project)
    return qs.order_by("doc_type", "title")


# --- imports -----------------------------------------------------------------------------------------------------
def import_job_qs_for(user) -> QuerySet[ImportJob]:
    """Import jobs are staff work (customers and vendors see none). A job holds a customer's whole equipment list:
    it is seen by its creator, by colleagues of the creator's branch (so a branch can finish an import its
    absent colleague started, as a service desk hands work over) and by administrators."""
    qs = scope_queryset(ImportJob.objects.all(), user)  # none for customers, vendors and anonymous users
    if qs.query.is_empty() or user.role == Role.ADMIN:
        return qs
    seen = Q(created_by=user)
    if user.branch_id is not None:
        seen |= Q(created_by__branch_id=user.branch_id)
    return qs.filter(seen)


def import_job_get_for_user(*, user, pk: int) -> ImportJob:
    """One import job the user may see (see `import_job_qs_for`), else 404."""
    return get_for_user(import_job_qs_for(user).select_related("customer", "project"), user, pk=pk)


# --- pre-visit briefing --------------------------------------------------------------------------------------------
BRIEFING_MAX_DEVICES = 500


@dataclass
class WarrantySummary:
    in_warranty: int = 0
    expired: int = 0
    unknown: int = 0
    expiring_soon: int = 0  # within 90 days


def _warranty_summary(devices: list[Device], today: datetime.date) -> WarrantySummary:
    summary = WarrantySummary()
    soon = today + datetime.timedelta(days=90)
    for d in devices:
        if d.warranty_end is None:
            summary.unknown += 1
        elif d.warranty_end < today:
            summary.expired += 1
        else:
            summary.in_warranty += 1
            if d.warranty_end <= soon:
                summary.expiring_soon += 1
    return summary


def briefing_data(
    *, user, site: Site | None = None, project: Project | None = None, device: Device | None = None
) -> dict:
    """Everything an engineer needs before a visit, for one site, project or device (already access-checked)."""
    today = timezone.localdate()
    if device is not None:
        customer = device.customer
        site = device.site
        projects = [device.project] if device.project_id else []
        devices_qs = Device.objects.filter(pk=device.pk)
        subsystems_qs = (
            Subsystem.objects.filter(pk=device.subsystem_id) if device.subsystem_id else Subsystem.objects.none()
        )
        documents = (
            list(
                document_qs_for(user).filter(
                    Q(device=device)
                    | Q(subsystem_id=device.subsystem_id, device__isnull=True)
                    | Q(project_id=device.project_id, subsystem__isnull=True, device__isnull=True)
                )
            )
            if device.project_id or device.subsystem_id
            else list(document_qs_for(user).filter(device=device))
        )
    elif project is not None:
        customer = project.customer
        site = site or project.site
        projects = [project]
        devices_qs = Device.objects.filter(project=project)
        subsystems_qs = project.subsystems.all()
        documents = list(document_qs_for(user).filter(project=project))
    else:
        assert site is not None  # noqa: S101
        customer = site.customer
        devices_qs = Device.objects.filter(site=site)
        # The site's projects and those of its devices (up to 50 each). order_by(): the model's default ordering (-id)
        # would make it DISTINCT (project_id, id), i.e. 50 devices' projects rather than up to 50 distinct projects.
        # The ids go in as values, not as a subquery: `site_id = … OR id IN (subquery)` can only be a filter over
        # every project, while `site_id = … OR id IN (…)` is two index scans.
        device_projects = list(
            devices_qs.exclude(project=None).order_by().values_list("project_id", flat=True).distinct()[:50]
        )
        projects = list(Project.objects.filter(Q(site=site) | Q(pk__in=device_projects)).order_by("name")[:100])
        project_ids = [p.pk for p in projects]
        subsystems_qs = Subsystem.objects.filter(project_id__in=project_ids)
        documents = list(document_qs_for(user).filter(project_id__in=project_ids))
    devices = list(
        devices_qs.exclude(status="retired")
        .select_related("vendor", "subsystem", "site")
        .order_by("subsystem__name", "location", "id")[: BRIEFING_MAX_DEVICES + 1]
    )
    truncated = len(devices) > BRIEFING_MAX_DEVICES
    devices = devices[:BRIEFING_MAX_DEVICES]
    from weibao.assets.models import ProjectInstaller
    from weibao.customers.models import Contact

    contacts = Contact.objects.filter(customer=customer).select_related("site")
    if site is not None:
        contacts = contacts.filter(Q(site=site) | Q(site__isnull=True))
    # Which required document types each project has on file: for a site or a project, the documents loaded above
    # are all of its projects' documents; a device's briefing lists only its own, so its project is asked.
    present: dict[int, set[str]] = {p.pk: set() for p in projects}
    if device is None:
        pairs = {(d.project_id, d.doc_type) for d in documents if d.current_version > 0 and d.project_id in present}
    else:
        pairs = (
            Document.objects.filter(project__in=projects, current_version__gt=0)
            .values_list("project_id", "doc_type")
            .distinct()
        )
    for project_id, doc_type in pairs:
        present[project_id].add(doc_type)
    missing = {
        pk: [DocumentType(t) for t in REQUIRED_PROJECT_DOCUMENTS if t not in types] for pk, types in present.items()
    }
    return {
        "customer": customer,
        "site": site,
        "project": project,
        "device": device,
        "projects": projects,
        "subsystems": list(subsystems_qs.select_related("project").order_by("project__name", "kind", "name")),
        "devices": devices,
        "devices_truncated": truncated,
        "documents": sorted(documents, key=lambda d: (d.doc_type, d.title)),
        "installers": list(ProjectInstaller.objects.filter(project__in=projects).select_related("project")),
        "contacts": list(contacts.order_by("-is_primary", "name")[:50]),
        "vendors": sorted({d.vendor_id: d.vendor for d in devices if d.vendor_id}.values(), key=lambda v: v.name),
        "warranty": _warranty_summary(devices, today),
        "missing_documents": [(p, missing[p.pk]) for p in projects if not p.built_by_us or missing[p.pk]],
        "today": today,
    }
