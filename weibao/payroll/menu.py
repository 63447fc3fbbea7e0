"""The payroll app's main-menu entries (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Monthly statistics"), "payroll:months", "payroll.view", "wallet", order=350),
    NavItem(_("My pay statement"), "payroll:mine", "payroll.own", "wallet", order=360),
    NavItem(_("Travel claims"), "payroll:travel", "payroll.travel", "map-pin", order=370),
    NavItem(_("Travel approvals"), "payroll:approvals", "payroll.travel_answer", "clipboard-check", order=380),
    NavItem(_("Engineer KPIs"), "payroll:kpi", "payroll.kpi", "chart-line", order=390),
)
