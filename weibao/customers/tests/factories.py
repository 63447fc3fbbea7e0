import factory

from weibao.accounts.tests.factories import OrganisationFactory
from weibao.customers.choices import RegionTier
from weibao.customers.models import Contact, Customer, Site


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ["organisation"]

    organisation = factory.SubFactory(OrganisationFactory, kind="customer")
    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.LazyAttribute(lambda c: c.organisation.name)
    industry = "医疗卫生"


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda s: s.customer.organisation)
    name = factory.Sequence(lambda n: f"站点{n}")
    address = "南京市玄武区中山路1号"
    region_tier = RegionTier.CITY


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda c: c.customer.organisation)
    name = factory.Sequence(lambda n: f"联系人{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.cn")
