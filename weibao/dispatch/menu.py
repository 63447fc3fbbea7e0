"""The dispatch app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Duty roster"), "dispatch:roster", "dispatch.view", "calendar-clock", order=120),
)
