from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnsiteConfig(AppConfig):
    name = "weibao.onsite"
    label = "onsite"
    verbose_name = _("On site")

    def ready(self) -> None:
        from weibao.onsite import gates
        from weibao.workorders import guards

        guards.register(gates.quote_gate)
