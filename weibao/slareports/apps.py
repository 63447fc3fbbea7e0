from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_fault_index(sender, using="default", **kwargs) -> None:
    # SQLite rebuilds a table (dropping its triggers) when a later migration alters it: put them back.
    from django.db import connections

    from weibao.slareports.similar import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class SlareportsConfig(AppConfig):
    name = "weibao.slareports"
    label = "slareports"
    verbose_name = _("SLA reports and fault analysis")

    def ready(self) -> None:
        from weibao.slareports import tasks  # noqa: F401 - registers the cron schedule

        post_migrate.connect(_ensure_fault_index, sender=self, dispatch_uid="slareports_fault_index")
