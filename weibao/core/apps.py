from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "weibao.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The empty choice of every select (Django 6 says "- Select an option -", before it "---------"): one
        # translatable label, so Chinese forms say "- 请选择 -" (issue 18 §10).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("- Choose -")

        # Each app declares its menu entries and home-page panels in its own `menu.py` (core names no app).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("menu")
