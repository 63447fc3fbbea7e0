"""The work queue (工单列表): filters, counts per state, nearest deadline first, keyset pages, htmx refresh."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from weibao.accounts.models import Branch
from weibao.accounts.permissions import has_perm, require
from weibao.contracts.choices import IntakeChannel, Severity
from weibao.workorders.choices import OBSERVATION_STATUSES, OPEN_STATUSES, SlaState, Status
from weibao.workorders.selectors import QueueFilters, workorder_queue, workorder_state_counts
from weibao.workorders.views.common import render_page_or_fragment

PAGE_SIZE = 50
STATE_ORDER = [s for s in Status.values if s in OPEN_STATUSES] + [
    s for s in Status.values if s in OBSERVATION_STATUSES
] + [Status.CLOSED, Status.CANCELLED]  # fmt: skip


def _filter_choices(request: HttpRequest, filters: QueueFilters) -> dict:
    """Choices for the filter bar. Customers filter their own orders only by state, severity and site."""
    user = request.user
    context = {
        "severities": Severity.choices,
        "sla_choices": [("at_risk", SlaState.WARNING.label + " / " + SlaState.BREACHED.label), *SlaState.choices],
        "channels": IntakeChannel.choices,
        "statuses": [(s, Status(s).label) for s in STATE_ORDER],
    }
    if user.is_internal:
        from weibao.accounts.choices import Role
        from weibao.accounts.models import User

        context["branches"] = Branch.objects.all()
        context["engineers"] = (
            User.objects.filter(
                is_active=True, role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER, Role.SERVICE_MANAGER]
            )
            .order_by("name")
            .only("pk", "name", "username")
        )
        if filters.customer_id:
            from weibao.customers.models import Customer

            context["customer"] = Customer.objects.filter(pk=filters.customer_id).only("pk", "name").first()
    return context


@login_required
def workorder_list(request: HttpRequest) -> HttpResponse:
    """Staff: the queue of all orders they may see. Customers: their organisation's reports (我的报修)."""
    require(request.user, "workorders.view")
    filters = QueueFilters.from_params(request.GET)
    cursor = request.GET.get("cursor") or None
    try:
        page = workorder_queue(user=request.user, filters=filters, cursor=cursor, limit=PAGE_SIZE,
                               sort=request.GET.get("sort", ""))  # fmt: skip
    except ValidationError:
        cursor = None  # a mangled cursor: start from the first page rather than fail
        page = workorder_queue(user=request.user, filters=filters, limit=PAGE_SIZE)
    counts = workorder_state_counts(user=request.user, filters=filters)
    params = request.GET.copy()
    params.pop("cursor", None)
    without_status = params.copy()
    without_status.pop("status", None)
    context = {
        "page": page,
        "filters": filters,
        "selected_status": filters.status[0] if len(filters.status) == 1 else "",
        "counts": [
            {"status": s, "label": Status(s).label, "n": counts.get(s, 0), "capped": s in counts.get("capped", [])}
            for s in STATE_ORDER
        ],
        "open_count": counts.get("open", 0),
        "cap": counts.get("cap"),
        "base_query": params.urlencode(),
        "nostatus_query": without_status.urlencode(),
        "can_create": has_perm(request.user, "workorders.create"),
        "cursor": cursor,
        "is_customer": request.user.is_customer,
        **_filter_choices(request, filters),
    }
    return render_page_or_fragment(
        request, page="workorders/workorder_list.html", fragment="workorders/partials/_queue.html", context=context
    )
