"""Factories for contracts, calendars and the bits of estate they need (customers, sites, projects, devices)."""

import datetime

import factory

from weibao.accounts.tests.factories import OrganisationFactory
from weibao.contracts.choices import CalendarKind, ContractStatus
from weibao.contracts.models import BusinessCalendar, Contract, WarrantyTerm
from weibao.contracts.services import sla_policy_create_default


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    organisation = factory.SubFactory(OrganisationFactory, kind="customer")
    code = factory.Sequence(lambda n: f"C{n:04d}")
    name = factory.LazyAttribute(lambda o: o.organisation.name)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Site"

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda o: o.customer.organisation)
    name = factory.Sequence(lambda n: f"站点{n}")
    region_tier = "city"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Project"

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda o: o.customer.organisation)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"项目{n}")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Vendor"

    organisation = factory.SubFactory(OrganisationFactory, kind="vendor")
    name = factory.Sequence(lambda n: f"厂商{n}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "assets.Device"

    site = factory.SubFactory(SiteFactory)
    customer = factory.LazyAttribute(lambda o: o.site.customer)
    organisation = factory.LazyAttribute(lambda o: o.site.organisation)
    vendor = factory.SubFactory(VendorFactory)
    model = "DS-2CD"
    serial_number = factory.Sequence(lambda n: f"SN{n:06d}")
    category = "hardware"


class CalendarFactory(factory.django.DjangoModelFactory):
    """A 5x8 China calendar: 09:00–12:00 and 13:00–18:00 on working days."""

    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"5x8-{n}")
    kind = CalendarKind.WEEKLY
    mon_hours = tue_hours = wed_hours = thu_hours = fri_hours = "09:00-12:00,13:00-18:00"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True  # the policy hook writes its own rows; the contract needs no second save

    code = factory.Sequence(lambda n: f"HT-2026-{n:03d}")
    name = "维保合同"
    customer = factory.SubFactory(CustomerFactory)
    calendar = factory.SubFactory(CalendarFactory)
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    status = ContractStatus.ACTIVE
    covers_all = True

    @factory.post_generation
    def policy(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not False:
            sla_policy_create_default(contract=obj)


class WarrantyTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyTerm

    contract = factory.SubFactory(ContractFactory)
    category = "hardware"
    months = 36
