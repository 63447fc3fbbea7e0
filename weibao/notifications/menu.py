"""The notifications app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Notifications"), "notifications:log", "notifications.view_log", "mail", order=320),
    NavItem(_("Received mail"), "notifications:inbound", "notifications.triage", "inbox", order=330),
    NavItem(_("Notification preferences"), "notifications:preferences", "notifications.preferences", "bell", order=340),
)
