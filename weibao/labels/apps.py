from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabelsConfig(AppConfig):
    name = "weibao.labels"
    label = "labels"
    verbose_name = _("Device QR labels")

    def ready(self) -> None:
        # The device page shows the device's label (print, regenerate, revoke) through the estate's panel registry.
        from weibao.assets.briefing import register_device_panel
        from weibao.labels.views import device_panel

        register_device_panel(device_panel)
