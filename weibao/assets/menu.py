"""The assets app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Devices"), "assets:device_list", "estate.browse", "server", order=140),
    NavItem(_("Projects"), "assets:project_list", "estate.browse", "folder-kanban", order=150),
    NavItem(_("Search the estate"), "assets:search", "estate.browse", "search", order=160),
    NavItem(_("Vendors"), "assets:vendor_list", "estate.edit", "factory", order=170),
)
