"""Factories for work orders and the estate rows they hang off. Orders are made through the intake service so
that number, clocks and the first event are real; later states are reached through the transition services."""

import factory

from weibao.accounts.tests.factories import OrganisationFactory, UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"
        django_get_or_create = ["organisation"]

    organisation = factory.SubFactory(OrganisationFactory, kind="customer")
    code = factory.Sequence(lambda n: f"WC{n:04d}")
    name = factory.LazyAttribute(lambda o: o.organisation.name)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Site"

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda o: o.customer.organisation)
    name = factory.Sequence(lambda n: f"站点{n}")
    region_tier = "city"


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Vendor"
        django_get_or_create = ["organisation"]

    organisation = factory.SubFactory(OrganisationFactory, kind="vendor")
    name = factory.LazyAttribute(lambda o: o.organisation.name)


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Device"

    site = factory.SubFactory(SiteFactory)
    customer = factory.LazyAttribute(lambda o: o.site.customer)
    organisation = factory.LazyAttribute(lambda o: o.site.organisation)
    vendor = factory.SubFactory(VendorFactory)
    model = "S5720-28X"
    serial_number = factory.Sequence(lambda n: f"WSN{n:07d}")
    category = "hardware"


class StaffFactory(UserFactory):
    """One of our engineers (own company)."""

    organisation = factory.LazyFunction(lambda: __import__("weibao.accounts.services", fromlist=["x"]).own_company())
    role = "field_engineer"


def make_workorder(*, actor=None, site=None, customer=None, **kwargs):
    """A new work order through the real intake service."""
    from weibao.workorders.services import workorder_create

    if site is None:
        site = SiteFactory(customer=customer) if customer is not None else SiteFactory()
    if actor is None:
        actor = StaffFactory(role="duty_engineer")
    kwargs.setdefault("channel", "phone")
    kwargs.setdefault("symptom", "核心交换机端口大量丢包，财务系统无法访问")
    kwargs.setdefault("severity", "B")
    return workorder_create(actor=actor, customer=site.customer, site=site, **kwargs)


class Boom(Exception):
    """Raised by `make_workorder_then_fail` to roll a transaction back on purpose."""


def make_workorder_then_fail(*, check=lambda: None, **kwargs):
    """A report whose surrounding transaction then fails (Boom): `check` runs while the transaction is still open."""
    from django.db import transaction

    with transaction.atomic():
        make_workorder(**kwargs)
        check()
        raise Boom
