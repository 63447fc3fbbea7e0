from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "weibao.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # Each app declares its menu entries and home-page panels in its own `menu.py` (core names no app).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("menu")
