"""The escalation gate (issue 14), registered as a work-order guard from RmaConfig.ready(): while the order's
escalation to a vendor is open, the order cannot be resolved or closed — record the vendor's root cause ("solved by
the vendor", SPEC §4.7 "保证问题得到根本解决") or withdraw the escalation first."""

from __future__ import annotations

from django.utils.translation import gettext as _

from weibao.workorders.choices import Status


def escalation_gate(workorder, *, to: str) -> str | None:
    if to not in (Status.RESOLVED, Status.CLOSED):
        return None
    from weibao.rma.choices import EscalationStatus
    from weibao.rma.models import VendorEscalation

    if VendorEscalation.objects.filter(workorder_id=workorder.pk, status=EscalationStatus.OPEN).exists():
        return _(
            "The escalation to the vendor is still open: record the vendor's root cause (solved by the vendor) "
            "or withdraw the escalation first."
        )
    return None
