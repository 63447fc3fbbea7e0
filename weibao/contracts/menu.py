"""The contracts app's main-menu entries and home-page panels (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.dashboard import Panel, register_panel
from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Contracts"), "contracts:list", "contracts.view", "file-text", order=180),
    NavItem(_("Calendars"), "contracts:calendar_list", "calendars.edit", "calendar-days", order=190),
    NavItem(_("SLA preview"), "contracts:preview", "contracts.view", "timer", order=200),
)

register_panel(
    # Calendar data for next year is published late in the year: flag estimated/missing years first.
    Panel("contracts:holiday_panel", "calendars.edit", order=10),
)
