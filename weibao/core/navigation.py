"""The main menu: entries per role, each shown only when the user holds its permission and its page exists.

An app adds its pages here; a URL name that is not (yet) routed is skipped, so the menu never breaks.
"""

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from weibao.accounts.permissions import has_perm


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str
    icon: str = ""
    customer_label: str | Promise | None = None  # customers see e.g. "我的报修" instead of "工单"


NAV: list[NavItem] = [
    NavItem(_("Dashboard"), "core:home", "workorders.view", "⌂"),
    NavItem(_("Work orders"), "workorders:list", "workorders.view", "☰", customer_label=_("My reports")),
    NavItem(_("Work-order dashboard"), "workorders:dashboard", "workorders.triage", "▥"),
    NavItem(_("Report a fault"), "workorders:portal_new", "workorders.create", "+"),
    NavItem(_("Legacy issues"), "workorders:legacy", "workorders.legacy_review", "!"),
    NavItem(_("Duty roster"), "dispatch:roster", "dispatch.view", "◷"),
    NavItem(_("Customers"), "customers:list", "estate.edit", "◫"),
    NavItem(_("Devices"), "assets:device_list", "estate.browse", "▣"),
    NavItem(_("Projects"), "assets:project_list", "estate.browse", "▤"),
    NavItem(_("Search the estate"), "assets:search", "estate.browse", "⌕"),
    NavItem(_("Vendors"), "assets:vendor_list", "estate.edit", "◇"),
    NavItem(_("Contracts"), "contracts:list", "contracts.view", "§"),
    NavItem(_("Calendars"), "contracts:calendar_list", "calendars.edit", "▦"),
    NavItem(_("SLA preview"), "contracts:preview", "contracts.view", "⏱"),
    NavItem(_("Inspections"), "inspections:visit_list", "inspections.view", "✓"),
    NavItem(_("Emergency plans"), "planning:plan_list", "planning.view", "⚑"),
    NavItem(_("Training"), "planning:training_list", "planning.view", "✎"),
    NavItem(_("Notifications"), "notifications:log", "notifications.view_log", "✉"),
    NavItem(_("Received mail"), "notifications:inbound", "notifications.triage", "@"),
    NavItem(_("Notification preferences"), "notifications:preferences", "notifications.preferences", "◔"),
    NavItem(_("Users"), "accounts:user_list", "users.manage", "☺"),
    NavItem(_("API tokens"), "accounts:tokens", "api.tokens", "#"),
    NavItem(_("Branches and regions"), "admin:accounts_branch_changelist", "users.manage", "⌖"),
    NavItem(_("System status"), "core:system_status", "system.status", "♥"),
    NavItem(_("My profile"), "accounts:profile", "profile.edit", "☻"),
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
        items.append({"label": label, "url": url, "icon": item.icon, "active": active})
    return items
