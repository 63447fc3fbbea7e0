"""The workorders app's main-menu entries and home-page panels (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.dashboard import Panel, register_panel
from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(
        _("Work orders"),
        "workorders:list",
        "workorders.view",
        "clipboard-list",
        customer_label=_("My reports"),
        order=20,
    ),
    NavItem(_("Work-order dashboard"), "workorders:dashboard", "workorders.triage", "chart-column", order=30),
    NavItem(_("Report a fault"), "workorders:portal_new", "workorders.create", "circle-plus", order=40),
    NavItem(_("Legacy issues"), "workorders:legacy", "workorders.legacy_review", "triangle-alert", order=50),
)

register_panel(
    Panel(
        "workorders:dashboard",
        "workorders.view",
        css=("workorders/workorders.css",),
        js=("vendor/echarts-5.6.0.min.js", "workorders/dashboard.js"),
        order=30,
    ),
)
