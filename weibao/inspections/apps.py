from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "weibao.inspections"
    label = "inspections"
    verbose_name = _("Preventive inspections")
