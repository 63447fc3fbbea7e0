from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "weibao.assets"
    label = "assets"
    verbose_name = _("Estate")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from weibao.assets import models
        from weibao.assets.receivers import estate_changed
        from weibao.customers.models import Contact, Customer, Site

        for model in (
            models.Device,
            models.Project,
            models.ProjectInstaller,
            models.Subsystem,
            models.Document,
            models.DocumentVersion,
            models.Vendor,
            Customer,
            Site,
            Contact,
        ):
            post_save.connect(estate_changed, sender=model, dispatch_uid=f"estate-{model._meta.label}-saved")
            post_delete.connect(estate_changed, sender=model, dispatch_uid=f"estate-{model._meta.label}-deleted")
