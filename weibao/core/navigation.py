"""The main menu: entries per role, each shown only when the user holds its permission and its page exists.

core names no app: every app declares its own entries in its `menu.py` (discovered by `CoreConfig.ready()`):

    from weibao.core.navigation import NavItem, register_menu

    register_menu(NavItem(_("Devices"), "assets:device_list", "estate.browse", "server", order=140))

`order` places the entry (tens, in the order of the menu; see docs/platform.md). A URL name that is not (yet)
routed is skipped, so the menu never breaks; the permission is asked of the check accounts registers
(`weibao.core.access`).
"""

from dataclasses import dataclass

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise

from weibao.core.access import has_perm
from weibao.core.icons import icon_name


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str
    icon: str = ""  # a symbol of the vendored icon sprite (weibao/core/icons.py); never a text glyph (tofu)
    customer_label: str | Promise | None = None  # customers see e.g. "我的报修" instead of "工单"
    order: int = 1000  # position in the menu, smallest first; ties keep registration order


NAV: list[NavItem] = []  # filled by the apps' menu.py, kept sorted by `order`


def register_menu(*items: NavItem) -> None:
    """Add menu entries (idempotent: an entry already there, by URL name, is replaced)."""
    names = {item.url_name for item in items}
    NAV[:] = sorted([i for i in NAV if i.url_name not in names] + list(items), key=lambda i: i.order)
    _urls.clear()


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
