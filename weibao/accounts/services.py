"""Writes for organisations and people."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from weibao.accounts.choices import ROLE_ORGANISATION_KIND, OrganisationKind
from weibao.accounts.models import Branch, Organisation, User


def own_company() -> Organisation:
    """Our company's organisation row (created on first use)."""
    org, _created = Organisation.objects.get_or_create(kind=OrganisationKind.OWN, defaults={"name": "本公司"})
    return org


def organisation_create(*, kind: str, name: str, short_name: str = "") -> Organisation:
    org = Organisation(kind=kind, name=name.strip(), short_name=short_name.strip())
    org.full_clean()
    org.save()
    return org


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
    **extra,
) -> User:
    """Create a person's account; the role must fit the organisation's kind and the password the rules."""
    if ROLE_ORGANISATION_KIND[role] != organisation.kind:
        raise ValidationError({"role": _("This role does not fit the organisation's kind.")})
    if branch is not None and organisation.kind != OrganisationKind.OWN:
        raise ValidationError({"branch": _("Only our own staff belong to a branch.")})
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
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
