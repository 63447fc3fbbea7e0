"""Triage moves an order to another site of the same customer (issue 17: an e-mailed report landed on the wrong
site). The SLA follows the new site: the region tier (and the contract covering that site) set new targets, the
running clocks are recomputed from their original start, and one timeline event records from/to and the deadlines
before and after."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.core.exceptions import TransitionNotAllowed
from weibao.workorders.choices import FINAL_STATUSES, EventKind, Status, action_perm
from weibao.workorders.models import WorkOrder
from weibao.workorders.services.common import (
    CLOCK_FIELDS,
    _check_actor,
    _check_version,
    _clean_text,
    _copy_back,
    _event,
    _json,
    _lock,
    _retarget_clocks,
    _save,
)
from weibao.workorders.services.intake import _responsible_branch_id


def _deadlines(wo: WorkOrder) -> dict[str, str | None]:
    """The running clocks' deadlines (what the move changes), by clock kind."""
    return {
        kind: _json(deadline)
        for kind, deadline in wo.clocks.filter(stopped_at__isnull=True).values_list("kind", "deadline")
    }


@transaction.atomic
def workorder_move_site(
    *, workorder: WorkOrder, actor: User, site, note: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Move the order to `site` (a site of the same customer). Refused for closed or cancelled orders and for
    another customer's site; moving to the site it is on already changes nothing (no event)."""
    _check_actor(actor, action_perm("move_site"), workorder)
    note = _clean_text(note, "note", max_length=2000)
    wo = _lock(workorder)
    if wo.status in FINAL_STATUSES:
        raise TransitionNotAllowed(
            current=str(Status(wo.status).label),
            requested=str(EventKind.SITE_MOVED.label),
            message=_("A closed or cancelled order cannot be moved to another site; reopen it first."),
        )
    if site is None or site.customer_id != wo.customer_id:
        raise ValidationError({"site": _("This site does not belong to the customer.")})
    if site.pk == wo.site_id:
        _copy_back(workorder, wo)
        return workorder
    _check_version(wo, expected_version)
    from weibao.contracts.selectors import contract_for

    old_site = wo.site
    before = _deadlines(wo)
    data: dict = {
        "from": {"id": old_site.pk, "label": str(old_site), "region_tier": old_site.region_tier},
        "to": {"id": site.pk, "label": str(site), "region_tier": site.region_tier},
    }
    fields = ["site"]
    wo.site = site
    # The branch follows the site when it was the old site's (a branch chosen by hand stays).
    customer = wo.customer
    new_branch = _responsible_branch_id(site, customer)
    if wo.branch_id == _responsible_branch_id(old_site, customer) and new_branch != wo.branch_id:
        data["branch"] = [wo.branch_id, new_branch]
        wo.branch_id = new_branch
        fields.append("branch")
    # The contract covering the new site on the day of the report sets the targets (when one covers it).
    contract = contract_for(
        customer=customer, on=timezone.localtime(wo.reported_at).date(), site=site, project=wo.project
    )
    if contract is not None and contract.pk != wo.contract_id:
        data["contract"] = [wo.contract_id, contract.pk]
        wo.contract = contract
        fields.append("contract")
    if wo.is_active:
        _retarget_clocks(wo, now=timezone.now())
        after = _deadlines(wo)
        data["clocks"] = {
            k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)
        }
    _save(wo, [*fields, *CLOCK_FIELDS])
    _event(wo, kind=EventKind.SITE_MOVED, actor=actor, body=note, data=data)
    _copy_back(workorder, wo)
    return workorder
