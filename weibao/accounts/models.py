"""Organisations, branches, regions and people: who is who, and whose data they may see."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from weibao.accounts.choices import STAFF_ROLES, AuthorityLevel, LoginOutcome, OrganisationKind, Role
from weibao.core.models import TimeStampedModel
from weibao.core.phones import PhoneField


class Organisation(TimeStampedModel):
    """A party Weibao knows: our own company (one row), a customer, or a vendor.

    It is the unit of data scoping: a customer or vendor user sees only rows tied to its organisation.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="organisation_unique_name_per_kind"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="own"), name="organisation_single_own_company"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name


class Region(TimeStampedModel):
    """A named service region (e.g. 南京市区, 苏州), served by one branch office."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    branch = models.ForeignKey(
        "accounts.Branch", on_delete=models.PROTECT, related_name="regions", verbose_name=_("branch")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Branch(TimeStampedModel):
    """The head office or a branch office (分公司) of our company, serving some regions."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    city = models.CharField(_("city"), max_length=60)
    is_head_office = models.BooleanField(_("head office"), default=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = PhoneField(_("hotline"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["-is_head_office", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_head_office"], condition=models.Q(is_head_office=True), name="branch_single_head_office"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Skill(TimeStampedModel):
    """Something a field engineer can do (e.g. 网络, 监控, PBX, 门禁); used to rank dispatch suggestions."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` must produce an administrator of our own company, not an orphan account.
        from weibao.accounts.services import own_company

        extra_fields.setdefault("organisation", own_company())
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """One account per person, in exactly one organisation, with one role."""

    first_name = None  # Chinese names are kept whole in `name`
    last_name = None
    name = models.CharField(_("name"), max_length=100)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, db_index=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("branch")
    )
    phone = PhoneField(_("mobile"), max_length=32, blank=True, db_index=True)
    skills = models.ManyToManyField(Skill, blank=True, related_name="engineers", verbose_name=_("skills"))
    is_dedicated = models.BooleanField(
        _("dedicated after-sales staff"), default=True, help_text=_("Non-dedicated staff are paid per visit.")
    )
    on_probation = models.BooleanField(_("on probation"), default=False)
    authority_level = models.CharField(
        _("authority level"), max_length=32, choices=AuthorityLevel.choices, default=AuthorityLevel.STAFF
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Empty: the browser's language, else Chinese.")
    )
    # Raised to end every session of the person at once (deactivation, "sign out everywhere"): it is part of the
    # session hash, so a session from before no longer matches even when the account is reactivated later.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0, editable=False)

    objects = UserManager()
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        indexes = [models.Index(fields=["organisation", "role"], name="user_org_role_idx")]

    def __str__(self) -> str:
        return self.name or self.username

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django checks this against the hash stored at login: a new password or a raised generation ends the
        # session (the password alone would let a deactivated-then-reactivated account's old sessions live on).
        return salted_hmac(
            "weibao.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_internal(self) -> bool:
        """Our own company's staff (not a customer or vendor user)."""
        return self.role in STAFF_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER_CONTACT

    @property
    def is_vendor(self) -> bool:
        return self.role == Role.VENDOR_CONTACT


class LoginEvent(models.Model):
    """Audit of every login success and failure, lockout and logout, with time and address (SPEC §8)."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=LoginOutcome.choices)
    username = models.CharField(_("username"), max_length=150, db_index=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="login_events")
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("login event")
        verbose_name_plural = _("login events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.outcome}"


class ApiToken(TimeStampedModel):
    """A revocable API token of one user; only its SHA-256 digest is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
