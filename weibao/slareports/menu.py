"""The slareports app's main-menu entries and home-page panels (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.dashboard import Panel, register_panel
from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("SLA reports"), "slareports:report", "slareports.view", "chart-column", order=210),
    NavItem(_("Regular reports"), "slareports:periodic_list", "slareports.view", "calendar-check", order=220),
    NavItem(_("Fault analysis"), "slareports:analysis", "slareports.analysis", "activity", order=230),
)

register_panel(
    # Regular reports waiting for the manager's review before they go to the customer (issue 12).
    Panel("slareports:review_panel", "slareports.review", internal_only=True, order=20),
)
