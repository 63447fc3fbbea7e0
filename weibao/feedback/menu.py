"""The feedback app's main-menu entries and home-page panels (discovered by core; `order` keeps the menu's sequence)."""

from django.utils.translation import gettext_lazy as _

from weibao.core.dashboard import Panel, register_panel
from weibao.core.navigation import NavItem, register_menu

register_menu(
    NavItem(_("Callbacks"), "feedback:callbacks", "feedback.callbacks", "message-square", order=60),
    NavItem(
        _("Complaints"),
        "feedback:complaints",
        "feedback.complaints_view",
        "triangle-alert",
        customer_label=_("My complaints"),
        order=70,
    ),
    NavItem(_("Satisfaction"), "feedback:satisfaction", "feedback.satisfaction", "chart-line", order=80),
    NavItem(
        _("Service archives"),
        "feedback:archives",
        "feedback.archive",
        "file-text",
        customer_label=_("Service archive"),
        order=90,
    ),
)

register_panel(
    Panel("feedback:panel", "feedback.callbacks", css=("feedback/feedback.css",), order=40),
)
