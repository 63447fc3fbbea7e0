"""REST endpoints of the duty roster: list shifts, add and remove one, who is on duty now."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from weibao.accounts.models import Branch, User
from weibao.accounts.permissions import require
from weibao.accounts.scoping import get_for_field, get_for_user, scope_queryset
from weibao.core.apischema import Id, Schema
from weibao.dispatch import services
from weibao.dispatch.choices import RosterKind
from weibao.dispatch.models import RosterEntry
from weibao.dispatch.schemas import RosterEntryIn, RosterEntryOut
from weibao.dispatch.selectors import roster_at

router = Router(tags=["dispatch"])
MAX_DAYS = 62


class RosterFilter(Schema):
    branch_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _branch_for(user, pk: int) -> Branch:
    return get_for_field(Branch.objects.all(), user, pk, field="branch_id", message=_("Unknown branch."))


@router.get("/roster", response=list[RosterEntryOut])
def roster_list(request, filters: Query[RosterFilter]):
    """Shifts between two days (at most two months; default this week), optionally of one branch."""
    require(request.auth, "dispatch.view")
    start = filters.date_from or timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    end = filters.date_to or start + dt.timedelta(days=6)
    if end < start or (end - start).days > MAX_DAYS:
        raise ValidationError(_("Choose a range of at most %(days)d days.") % {"days": MAX_DAYS})
    qs = scope_queryset(RosterEntry.objects.filter(date__gte=start, date__lte=end), request.auth)
    qs = qs.select_related("engineer")
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    return list(qs.order_by("date", "starts_at"))


@router.get("/roster/now", response=list[RosterEntryOut])
def roster_now(request, branch_id: Id | None = None):
    """Who is on duty or on standby at this moment."""
    require(request.auth, "dispatch.view")
    branch = _branch_for(request.auth, branch_id) if branch_id else None
    return list(roster_at(at=timezone.now(), branch=branch))


@router.post("/roster", response={201: RosterEntryOut})
def roster_create(request, payload: RosterEntryIn):
    require(request.auth, "dispatch.roster")
    if payload.kind not in RosterKind.values:
        raise ValidationError({"kind": [_("Unknown kind.")]})
    # Ids from the input are looked up through scoping: one the user may not see is "unknown" (422), like a wrong one.
    branch = _branch_for(request.auth, payload.branch_id)
    engineer = get_for_field(
        User.objects.all(), request.auth, payload.engineer_id, field="engineer_id", message=_("Unknown engineer.")
    )
    entry = services.roster_entry_create(
        actor=request.auth,
        branch=branch,
        engineer=engineer,
        date=payload.date,
        start=payload.start,
        end=payload.end,
        kind=payload.kind,
        note=payload.note,
    )
    return Status(201, entry)


@router.delete("/roster/{entry_id}", response={204: None})
def roster_delete(request, entry_id: Id):
    require(request.auth, "dispatch.roster")
    entry = get_for_user(RosterEntry.objects.all(), request.auth, pk=entry_id)
    services.roster_entry_delete(entry=entry, actor=request.auth)
    return Status(204, None)
