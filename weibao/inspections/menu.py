"""The inspections app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Inspections"), "inspections:visit_list", "inspections.view", "calendar-check", order=240),
)
