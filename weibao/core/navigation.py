"""The main menu: entries per role, each shown only when the user holds its permission and its page exists.

An app adds its pages here; a URL name that is not (yet) routed is skipped, so the menu never breaks.
"""

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weibao.accounts.permissions import has_perm
from weibao.core.icons import icon_name


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str
    icon: str = ""  # a symbol of the vendored icon sprite (weibao/core/icons.py); never a text glyph (tofu)
    customer_label: str | Promise | None = None  # customers see e.g. "我的报修" instead of "工单"


NAV: list[NavItem] = [
    NavItem(_("Dashboard"), "core:home", "workorders.view", "house"),
    NavItem(_("Work orders"), "workorders:list", "workorders.view", "clipboard-list", customer_label=_("My reports")),
    NavItem(_("Work-order dashboard"), "workorders:dashboard", "workorders.triage", "chart-column"),
    NavItem(_("Report a fault"), "workorders:portal_new", "workorders.create", "circle-plus"),
    NavItem(_("Legacy issues"), "workorders:legacy", "workorders.legacy_review", "triangle-alert"),
    NavItem(_("Callbacks"), "feedback:callbacks", "feedback.callbacks", "message-square"),
    NavItem(
        _("Complaints"),
        "feedback:complaints",
        "feedback.complaints_view",
        "triangle-alert",
        customer_label=_("My complaints"),
    ),
    NavItem(_("Satisfaction"), "feedback:satisfaction", "feedback.satisfaction", "chart-line"),
    NavItem(
        _("Service archives"), "feedback:archives", "feedback.archive", "file-text", customer_label=_("Service archive")
    ),
    NavItem(_("Plan follow-up"), "plans:overview", "plans.edit", "clipboard-check"),
    NavItem(_("Change requests"), "plans:changes", "plans.changes", "wrench"),
    NavItem(_("Duty roster"), "dispatch:roster", "dispatch.view", "calendar-clock"),
    NavItem(_("Customers"), "customers:list", "estate.edit", "building-2"),
    NavItem(_("Devices"), "assets:device_list", "estate.browse", "server"),
    NavItem(_("Projects"), "assets:project_list", "estate.browse", "folder-kanban"),
    NavItem(_("Search the estate"), "assets:search", "estate.browse", "search"),
    NavItem(_("Vendors"), "assets:vendor_list", "estate.edit", "factory"),
    NavItem(_("Contracts"), "contracts:list", "contracts.view", "file-text"),
    NavItem(_("Calendars"), "contracts:calendar_list", "calendars.edit", "calendar-days"),
    NavItem(_("SLA preview"), "contracts:preview", "contracts.view", "timer"),
    NavItem(_("SLA reports"), "slareports:report", "slareports.view", "chart-column"),
    NavItem(_("Regular reports"), "slareports:periodic_list", "slareports.view", "calendar-check"),
    NavItem(_("Fault analysis"), "slareports:analysis", "slareports.analysis", "activity"),
    NavItem(_("Inspections"), "inspections:visit_list", "inspections.view", "calendar-check"),
    NavItem(_("Emergency plans"), "planning:plan_list", "planning.view", "triangle-alert"),
    NavItem(_("Training"), "planning:training_list", "planning.view", "users"),
    NavItem(_("Spare parts"), "spares:index", "spares.view", "package"),
    NavItem(_("Parts sales"), "spares:sale_list", "spares.sales", "wallet"),
    NavItem(_("Repairs (RMA)"), "rma:list", "rma.view", "rotate-ccw"),
    NavItem(_("Vendor escalations"), "rma:escalation_list", "escalation.view", "factory"),
    NavItem(_("Vendor support agreements"), "rma:agreements", "vendors.agreements", "file-text"),
    NavItem(_("Notifications"), "notifications:log", "notifications.view_log", "mail"),
    NavItem(_("Received mail"), "notifications:inbound", "notifications.triage", "inbox"),
    NavItem(_("Notification preferences"), "notifications:preferences", "notifications.preferences", "bell"),
    NavItem(_("Monthly statistics"), "payroll:months", "payroll.view", "wallet"),
    NavItem(_("My pay statement"), "payroll:mine", "payroll.own", "wallet"),
    NavItem(_("Travel claims"), "payroll:travel", "payroll.travel", "map-pin"),
    NavItem(_("Travel approvals"), "payroll:approvals", "payroll.travel_answer", "clipboard-check"),
    NavItem(_("Engineer KPIs"), "payroll:kpi", "payroll.kpi", "chart-line"),
    NavItem(_("Users"), "accounts:user_list", "users.manage", "users"),
    NavItem(_("API tokens"), "accounts:tokens", "api.tokens", "key-round"),
    NavItem(_("Branches and regions"), "admin:accounts_branch_changelist", "users.manage", "map-pin"),
    NavItem(_("System status"), "core:system_status", "system.status", "activity"),
    NavItem(_("My profile"), "accounts:profile", "profile.edit", "circle-user"),
]


# Reversed menu URLs per (URLconf, script prefix): the menu is on every page and reversing ~15 names cost ~1 ms.
_urls: dict[tuple, dict[str, str | None]] = {}


def _menu_urls() -> dict[str, str | None]:
    key = (get_urlconf(), get_script_prefix())
    urls = _urls.get(key)
    if urls is None:
        urls = {}
        for item in NAV:
            try:
                urls[item.url_name] = reverse(item.url_name)
            except NoReverseMatch:
                urls[item.url_name] = None
        _urls[key] = urls
    return urls


def _clear_menu_urls(**kwargs) -> None:
    _urls.clear()


setting_changed.connect(_clear_menu_urls)  # tests that swap ROOT_URLCONF


def nav_for(user, current_path: str) -> list[dict]:
    items = []
    urls = _menu_urls()
    for item in NAV:
        url = urls.get(item.url_name)
        if url is None or not has_perm(user, item.perm):
            continue
        label = item.customer_label if (item.customer_label and user.is_customer) else item.label
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": label, "url": url, "icon": icon_name(item.icon), "active": active})
    return items
