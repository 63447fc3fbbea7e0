from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RmaConfig(AppConfig):
    name = "weibao.rma"
    label = "rma"
    verbose_name = _("Vendor escalation and repair (RMA)")

    def ready(self) -> None:
        from weibao.rma import gates
        from weibao.workorders import guards

        guards.register(gates.escalation_gate)
