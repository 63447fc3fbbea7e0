"""The core app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Dashboard"), "core:home", "workorders.view", "house", order=10),
    NavItem(_("System status"), "core:system_status", "system.status", "activity", order=430),
)
