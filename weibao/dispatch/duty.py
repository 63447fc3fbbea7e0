"""Who may dispatch now (issue 18 §2): managers always; the duty engineer when the configured rule allows.

WEIBAO_DUTY_DISPATCH:
  "never"      only those holding `workorders.dispatch` (managers) dispatch; the duty engineer asks the manager;
  "no_manager" (default) the duty engineer may dispatch while no manager of the order's branch is on duty — outside
               the managers' office hours (WEIBAO_MANAGER_HOURS on working days, China's holidays off) and with no
               manager on a running roster shift;
  "always"     the duty engineer may always dispatch.
The permission to dispatch under the rule is `workorders.dispatch_on_duty` in the one permission table.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.permissions import has_perm
from weibao.dispatch.models import RosterEntry

RULES = ("never", "no_manager", "always")


def duty_dispatch_rule() -> str:
    rule = getattr(settings, "WEIBAO_DUTY_DISPATCH", "no_manager")
    return rule if rule in RULES else "no_manager"


@functools.cache
def _office_calendar(hours: str):
    from weibao.contracts.clock import weekly_calendar

    return weekly_calendar(hours, name="manager office hours")


def manager_on_duty(*, branch_id: int | None, at: dt.datetime | None = None) -> bool:
    """A manager is there to decide: within office hours, or a manager of the branch is on a running shift."""
    at = at or timezone.now()
    if _office_calendar(getattr(settings, "WEIBAO_MANAGER_HOURS", "09:00-18:00")).is_working(at):
        return True
    shifts = RosterEntry.objects.filter(
        starts_at__lte=at, ends_at__gt=at, engineer__role=Role.SERVICE_MANAGER, engineer__is_active=True
    )
    if branch_id is not None:
        shifts = shifts.filter(branch_id=branch_id)
    return shifts.exists()


def may_dispatch(user, *, branch_id: int | None, manager_perm: str, at: dt.datetime | None = None) -> bool:
    """Whether `user` may dispatch an order of `branch_id` now. `manager_perm` is the dispatch action's permission,
    declared by the work orders (workorders.choices.ACTIONS): who holds it always dispatches."""
    if has_perm(user, manager_perm):
        return True
    if not has_perm(user, "workorders.dispatch_on_duty"):
        return False
    rule = duty_dispatch_rule()
    if rule == "always":
        return True
    if rule == "never":
        return False
    return not manager_on_duty(branch_id=branch_id, at=at)
