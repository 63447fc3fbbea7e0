from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "weibao.contracts"
    label = "contracts"
    verbose_name = _("Contracts and SLA")

    def ready(self) -> None:
        # Contract & entitlement on the pre-visit briefing and the device page (hook owned by assets).
        from weibao.assets.briefing import register_device_panel, register_section
        from weibao.contracts.views import entitlement_section

        register_section(entitlement_section)
        register_device_panel(entitlement_section)
