"""REST API of the estate (mounted at /api/estate/): devices, projects, subsystems, vendors, documents, search."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from weibao.accounts.permissions import require
from weibao.accounts.security import client_ip
from weibao.assets import services
from weibao.assets.models import Vendor
from weibao.assets.schemas import (
    DeviceEventOut,
    DeviceIn,
    DeviceOut,
    DevicePage,
    DevicePatch,
    DeviceReplaceIn,
    DeviceStatusIn,
    DocumentOut,
    DocumentVersionOut,
    ProjectIn,
    ProjectOut,
    SearchOut,
    SubsystemIn,
    SubsystemOut,
    VendorIn,
    VendorOut,
)
from weibao.assets.selectors import (
    DeviceFilter,
    device_get_for_user,
    device_history,
    device_list,
    document_get_for_user,
    document_version_get_for_user,
    documents_for,
    estate_search,
    keyset_page,
    project_get_for_user,
    project_list,
    subsystem_get_for_user,
    vendor_list,
)
from weibao.core.apischema import BoundedInt, Id, Offset, Schema, api_errors, patch_changes
from weibao.core.files import StoredFileMissing, open_stored_file
from weibao.customers.selectors import customer_get_for_user, site_get_for_user

router = Router(tags=["estate"])


class DeviceQuery(Schema):
    q: str = ""
    customer: int | None = None
    site: int | None = None
    project: int | None = None
    subsystem: int | None = None
    vendor: int | None = None
    status: str = ""
    category: str = ""
    warranty: str = ""
    after: int | None = None
    limit: int = 50


@router.get("/devices", response=DevicePage)
def list_devices(request, query: Query[DeviceQuery]):
    """Devices newest first, keyset-paginated: pass `next_after` back as `after`."""
    require(request.auth, "estate.view")
    filters = DeviceFilter(
        q=query.q.strip()[:100],
        customer=query.customer,
        site=query.site,
        project=query.project,
        subsystem=query.subsystem,
        vendor=query.vendor,
        status=query.status,
        category=query.category,
        warranty=query.warranty,
    )
    after, limit = query.after, max(1, min(query.limit, 200))
    page = keyset_page(device_list(user=request.auth, filters=filters), after=after, size=limit)
    return {"items": page.items, "next_after": page.next_after}


@router.post("/devices", response={201: DeviceOut})
@api_errors(404)
def create_device(request, payload: DeviceIn):
    require(request.auth, "estate.edit")
    data = payload.dict()
    customer = customer_get_for_user(user=request.auth, pk=data.pop("customer_id"))
    site = site_get_for_user(user=request.auth, pk=data.pop("site_id"))
    vendor = get_object_or_404(Vendor, pk=data.pop("vendor_id"))
    project_id, subsystem_id = data.pop("project_id"), data.pop("subsystem_id")
    project = project_get_for_user(user=request.auth, pk=project_id) if project_id else None
    subsystem = subsystem_get_for_user(user=request.auth, pk=subsystem_id) if subsystem_id else None
    device = services.device_create(
        actor=request.auth, customer=customer, site=site, vendor=vendor, project=project, subsystem=subsystem, **data
    )
    return Status(201, device)


@router.get("/devices/{int:device_id}", response=DeviceOut)
def get_device(request, device_id: Id):
    require(request.auth, "estate.view")
    return device_get_for_user(user=request.auth, pk=device_id)


@router.patch("/devices/{int:device_id}", response=DeviceOut)
def update_device(request, device_id: Id, payload: DevicePatch):
    require(request.auth, "estate.edit")
    device = device_get_for_user(user=request.auth, pk=device_id)
    changes = patch_changes(payload, nullable=("subsystem_id", "installed_on", "warranty_end"))
    if "site_id" in changes:
        changes["site"] = site_get_for_user(user=request.auth, pk=changes.pop("site_id"))
    if "subsystem_id" in changes:
        sid = changes.pop("subsystem_id")
        changes["subsystem"] = subsystem_get_for_user(user=request.auth, pk=sid) if sid else None
    return services.device_update(device=device, actor=request.auth, **changes)


@router.post("/devices/{int:device_id}/status", response=DeviceOut)
def set_device_status(request, device_id: Id, payload: DeviceStatusIn):
    require(request.auth, "estate.edit")
    device = device_get_for_user(user=request.auth, pk=device_id)
    return services.device_set_status(device=device, status=payload.status, note=payload.note, actor=request.auth)


@router.get("/devices/{int:device_id}/history", response=list[DeviceEventOut])
def get_device_history(request, device_id: Id):
    require(request.auth, "estate.view")
    return list(device_history(device=device_get_for_user(user=request.auth, pk=device_id))[:200])


@router.get("/devices/{int:device_id}/documents", response=list[DocumentOut])
def get_device_documents(request, device_id: Id):
    require(request.auth, "estate.documents")
    return list(documents_for(user=request.auth, device=device_get_for_user(user=request.auth, pk=device_id)))


@router.get("/search", response=SearchOut)
def search(request, q: str):
    """Customers, sites and devices by name, code, address, serial number, IP, model or location."""
    require(request.auth, "estate.view")
    result = estate_search(user=request.auth, q=q)
    return {
        "customers": [{"id": c.pk, "code": c.code, "name": c.name} for c in result.customers],
        "sites": [
            {"id": s.pk, "customer_id": s.customer_id, "name": s.name, "address": s.address} for s in result.sites
        ],
        "devices": result.devices,
    }


@router.get("/projects", response=list[ProjectOut])
def list_projects(request, q: str = "", customer: Id | None = None, offset: Offset = 0, limit: BoundedInt = 50):
    require(request.auth, "estate.view")
    offset, limit = max(offset, 0), max(1, min(limit, 200))
    return list(project_list(user=request.auth, q=q, customer_id=customer)[offset : offset + limit])


@router.post("/projects", response={201: ProjectOut})
@api_errors(404)
def create_project(request, payload: ProjectIn):
    require(request.auth, "estate.edit")
    data = payload.dict()
    customer = customer_get_for_user(user=request.auth, pk=data.pop("customer_id"))
    site_id = data.pop("site_id")
    site = site_get_for_user(user=request.auth, pk=site_id) if site_id else None
    return Status(201, services.project_create(actor=request.auth, customer=customer, site=site, **data))


@router.get("/projects/{int:project_id}", response=ProjectOut)
def get_project(request, project_id: Id):
    require(request.auth, "estate.view")
    return project_get_for_user(user=request.auth, pk=project_id)


@router.get("/projects/{int:project_id}/subsystems", response=list[SubsystemOut])
def list_subsystems(request, project_id: Id):
    require(request.auth, "estate.view")
    return list(project_get_for_user(user=request.auth, pk=project_id).subsystems.order_by("kind", "name"))


@router.post("/projects/{int:project_id}/subsystems", response={201: SubsystemOut})
def create_subsystem(request, project_id: Id, payload: SubsystemIn):
    require(request.auth, "estate.edit")
    project = project_get_for_user(user=request.auth, pk=project_id)
    return Status(201, services.subsystem_create(actor=request.auth, project=project, **payload.dict()))


@router.get("/projects/{int:project_id}/documents", response=list[DocumentOut])
def list_project_documents(request, project_id: Id):
    require(request.auth, "estate.documents")
    return list(documents_for(user=request.auth, project=project_get_for_user(user=request.auth, pk=project_id)))


@router.get("/documents/{int:document_id}/versions", response=list[DocumentVersionOut])
def list_document_versions(request, document_id: Id):
    require(request.auth, "estate.documents")
    document = document_get_for_user(user=request.auth, pk=document_id)
    return [
        {
            **{f: getattr(v, f) for f in ("number", "original_name", "size", "content_type", "sha256", "uploaded_at")},
            "download_url": reverse("assets:document_download", args=[document.pk, v.number]),
        }
        for v in document.versions.all()
    ]


@router.get("/vendors", response=list[VendorOut])
def list_vendors(request):
    require(request.auth, "estate.edit")  # reference data for staff; vendors see only their escalations
    return list(vendor_list())


@router.post("/vendors", response={201: VendorOut})
def create_vendor(request, payload: VendorIn):
    require(request.auth, "estate.edit")
    return Status(201, services.vendor_create(actor=request.auth, **payload.dict()))


@router.post("/devices/{int:device_id}/replace", response={201: DeviceOut})
def replace_device(request, device_id: Id, payload: DeviceReplaceIn):
    """Hardware replacement: the device is retired and a new unit with the given serial takes its place."""
    require(request.auth, "estate.edit")
    device = device_get_for_user(user=request.auth, pk=device_id)
    return Status(201, services.device_replace(device=device, actor=request.auth, **payload.dict()))


@router.post("/documents", response={201: DocumentOut})
@api_errors(404)
def upload_document(
    request,
    doc_type: Form[str],
    title: Form[str],
    file: File[UploadedFile],
    project_id: Form[Id | None] = None,
    subsystem_id: Form[Id | None] = None,
    device_id: Form[Id | None] = None,
    description: Form[str] = "",
):
    """A new document (multipart form) for a project, subsystem or device; the file is checked like UI uploads."""
    require(request.auth, "estate.edit")
    target = {}
    if device_id:
        target["device"] = device_get_for_user(user=request.auth, pk=device_id)
    elif subsystem_id:
        target["subsystem"] = subsystem_get_for_user(user=request.auth, pk=subsystem_id)
    elif project_id:
        target["project"] = project_get_for_user(user=request.auth, pk=project_id)
    else:
        raise Http404
    obj = next(iter(target.values()))
    customer = obj.project.customer if "subsystem" in target else obj.customer
    document = services.document_create(
        actor=request.auth,
        customer=customer,
        doc_type=doc_type,
        title=title,
        description=description,
        upload=file,
        **target,
    )
    return Status(201, document)


@router.post("/documents/{int:document_id}/versions", response={201: DocumentVersionOut})
def upload_document_version(request, document_id: Id, file: File[UploadedFile], note: Form[str] = ""):
    require(request.auth, "estate.edit")
    document = document_get_for_user(user=request.auth, pk=document_id)
    v = services.document_add_version(document=document, actor=request.auth, upload=file, note=note)
    return Status(
        201,
        {
            **{f: getattr(v, f) for f in ("number", "original_name", "size", "content_type", "sha256", "uploaded_at")},
            "download_url": reverse("assets:document_download", args=[document.pk, v.number]),
        },
    )


@router.get("/documents/{int:document_id}/versions/{int:number}/file")
def download_document_version(request, document_id: Id, number: Id):
    """The file of one version, as an attachment; every download is audited."""
    require(request.auth, "estate.documents")
    version = document_version_get_for_user(user=request.auth, document_pk=document_id, number=number)
    try:
        handle = open_stored_file(version.file)
    except StoredFileMissing:
        raise Http404 from None  # the API's 404 {"detail": ...}
    services.document_download_record(
        version=version,
        user=request.auth,
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=version.original_name,
        content_type=version.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
