"""The accounts app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Users"), "accounts:user_list", "users.manage", "users", order=400),
    NavItem(_("API tokens"), "accounts:tokens", "api.tokens", "key-round", order=410),
    NavItem(_("Branches and regions"), "admin:accounts_branch_changelist", "users.manage", "map-pin", order=420),
    NavItem(_("My profile"), "accounts:profile", "profile.edit", "circle-user", order=440),
)
