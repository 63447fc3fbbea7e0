"""The spares app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Spare parts"), "spares:index", "spares.view", "package", order=270),
    NavItem(_("Parts sales"), "spares:sale_list", "spares.sales", "wallet", order=280),
)
