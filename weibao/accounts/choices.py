from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    OWN = "own", _("Our company")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    SUPERVISOR = "supervisor", _("Supervision company (监理)")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    DUTY_ENGINEER = "duty_engineer", _("Duty engineer")
    FIELD_ENGINEER = "field_engineer", _("Field engineer")
    SERVICE_ADMIN = "service_admin", _("Service administrator")
    PROJECT_MANAGER = "project_manager", _("Project manager")
    CUSTOMER_CONTACT = "customer_contact", _("Customer contact")
    VENDOR_CONTACT = "vendor_contact", _("Vendor contact")
    COMMERCIAL = "commercial", _("Commercial department (商务部)")
    SALES = "sales", _("Sales (销售)")
    PRESALES = "presales", _("Pre-sales engineer (售前工程师)")
    SUPERVISOR = "supervisor", _("Supervisor (监理)")


STAFF_ROLES = frozenset(
    {
        Role.ADMIN,
        Role.SERVICE_MANAGER,
        Role.DUTY_ENGINEER,
        Role.FIELD_ENGINEER,
        Role.SERVICE_ADMIN,
        Role.PROJECT_MANAGER,
        Role.COMMERCIAL,
        Role.SALES,
        Role.PRESALES,
    }
)
# Which organisation kind each role belongs to: a customer contact can only sit in a customer organisation.
ROLE_ORGANISATION_KIND = {
    **dict.fromkeys(STAFF_ROLES, OrganisationKind.OWN),
    Role.CUSTOMER_CONTACT: OrganisationKind.CUSTOMER,
    Role.VENDOR_CONTACT: OrganisationKind.VENDOR,
    Role.SUPERVISOR: OrganisationKind.SUPERVISOR,  # an outside party: sees only the delivery projects it supervises
}


class AuthorityLevel(models.TextChoices):
    GENERAL_MANAGER = "general_manager", _("General manager")
    DEPARTMENT_MANAGER = "department_manager", _("Department manager")
    STAFF = "staff", _("Staff")


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    LOCKED = "locked", _("Locked out")
    LOGOUT = "logout", _("Logout")
    UNLOCKED = "unlocked", _("Unlocked by an administrator")
