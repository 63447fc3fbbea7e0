"""Organisation scoping: the one filter every list and get that a user can reach goes through.

A model opts in by naming, as class attributes, the lookup from its rows to the owning organisation:

    CUSTOMER_SCOPE = "organisation"                     # a customer user sees rows of its organisation
    VENDOR_SCOPE = "escalations__vendor__organisation"  # a vendor user sees rows escalated to it

A model without the attribute is invisible to that kind of user. Our own staff see everything.
"""

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404


def scope_queryset[M: Model](qs: QuerySet[M], user) -> QuerySet[M]:
    """Restrict `qs` to what `user` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_internal:
        return qs
    model = qs.model
    lookup = getattr(model, "CUSTOMER_SCOPE", None) if user.is_customer else getattr(model, "VENDOR_SCOPE", None)
    if not lookup:
        return qs.none()
    if "__" in lookup and user.is_vendor:
        # A to-many lookup would duplicate rows; filter by primary keys instead.
        return qs.filter(pk__in=model._default_manager.filter(**{lookup: user.organisation_id}).values("pk"))
    return qs.filter(**{lookup: user.organisation_id})


def get_for_user[M: Model](qs: QuerySet[M], user, **lookup) -> M:
    """One row the user may see, else Http404 (never 403: another organisation's rows do not exist for them)."""
    try:
        return scope_queryset(qs, user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def get_for_field[M: Model](qs: QuerySet[M], user, pk, *, field: str, message: str) -> M:
    """One row the user may see, named by an id in the input, else a ValidationError on `field` (the API's 422).

    An unknown id and another organisation's id get the same answer, so the error reveals nothing.
    """
    found = scope_queryset(qs, user).filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [message]})
    return found
