"""The labels app's main-menu entry (discovered by core once the per-app menu registry of issue 18 point 22 is
merged; `order` puts it after "Search the estate")."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(NavItem(_("Device QR labels"), "labels:sheet_page", "labels.manage", "file-text", order=165))
