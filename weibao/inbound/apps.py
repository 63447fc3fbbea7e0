from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "weibao.inbound"
    label = "inbound"
    verbose_name = _("Inbound IM and SMS")

    def ready(self) -> None:
        # The channel code in notifications sends replies to IM users; the application credentials live here.
        from weibao.inbound.services import app_credentials
        from weibao.notifications.channels.base import register_app_credentials

        register_app_credentials(app_credentials)
