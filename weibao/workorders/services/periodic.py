"""Periodic work: close orders whose observation period passed quietly."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
)
from weibao.workorders.models import (
    WorkOrder,
)
from weibao.workorders.services.common import (
    system_user,
)
from weibao.workorders.services.transitions import workorder_close

# --- periodic -----------------------------------------------------------------------------------------------------


def observation_close_due(*, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close orders whose observation period ended without a recurrence (by the system user). Safe to re-run:
    the transition locks the row and an order already closed or reopened is skipped."""
    now = now or timezone.now()
    actor = system_user()
    closed, last_pk = 0, 0
    # An order whose customer replied during observation waits for the desk's decision (issue 23).
    due = WorkOrder.objects.filter(status__in=sorted(OBSERVATION_STATUSES), observation_ends_at__lte=now,
                                   observation_reply_pending=False)  # fmt: skip
    while True:
        ids = list(due.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return closed
        last_pk = ids[-1]
        for pk in ids:
            with transaction.atomic():
                wo = WorkOrder.objects.select_for_update().filter(pk=pk).first()
                if wo is None or wo.status not in OBSERVATION_STATUSES or not wo.observation_ends_at:
                    continue
                if wo.observation_ends_at > now or wo.observation_reply_pending:
                    continue
                workorder_close(workorder=wo, actor=actor,
                                note=_("Closed automatically: nothing recurred during the observation period."))  # fmt: skip
                closed += 1
