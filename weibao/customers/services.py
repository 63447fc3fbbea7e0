"""Writes for customers, sites and contacts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.choices import OrganisationKind
from weibao.accounts.models import Branch, Organisation, Region
from weibao.accounts.services import organisation_create
from weibao.customers.choices import RegionTier
from weibao.customers.models import Contact, Customer, Site

CUSTOMER_FIELDS = ("name", "industry", "address", "branch", "email_domains", "notes")
SITE_FIELDS = ("name", "address", "region_tier", "region", "timezone", "notes")
CONTACT_FIELDS = ("name", "role", "mobile", "phone", "email", "wechat_id", "site", "is_primary", "notes")


@transaction.atomic
def customer_create(
    *,
    actor,
    code: str,
    name: str,
    industry: str = "",
    address: str = "",
    branch: Branch | None = None,
    email_domains: str = "",
    notes: str = "",
) -> Customer:
    """A new customer and the organisation its contacts will log in under."""
    _check_name_free(name=name.strip())
    organisation = organisation_create(kind=OrganisationKind.CUSTOMER, name=name)
    customer = Customer(
        organisation=organisation,
        code=code.strip(),
        name=name.strip(),
        industry=industry.strip(),
        address=address.strip(),
        branch=branch,
        email_domains=_clean_domains(email_domains),
        notes=notes,
    )
    customer.full_clean()
    customer.save()
    return customer


def _check_name_free(*, name: str, organisation_id: int | None = None) -> None:
    """The customer's organisation carries its name, unique among customers: a taken name is the name's error
    (not the database's IntegrityError)."""
    taken = Organisation.objects.filter(kind=OrganisationKind.CUSTOMER, name=name).exclude(pk=organisation_id)
    if taken.exists():
        raise ValidationError({"name": _("Another customer already has this name.")})


@transaction.atomic
def customer_update(*, customer: Customer, actor, **changes) -> Customer:
    for field, value in changes.items():
        if field not in CUSTOMER_FIELDS:
            raise TypeError(f"customer_update() cannot change {field!r}")
        setattr(customer, field, _clean_domains(value) if field == "email_domains" else value)
    customer.full_clean()
    if "name" in changes:
        _check_name_free(name=customer.name, organisation_id=customer.organisation_id)
    customer.save()
    if "name" in changes and customer.organisation.name != customer.name:
        # The organisation carries the same name so that logins and menus say who the user works for.
        customer.organisation.name = customer.name
        customer.organisation.save(update_fields=["name", "updated_at"])
    return customer


def site_create(
    *,
    actor,
    customer: Customer,
    name: str,
    address: str = "",
    region_tier: str = RegionTier.CITY,
    region: Region | None = None,
    timezone: str = "Asia/Shanghai",
    notes: str = "",
) -> Site:
    site = Site(
        customer=customer,
        organisation_id=customer.organisation_id,
        name=name.strip(),
        address=address.strip(),
        region_tier=region_tier,
        region=region,
        timezone=timezone or "Asia/Shanghai",
        notes=notes,
    )
    _check_time_zone(site)
    site.full_clean()
    site.save()
    return site


def site_update(*, site: Site, actor, **changes) -> Site:
    for field, value in changes.items():
        if field not in SITE_FIELDS:
            raise TypeError(f"site_update() cannot change {field!r}")
        setattr(site, field, value)
    _check_time_zone(site)
    site.full_clean()
    site.save()
    return site


def contact_create(*, actor, customer: Customer, name: str, site: Site | None = None, **fields) -> Contact:
    if site is not None and site.customer_id != customer.pk:
        raise ValidationError({"site": _("The site belongs to another customer.")})
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"contact_create() got unknown fields {sorted(unknown)}")
    contact = Contact(
        customer=customer, organisation_id=customer.organisation_id, site=site, name=name.strip(), **fields
    )
    contact.full_clean()
    contact.save()
    return contact


def contact_update(*, contact: Contact, actor, **changes) -> Contact:
    for field, value in changes.items():
        if field not in CONTACT_FIELDS:
            raise TypeError(f"contact_update() cannot change {field!r}")
        setattr(contact, field, value)
    if contact.site is not None and contact.site.customer_id != contact.customer_id:
        raise ValidationError({"site": _("The site belongs to another customer.")})
    contact.full_clean()
    contact.save()
    return contact


def _check_time_zone(site: Site) -> None:
    """A site's time zone must be a real IANA name (the model field carries no validator)."""
    from weibao.core.validators import validate_time_zone

    try:
        validate_time_zone(site.timezone)
    except ValidationError as exc:
        raise ValidationError({"timezone": exc}) from None


def _clean_domains(value: str) -> str:
    return ",".join(d.strip().lower().lstrip("@") for d in (value or "").split(",") if d.strip())
