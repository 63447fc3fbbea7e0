"""Queries about people, lockouts, login audit and tokens."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from weibao.accounts.choices import LoginOutcome
from weibao.accounts.models import ApiToken, LoginEvent, User
from weibao.accounts.scoping import get_for_user, scope_queryset

USER_LIST_FIELDS = (
    "username",
    "name",
    "role",
    "is_active",
    "on_probation",
    "organisation__name",
    "organisation__short_name",
    "organisation__kind",
    "branch__name",
)


def user_list(
    *,
    actor: User,
    query: str = "",
    kind: str = "",
    role: str = "",
    organisation_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[User]:
    """The accounts an administrator manages, filtered like the user list page asks (the columns it shows)."""
    qs = scope_queryset(User.objects.select_related("organisation", "branch"), actor).only(*USER_LIST_FIELDS)
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(name__icontains=query)
            | Q(phone__icontains=query)
            | Q(email__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    if kind:
        qs = qs.filter(organisation__kind=kind)
    if role:
        qs = qs.filter(role=role)
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("organisation__kind", "organisation__name", "username")


def user_get_for_admin(*, actor: User, pk: int) -> User:
    return get_for_user(User.objects.select_related("organisation", "branch"), actor, pk=pk)


@dataclass(frozen=True)
class Lockout:
    username: str
    addresses: list[str]
    failures: int
    last_attempt: datetime


def lockout_list() -> list[Lockout]:
    """Accounts currently refused by the brute-force guards, newest first: per username and address (axes), then
    per account from all addresses (the login audit); one row per account."""
    per_address = _axes_lockout_list()
    listed = {lock.username for lock in per_address}
    return per_address + [lock for lock in account_lockout_list() if lock.username not in listed]


def _axes_lockout_list() -> list[Lockout]:
    from axes.models import AccessAttempt

    qs = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = settings.AXES_COOLOFF_TIME
    if cool_off:
        qs = qs.filter(attempt_time__gte=timezone.now() - cool_off)
    rows = qs.values("username").annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    addresses: dict[str, list[str]] = {}
    for username, ip in qs.values_list("username", "ip_address"):
        addresses.setdefault(username, []).append(ip or "")
    return [
        Lockout(row["username"] or "", sorted(set(addresses.get(row["username"], []))), row["failures"], row["last"])
        for row in rows.order_by("-last")
    ]


# Every attempt at an account that failed or was refused: a refused one (while locked) is still somebody guessing.
GUESS_OUTCOMES = (LoginOutcome.FAILURE, LoginOutcome.LOCKED)


def account_failures(*, username: str, now: datetime | None = None) -> int:
    """Failed or refused logins of `username` from all addresses within WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES, since
    its last successful login or an administrator's unlock."""
    since = (now or timezone.now()) - timedelta(minutes=settings.WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES)
    events = LoginEvent.objects.filter(username=username, at__gte=since)
    reset = events.filter(outcome__in=[LoginOutcome.SUCCESS, LoginOutcome.UNLOCKED]).aggregate(last=Max("at"))["last"]
    if reset is not None:
        events = events.filter(at__gt=reset)
    return events.filter(outcome__in=GUESS_OUTCOMES).count()


def account_locked(*, username: str) -> bool:
    """True when the account is over the per-account limit (all addresses together)."""
    limit = settings.WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT
    return bool(limit and username) and account_failures(username=username) >= limit


def account_lockout_list() -> list[Lockout]:
    """Accounts refused by the per-account limit (all addresses), for the same *Unlock* list as axes' lockouts."""
    limit = settings.WEIBAO_LOGIN_ACCOUNT_FAILURE_LIMIT
    if not limit:
        return []
    since = timezone.now() - timedelta(minutes=settings.WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES)
    recent = LoginEvent.objects.filter(at__gte=since, outcome__in=GUESS_OUTCOMES)
    candidates = recent.values("username").annotate(n=Count("pk"), last=Max("at")).filter(n__gte=limit)
    found = []
    for row in candidates.order_by("-last")[:100]:
        failures = account_failures(username=row["username"])
        if failures >= limit:
            addresses = recent.filter(username=row["username"]).values_list("ip_address", flat=True).distinct()
            found.append(Lockout(row["username"], sorted({a or "" for a in addresses[:50]}), failures, row["last"]))
    return found


def login_event_list(*, username: str = "", outcome: str = "", limit: int = 200) -> QuerySet[LoginEvent]:
    qs = LoginEvent.objects.select_related("user")
    if username:
        qs = qs.filter(username__icontains=username)
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs.order_by("-at")[:limit]


def token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, active first."""
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_get(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; anyone else's does not exist for them (404)."""
    try:
        return ApiToken.objects.get(user=user, pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def branch_managers(*, branch_id: int | None) -> list[User]:
    """Who is told of a branch's business: its active service managers; with none, our administrators (a message
    must reach someone)."""
    from weibao.accounts.choices import Role

    users = list(User.objects.filter(role=Role.SERVICE_MANAGER, branch=branch_id, is_active=True)) if branch_id else []
    return users or list(User.objects.filter(role=Role.ADMIN, is_active=True, organisation__kind="own"))
