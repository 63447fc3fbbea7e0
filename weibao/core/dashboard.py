"""Home-page panels contributed by the domain apps, loaded by htmx after the page shell.

Like the menu (core/navigation.py), core names the other apps' fragment URLs and never imports them: a URL
name that does not resolve is skipped, so a missing app never breaks the home page. Each panel is fetched
with its own request, so a slow panel never holds up the page.
"""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from weibao.accounts.permissions import has_perm


@dataclass(frozen=True)
class Panel:
    url_name: str
    perm: str
    css: tuple[str, ...] = ()  # static files the fragment needs on the page
    js: tuple[str, ...] = ()
    internal_only: bool = False
    extra: dict = field(default_factory=dict)


PANELS: list[Panel] = [
    # Calendar data for next year is published late in the year: flag estimated/missing years first.
    Panel("contracts:holiday_panel", "calendars.edit"),
    Panel(
        "workorders:dashboard",
        "workorders.view",
        css=("workorders/workorders.css",),
        js=("vendor/echarts-5.6.0.min.js", "workorders/dashboard.js"),
    ),
    Panel("feedback:panel", "feedback.callbacks", css=("feedback/feedback.css",)),
]


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
