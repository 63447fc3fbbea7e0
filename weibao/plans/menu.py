"""The plans app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Plan follow-up"), "plans:overview", "plans.edit", "clipboard-check", order=100),
    NavItem(_("Change requests"), "plans:changes", "plans.changes", "wrench", order=110),
)
