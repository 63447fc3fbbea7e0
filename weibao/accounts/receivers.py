"""Signal receivers for the login audit: thin adapters onto accounts.services."""

from weibao.accounts import services
from weibao.accounts.choices import LoginOutcome


def on_logged_in(sender, request, user, **kwargs) -> None:
    services.login_event_record(outcome=LoginOutcome.SUCCESS, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        services.login_event_record(outcome=LoginOutcome.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    services.login_failure_record(request=request, username=str(credentials.get("username", "")))


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    services.login_lockout_record(request=request, username=username or "")
