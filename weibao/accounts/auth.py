"""API authentication: `Authorization: Bearer <token>` with hashed, revocable per-user tokens."""

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer

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
        found = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # Touch at most once a minute: a token used 200 times a second must not write 200 rows a second.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
