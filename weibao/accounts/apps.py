from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "weibao.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # The login audit hooks into Django's and django-axes' authentication signals: they are the only place
        # that sees every attempt, whichever view or backend handled it. The receivers only call services.
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_delete, post_save

        from weibao.accounts import receivers
        from weibao.accounts.models import Branch, User
        from weibao.accounts.permissions import has_perm
        from weibao.core.access import register_permission_check

        # core's menu, home panels and pages ask the one permission table through this hook (core imports no app).
        register_permission_check(has_perm)

        user_logged_in.connect(receivers.on_logged_in, dispatch_uid="weibao_login_audit_in")
        user_logged_out.connect(receivers.on_logged_out, dispatch_uid="weibao_login_audit_out")
        user_login_failed.connect(receivers.on_login_failed, dispatch_uid="weibao_login_audit_failed")
        user_locked_out.connect(receivers.on_locked_out, dispatch_uid="weibao_login_audit_locked")
        for model in (User, Branch):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.on_staff_changed, sender=model, dispatch_uid=f"weibao_picklists_{model.__name__}"
                )
