"""The planning app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Emergency plans"), "planning:plan_list", "planning.view", "triangle-alert", order=250),
    NavItem(_("Training"), "planning:training_list", "planning.view", "users", order=260),
)
