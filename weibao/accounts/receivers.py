"""Signal receivers for the login audit and the staff pick lists: thin adapters onto services."""

from weibao.accounts import services
from weibao.accounts.choices import LoginOutcome
from weibao.core.picklists import pick_lists_changed


def on_logged_in(sender, request, user, **kwargs) -> None:
    services.login_event_record(outcome=LoginOutcome.SUCCESS, request=request, user=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        services.login_event_record(outcome=LoginOutcome.LOGOUT, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    services.login_failure_record(request=request, username=str(credentials.get("username", "")))


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    services.login_lockout_record(request=request, username=username or "")


def on_staff_changed(sender, instance=None, update_fields=None, **kwargs) -> None:
    """A user or a branch was saved or deleted: the pick lists that name them (engineers, branches) are rebuilt.
    A login only stamps `last_login`, which no list shows."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    pick_lists_changed()
