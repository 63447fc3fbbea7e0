"""REST API for customers, sites and contacts (mounted at /api/customers/)."""

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from weibao.accounts.models import Branch, Region
from weibao.accounts.permissions import require
from weibao.core.apischema import BoundedInt, Id, Offset, api_errors, patch_changes
from weibao.customers import services
from weibao.customers.models import Site
from weibao.customers.schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    SiteIn,
    SiteOut,
    SitePatch,
)
from weibao.customers.selectors import (
    contact_find,
    contact_get_for_user,
    contact_qs_for,
    customer_get_for_user,
    customer_list,
    site_get_for_user,
    site_list,
)

router = Router(tags=["customers"])
MAX_LIMIT = 200


@router.get("", response=list[CustomerOut])
def list_customers(request, q: str = "", offset: Offset = 0, limit: BoundedInt = 50):
    require(request.auth, "estate.view")
    limit = max(1, min(limit, MAX_LIMIT))
    return list(customer_list(user=request.auth, q=q)[max(offset, 0) : max(offset, 0) + limit])


@router.post("", response={201: CustomerOut})
@api_errors(404)
def create_customer(request, payload: CustomerIn):
    require(request.auth, "estate.edit")
    data = payload.dict()
    branch_id = data.pop("branch_id")
    branch = get_object_or_404(Branch, pk=branch_id) if branch_id else None
    return Status(201, services.customer_create(actor=request.auth, branch=branch, **data))


@router.get("/{int:customer_id}", response=CustomerOut)
def get_customer(request, customer_id: Id):
    require(request.auth, "estate.view")
    return customer_get_for_user(user=request.auth, pk=customer_id)


@router.patch("/{int:customer_id}", response=CustomerOut)
def update_customer(request, customer_id: Id, payload: CustomerPatch):
    require(request.auth, "estate.edit")
    customer = customer_get_for_user(user=request.auth, pk=customer_id)
    changes = patch_changes(payload, nullable=("branch_id",))
    if "branch_id" in changes:
        branch_id = changes.pop("branch_id")
        changes["branch"] = get_object_or_404(Branch, pk=branch_id) if branch_id else None
    return services.customer_update(customer=customer, actor=request.auth, **changes)


@router.get("/{int:customer_id}/sites", response=list[SiteOut])
def list_sites(request, customer_id: Id):
    require(request.auth, "estate.view")
    customer = customer_get_for_user(user=request.auth, pk=customer_id)
    return list(site_list(user=request.auth, customer_id=customer.pk))


@router.post("/{int:customer_id}/sites", response={201: SiteOut})
def create_site(request, customer_id: Id, payload: SiteIn):
    require(request.auth, "estate.edit")
    customer = customer_get_for_user(user=request.auth, pk=customer_id)
    data = payload.dict()
    region_id = data.pop("region_id")
    region = get_object_or_404(Region, pk=region_id) if region_id else None
    return Status(201, services.site_create(actor=request.auth, customer=customer, region=region, **data))


@router.get("/sites/{int:site_id}", response=SiteOut)
def get_site(request, site_id: Id):
    require(request.auth, "estate.view")
    return site_get_for_user(user=request.auth, pk=site_id)


@router.get("/{int:customer_id}/contacts", response=list[ContactOut])
def list_contacts(request, customer_id: Id):
    require(request.auth, "estate.view")
    customer = customer_get_for_user(user=request.auth, pk=customer_id)
    return list(contact_qs_for(request.auth).filter(customer=customer))


@router.post("/{int:customer_id}/contacts", response={201: ContactOut})
def create_contact(request, customer_id: Id, payload: ContactIn):
    require(request.auth, "estate.edit")
    customer = customer_get_for_user(user=request.auth, pk=customer_id)
    data = payload.dict()
    site_id = data.pop("site_id")
    site = get_object_or_404(Site, pk=site_id, customer=customer) if site_id else None
    return Status(201, services.contact_create(actor=request.auth, customer=customer, site=site, **data))


@router.patch("/sites/{int:site_id}", response=SiteOut)
def update_site(request, site_id: Id, payload: SitePatch):
    require(request.auth, "estate.edit")
    site = site_get_for_user(user=request.auth, pk=site_id)
    changes = patch_changes(payload, nullable=("region_id",))
    if "region_id" in changes:
        region_id = changes.pop("region_id")
        changes["region"] = get_object_or_404(Region, pk=region_id) if region_id else None
    return services.site_update(site=site, actor=request.auth, **changes)


@router.get("/contacts", response=list[ContactOut])
def find_contacts(request, q: str):
    """Contacts by phone, mobile, email or name (who is calling?)."""
    require(request.auth, "estate.view")
    return list(contact_find(query=q, user=request.auth))


@router.patch("/contacts/{int:contact_id}", response=ContactOut)
def update_contact(request, contact_id: Id, payload: ContactPatch):
    require(request.auth, "estate.edit")
    contact = contact_get_for_user(user=request.auth, pk=contact_id)
    changes = patch_changes(payload, nullable=("site_id",))
    if "site_id" in changes:
        site_id = changes.pop("site_id")
        changes["site"] = get_object_or_404(Site, pk=site_id, customer_id=contact.customer_id) if site_id else None
    return services.contact_update(contact=contact, actor=request.auth, **changes)
