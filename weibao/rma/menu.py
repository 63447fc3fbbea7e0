"""The rma app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Repairs (RMA)"), "rma:list", "rma.view", "rotate-ccw", order=290),
    NavItem(_("Vendor escalations"), "rma:escalation_list", "escalation.view", "factory", order=300),
    NavItem(_("Vendor support agreements"), "rma:agreements", "vendors.agreements", "file-text", order=310),
)
