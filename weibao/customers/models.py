"""Customers (客户), their sites (站点) and their people (联系人): who we maintain systems for, and where."""

from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Upper
from django.utils.translation import gettext_lazy as _

from weibao.core.models import TimeStampedModel
from weibao.core.phones import PhoneField
from weibao.customers.choices import RegionTier


class Customer(TimeStampedModel):
    """A company or institution whose systems we maintain.

    Each customer is one accounts.Organisation of kind "customer": its contacts log in as users of that organisation
    and see only this customer's estate.
    """

    CUSTOMER_SCOPE = "organisation"

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="customer", verbose_name=_("organisation")
    )
    code = models.CharField(_("customer code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    branch = models.ForeignKey(
        "accounts.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("responsible branch"),
    )
    email_domains = models.CharField(
        _("email domains"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. example.com; mail from these domains is filed under this customer."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # Upper-cased code, name and address in one column; on PostgreSQL it carries a trigram index (migration 0004).
    search_text = models.GeneratedField(
        expression=Upper(Concat("code", Value(" "), "name", Value(" "), "address", output_field=models.TextField())),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def email_domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]


class Site(TimeStampedModel):
    """A place where a customer's systems stand (a building, campus or branch office).

    The region tier sets the on-site arrival target (e.g. city 2 h, other counties 24 h).
    """

    CUSTOMER_SCOPE = "organisation"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="sites", verbose_name=_("customer"))
    # Denormalised from customer.organisation so that scoped lists use one index without a join.
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    region_tier = models.CharField(_("region tier"), max_length=16, choices=RegionTier.choices, default=RegionTier.CITY)
    region = models.ForeignKey(
        "accounts.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("service region"),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.GeneratedField(
        expression=Upper(Concat("name", Value(" "), "address", output_field=models.TextField())),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["customer__name", "name"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="site_unique_name_per_customer")]
        indexes = [models.Index(fields=["organisation", "name"], name="site_org_name_idx")]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """A person at a customer we talk to: reports faults, signs service forms, receives reports."""

    CUSTOMER_SCOPE = "organisation"

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts", verbose_name=_("site")
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role / title"), max_length=100, blank=True)
    mobile = PhoneField(_("mobile"), max_length=32, blank=True, db_index=True)
    phone = PhoneField(_("phone"), max_length=40, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=64, blank=True)
    # Enterprise IM identities: a message to our WeCom/DingTalk/Feishu application is matched to the contact by these
    # (weibao/inbound), before falling back to the mobile number.
    wecom_userid = models.CharField(_("WeCom user ID"), max_length=64, blank=True, db_index=True)
    dingtalk_userid = models.CharField(_("DingTalk user ID"), max_length=64, blank=True, db_index=True)
    feishu_open_id = models.CharField(_("Feishu open_id"), max_length=64, blank=True, db_index=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        indexes = [models.Index(fields=["organisation", "name"], name="contact_org_name_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name
