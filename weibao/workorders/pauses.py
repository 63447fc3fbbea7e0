"""Pause reasons (等待原因, issue 17 point 5): the configurable list a waiting order picks from, and the paused time
counted per reason for the clock display, the API and the SLA report.

The list is the `PauseReason` table (admin-editable, seeded by migration); the system codes of `WaitReason`
(quote approval, a visit time agreed with the customer, the vendor) are rows of it that cannot be deleted.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from weibao.workorders.choices import SEEDED_PAUSE_REASONS, STATUS_PAUSE_REASON, Status, WaitReason
from weibao.workorders.clocks import PLAN_REVIEW_REASON
from weibao.workorders.models import PauseReason


def pause_reasons_ensure() -> None:
    """The seeded reasons exist (missing ones are added; names the administrator changed are kept)."""
    for position, (code, name, system) in enumerate(SEEDED_PAUSE_REASONS, start=1):
        PauseReason.objects.get_or_create(
            code=code, defaults={"name": name, "system": system, "position": position * 10}
        )


def pause_reason_choices() -> list[tuple[str, str]]:
    """The reasons a person may pick, in the administrator's order (one query)."""
    return list(PauseReason.objects.filter(active=True).values_list("code", "name"))


def pause_reason_labels() -> dict[str, str]:
    """Every known code → its name (retired rows too: old orders keep their reason); one query."""
    labels = {
        "": _("No reason recorded"),
        PLAN_REVIEW_REASON: _("Customer reviewing the solution plan"),
        **{code: str(label) for code, label in WaitReason.choices if code},
    }
    labels.update(PauseReason.objects.values_list("code", "name"))
    return labels


def pause_reason_static_label(code: str) -> str:
    """A code's name without a query (the seeded names, the system codes' labels): for before/after values on the
    timeline, which must not cost a query per line."""
    labels = {c: name for c, name, _system in SEEDED_PAUSE_REASONS}
    if code in labels:
        return labels[code]
    return str(WaitReason(code).label) if code in WaitReason.values else code


def pause_reason_check(code: str, *, field: str = "reason_code") -> str:
    """`code` when it is an offered reason of the list, else a field error (a pause always says why)."""
    code = (code or "").strip()
    if not code:
        raise ValidationError({field: _("Choose why the order waits.")})
    if code in WaitReason.values:
        return code  # a system reason: valid even where the table was emptied (it is seeded again by `seed`)
    if not PauseReason.objects.filter(code=code, active=True).exists():
        raise ValidationError({field: _("Unknown pause reason.")})
    return code


def pause_reason_for(status: str, wait_reason: str) -> str:
    """The reason a pause entered in `status` is recorded under: the order's wait reason while it waits on the
    customer, the state's own reason otherwise (an SLA policy may pause on escalation: "vendor")."""
    if status == Status.WAITING_CUSTOMER:
        return wait_reason or ""
    return STATUS_PAUSE_REASON.get(status, status)


def minutes(value: datetime.timedelta) -> int:
    return int(value.total_seconds() // 60)
