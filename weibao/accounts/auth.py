"""API authentication: `Authorization: Bearer <token>` with hashed, revocable per-user tokens."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from weibao.accounts.models import ApiToken

TOKEN_PREFIX = "wb_"  # noqa: S105 - a public marker, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        if not token.startswith(TOKEN_PREFIX):
            return None
        # The digest is unique: no ORDER BY (`.first()` would sort by the model's ordering, and compiling that
        # is a third of this lookup's CPU; every API request pays it).
        rows = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .order_by()[:1]
        )
        found = next(iter(rows), None)
        if found is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: a token used 200 times a second must not write 200 rows a second.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class BrowserSessionAuth(SessionAuth):
    """The browser's session (with its CSRF check), tried after the token.

    A request that names a token stands or falls by it: a revoked or wrong token is a 401, never a fall-through to
    the session (whose CSRF check would answer 403 "CSRF check failed", or worse, let a stale cookie in). Without
    a signed-in session there is nothing to protect from CSRF either, so that is a 401 too.
    """

    def __call__(self, request):
        if "authorization" in request.headers or not request.user.is_authenticated:
            return None
        return super().__call__(request)


class AccountLimitBackend:
    """Refuses a login to an account that had too many failed or refused attempts from all addresses together.

    django-axes (listed first) limits guesses per account AND address; behind a proxy an attacker who can reach
    the application directly, or who owns many addresses, would get that limit again and again. This counts the
    account's attempts in the login audit (`selectors.account_failures`) over a longer window, whatever the address.
    It never logs anybody in itself: it only refuses (the next backend checks the password). Deliberately no
    `get_user` (not a BaseBackend): sessions always belong to the backend that checked the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        from weibao.accounts.selectors import account_locked

        if username and account_locked(username=str(username)):
            if request is not None:
                request.weibao_account_locked = True  # the login page answers 429; the audit records "locked"
            raise PermissionDenied
        # Not refused: falling through (None) lets the next backend check the password.
