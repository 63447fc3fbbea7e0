"""Permission checks for core's own pages, menu and home panels, without core knowing who decides.

core sits at the bottom and imports no domain app; the accounts app owns the one permission table and registers its
check here at start-up (`AccountsConfig.ready()`). Until something is registered every check says no, so a
misconfigured project shows an empty menu rather than every page.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied

PermissionCheck = Callable[[object, str], bool]

_check: PermissionCheck | None = None


def register_permission_check(check: PermissionCheck) -> None:
    global _check  # one process-wide hook, set once at start-up
    _check = check


def has_perm(user, perm: str) -> bool:
    return _check is not None and _check(user, perm)


def require(user, perm: str) -> None:
    """Raise PermissionDenied (HTTP 403) unless the user holds `perm`."""
    if not has_perm(user, perm):
        raise PermissionDenied(perm)
