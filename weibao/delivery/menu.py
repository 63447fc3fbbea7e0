"""The delivery app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Project delivery"), "delivery:board", "delivery.view", "folder-kanban", order=165),
)
