"""Writes for organisations and people, the login audit, lockouts and API tokens."""

import logging

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.auth import new_token_value, token_digest
from weibao.accounts.choices import ROLE_ORGANISATION_KIND, LoginOutcome, OrganisationKind, Role
from weibao.accounts.models import ApiToken, Branch, LoginEvent, Organisation, Skill, User
from weibao.accounts.security import client_ip, user_agent

logger = logging.getLogger(__name__)

# Fields an administrator may change on an account (username and organisation's own row are not among them).
EDITABLE_USER_FIELDS = (
    "name",
    "email",
    "phone",
    "organisation",
    "role",
    "branch",
    "is_dedicated",
    "on_probation",
    "authority_level",
    "language",
)


def own_company() -> Organisation:
    """Our company's organisation row (created on first use)."""
    org, _created = Organisation.objects.get_or_create(kind=OrganisationKind.OWN, defaults={"name": "本公司"})
    return org


def organisation_create(*, kind: str, name: str, short_name: str = "") -> Organisation:
    org = Organisation(kind=kind, name=name.strip(), short_name=short_name.strip())
    org.full_clean()
    org.save()
    return org


def _check_role_fits(*, role: str, organisation: Organisation, branch: Branch | None) -> None:
    if ROLE_ORGANISATION_KIND[role] != organisation.kind:
        raise ValidationError({"role": _("This role does not fit the organisation's kind.")})
    if branch is not None and organisation.kind != OrganisationKind.OWN:
        raise ValidationError({"branch": _("Only our own staff belong to a branch.")})


def _sync_admin_flags(user: User) -> None:
    # Administrators also keep organisations, branches, regions and skills in Django's admin site.
    user.is_staff = user.is_superuser = user.role == Role.ADMIN


@transaction.atomic
def user_create(
    *,
    username: str,
    name: str,
    organisation: Organisation,
    role: str,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    branch: Branch | None = None,
    skills: list[Skill] | tuple[Skill, ...] = (),
    **extra,
) -> User:
    """Create a person's account; the role must fit the organisation's kind and the password the rules."""
    _check_role_fits(role=role, organisation=organisation, branch=branch)
    user = User(
        username=username.strip(),
        name=name.strip(),
        organisation=organisation,
        role=role,
        email=email.strip(),
        phone=phone.strip(),
        branch=branch,
        **extra,
    )
    _sync_admin_flags(user)
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if skills:
        user.skills.set(skills)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, skills: list[Skill] | None = None, **changes) -> User:
    """Change an account's person, organisation and staff fields; the same role/organisation rules as creation."""
    unknown = set(changes) - set(EDITABLE_USER_FIELDS)
    if unknown:
        raise TypeError(f"user_update: not editable: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    if user.organisation.kind != OrganisationKind.OWN:
        user.branch = None  # staff-only fields make no sense for customer or vendor users
    _check_role_fits(role=user.role, organisation=user.organisation, branch=user.branch)
    _sync_admin_flags(user)
    if user.pk == actor.pk and user.role != actor.role:
        raise ValidationError({"role": _("You cannot change your own role.")})
    user.full_clean(exclude=["password"])
    user.save()
    if skills is not None:
        user.skills.set(skills if user.organisation.kind == OrganisationKind.OWN else [])
    logger.info("user %s updated by %s: %s", user.username, actor.username, sorted(changes))
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account. Inactive users cannot log in; their sessions and tokens end for good:
    reactivating the account later does not revive them (the person logs in again and makes new tokens)."""
    if user.pk == actor.pk and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    user_sessions_end(user=user)
    user_tokens_revoke_all(user=user)
    logger.info("user %s %s by %s", user.username, "activated" if active else "deactivated", actor.username)
    return user


def user_sessions_end(*, user: User) -> None:
    """End every session of the person (each is refused at its next request): the generation is part of the session
    hash, so no later change — reactivation, the same password set again — makes an old session valid again."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.session_generation = User.objects.values_list("session_generation", flat=True).get(pk=user.pk)


def user_tokens_revoke_all(*, user: User) -> int:
    """Revoke all of the person's API tokens; returns how many were still active."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def user_set_password(*, actor: User, user: User, password: str, revoke_tokens: bool = True) -> None:
    """An administrator sets a new password for someone (who then should change it on the profile page). Their
    sessions end (the session hash follows the password) and, unless told otherwise, their API tokens too."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    password_changed(user=user, revoke_tokens=revoke_tokens)
    logger.info("password of %s set by %s", user.username, actor.username)


def password_changed(*, user: User, revoke_tokens: bool) -> None:
    """After any password change (own page, administrator, Django admin): the other sessions already end because
    the session hash follows the password; the API tokens are revoked unless the person chose to keep them."""
    if revoke_tokens:
        count = user_tokens_revoke_all(user=user)
        logger.info("password of %s changed: %s API tokens revoked", user.username, count)


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def profile_update(*, user: User, email: str, phone: str, language: str) -> User:
    """What everyone may change about themselves."""
    user.email, user.phone, user.language = email.strip(), phone.strip(), language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["email", "phone", "language"])
    return user


# --- Login audit (called from the auth and axes signal receivers in apps.py) -------------------------------


def login_event_record(
    *, outcome: str, request: HttpRequest | None, username: str = "", user: User | None = None
) -> LoginEvent:
    """Append one audit row: who tried, from where, with what browser, and what happened."""
    if user is not None and not username:
        username = user.get_username()
    return LoginEvent.objects.create(
        outcome=outcome,
        username=(username or "")[:150],
        user=user if user is not None and user.pk else None,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
    )


def login_failure_record(*, request: HttpRequest | None, username: str) -> LoginEvent | None:
    # axes has already recorded this attempt as a lockout (its receiver runs first): one row per attempt.
    if request is not None and getattr(request, "axes_locked_out", False):
        return None
    user = User.objects.filter(username=username).first() if username else None
    # Refused by the per-account limit (AccountLimitBackend): the password was not even checked.
    locked = request is not None and getattr(request, "weibao_account_locked", False)
    outcome = LoginOutcome.LOCKED if locked else LoginOutcome.FAILURE
    return login_event_record(outcome=outcome, request=request, username=username, user=user)


def login_lockout_record(*, request: HttpRequest | None, username: str) -> LoginEvent:
    user = User.objects.filter(username=username).first() if username else None
    return login_event_record(outcome=LoginOutcome.LOCKED, request=request, username=username, user=user)


# --- Lockouts -------------------------------------------------------------------------------------------------


def account_unlock(*, actor: User | None, username: str) -> int:
    """Lift the brute-force lockouts of `username`: per address (axes) and per account (all addresses). Returns the
    number of cleared axes attempt records."""
    from axes.utils import reset

    if not username:
        raise ValidationError(_("Which account?"))
    cleared = reset(username=username)
    # The per-account limit counts the login audit since the last success or unlock: this row starts it afresh.
    LoginEvent.objects.create(
        outcome=LoginOutcome.UNLOCKED, username=username[:150], user=User.objects.filter(username=username).first()
    )
    by = actor.username if actor is not None else "the command line"
    logger.warning("lockout of %s lifted by %s (%s records)", username, by, cleared)
    return cleared


# --- API tokens -----------------------------------------------------------------------------------------------


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the raw token, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the script that will use it.")})
    if not user.is_active:
        raise PermissionDenied
    raw = new_token_value()
    token = ApiToken(user=user, name=name[:100], prefix=raw[:10], digest=token_digest(raw))
    token.full_clean()
    token.save()
    return token, raw


def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the user's own tokens; revoking twice is harmless."""
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
    return token
