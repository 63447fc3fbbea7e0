import factory

from weibao.accounts.tests.factories import OrganisationFactory
from weibao.assets.choices import DocumentType, SubsystemKind
from weibao.assets.models import Device, Document, Project, Subsystem, Vendor
from weibao.customers.tests.factories import CustomerFactory, SiteFactory


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"厂商{n}")
    organisation = factory.SubFactory(OrganisationFactory, kind="vendor", name=factory.SelfAttribute("..name"))
    support_phone = "400-800-0000"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda p: p.customer.organisation)
    code = factory.Sequence(lambda n: f"P{n:04d}")
    name = factory.Sequence(lambda n: f"智能化项目{n}")


class SubsystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subsystem

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.LazyAttribute(lambda s: s.project.organisation)
    kind = SubsystemKind.NETWORK
    name = factory.Sequence(lambda n: f"网络系统{n}")
    cautions = "核心交换机重启须先确认业务窗口"


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    customer = factory.SubFactory(CustomerFactory)
    organisation = factory.LazyAttribute(lambda d: d.customer.organisation)
    site = factory.SubFactory(SiteFactory, customer=factory.SelfAttribute("..customer"))
    vendor = factory.SubFactory(VendorFactory)
    name = factory.Sequence(lambda n: f"交换机{n}")
    model = "S5735-L48T4X"
    serial_number = factory.Sequence(lambda n: f"SN{n:08d}")
    location = "3F 机房 A02"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    project = factory.SubFactory(ProjectFactory)
    customer = factory.LazyAttribute(lambda d: d.project.customer)
    organisation = factory.LazyAttribute(lambda d: d.project.organisation)
    doc_type = DocumentType.DRAWING
    title = "施工图纸"
