"""Home-page panels contributed by the domain apps, loaded by htmx after the page shell.

Like the menu (core/navigation.py), each app registers its panels from its own `menu.py`
(`register_panel(Panel("app:fragment", "perm", order=30))`); core names no app. A URL name that does not resolve
is skipped, so a missing app never breaks the home page. Each panel is fetched with its own request, so a slow
panel never holds up the page.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from weibao.core.access import has_perm


@dataclass(frozen=True)
class Panel:
    url_name: str
    perm: str
    css: tuple[str, ...] = ()  # static files the fragment needs on the page
    js: tuple[str, ...] = ()
    internal_only: bool = False
    extra: dict = field(default_factory=dict)
    order: int = 1000  # position on the home page, smallest first


PANELS: list[Panel] = []  # filled by the apps' menu.py, kept sorted by `order`


def register_panel(*panels: Panel) -> None:
    """Add home-page panels (idempotent: a panel already there, by URL name, is replaced)."""
    names = {p.url_name for p in panels}
    PANELS[:] = sorted([p for p in PANELS if p.url_name not in names] + list(panels), key=lambda p: p.order)


def panels_for(user) -> list[dict]:
    panels = []
    for panel in PANELS:
        if not has_perm(user, panel.perm) or (panel.internal_only and not user.is_internal):
            continue
        try:
            url = reverse(panel.url_name)
        except NoReverseMatch:
            continue
        panels.append({"url": url, "css": panel.css, "js": panel.js, "name": panel.url_name.replace(":", "-")})
    return panels
