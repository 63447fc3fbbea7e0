from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "weibao.feedback"
    label = "feedback"
    verbose_name = _("Customer feedback")


# Menu labels declared in core/navigation.py, listed here so this app's catalogue translates them.
MENU_LABELS = (
    _("Callbacks"),
    _("Complaints"),
    _("My complaints"),
    _("Satisfaction"),
    _("Service archives"),
    _("Service archive"),
)
