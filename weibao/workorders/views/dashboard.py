"""The work-order dashboard: counts per state and severity, the SLA risk list, and a chart (ECharts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import require
from weibao.contracts.choices import Severity
from weibao.core.shortcache import cached_briefly, scope_key
from weibao.workorders import services
from weibao.workorders.choices import OPEN_STATUSES, Status
from weibao.workorders.selectors import CARD_FIELDS, QueueFilters, alerts_for, workorder_qs_for, workorder_queue
from weibao.workorders.views.queue import STATE_ORDER, _state_counts


def _open_by_severity(user) -> dict[str, int]:
    # Open orders only: a small, indexed set even at a million orders in total.
    rows = (
        workorder_qs_for(user)
        .filter(status__in=sorted(OPEN_STATUSES))
        .values("severity")
        .annotate(n=Count("id"))
        .order_by()
    )
    found = {r["severity"]: r["n"] for r in rows}
    return {s: found.get(s, 0) for s in Severity.values}


def _cached(request: HttpRequest, name: str, compute):
    """Dashboard figures are allowed to be a few seconds old (see queue._state_counts)."""
    return cached_briefly(f"wo-dash:{name}:{scope_key(request.user)}", compute)


def dashboard_context(request: HttpRequest) -> dict:
    user = request.user
    counts = _state_counts(request, QueueFilters())
    by_severity = _cached(request, "severity", lambda: _open_by_severity(user))
    states = [
        {"status": s, "label": str(Status(s).label), "n": counts.get(s, 0), "capped": s in counts.get("capped", [])}
        for s in STATE_ORDER
    ]
    open_states = [s for s in states if s["status"] in OPEN_STATUSES]
    # The same ten orders for everyone in a scope, as fresh as the counts beside them; the time left is computed
    # when the page renders. "Assigned to me" and the alerts are per person and always read fresh.
    at_risk = _cached(
        request,
        "at-risk",
        lambda: workorder_queue(user=user, filters=QueueFilters(sla="at_risk"), limit=10, fields=CARD_FIELDS).items,
    )
    mine = (
        workorder_queue(user=user, filters=QueueFilters(assignee_id="me"), limit=10, fields=CARD_FIELDS).items
        if user.is_internal
        else []
    )
    return {
        "alerts": alerts_for(user=user, limit=10) if user.is_internal else [],
        "states": states,
        "open_count": counts.get("open", 0),
        "severities": [{"severity": k, "label": str(Severity(k).label), "n": v} for k, v in by_severity.items()],
        "at_risk": at_risk,
        "mine": mine,
        # A field engineer opens the app on a phone to see their own jobs: those come first (issue 18 §8).
        "mine_first": user.role == "field_engineer",
        "chart": {
            "states": {"labels": [s["label"] for s in open_states], "values": [s["n"] for s in open_states]},
            "severity": {"labels": list(by_severity), "values": list(by_severity.values())},
        },
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, "workorders.view")
    template = "workorders/partials/_dashboard.html" if request.htmx else "workorders/dashboard.html"
    return render(request, template, dashboard_context(request))


@require_POST
@login_required
def alerts_read(request: HttpRequest) -> HttpResponse:
    """Mark the user's SLA alerts read (all, or the ids posted); the dashboard fragment comes back."""
    require(request.user, "workorders.view")
    ids = [int(v) for v in request.POST.getlist("alert") if v.isdecimal()]
    services.alerts_mark_read(user=request.user, alert_ids=ids or None)
    if request.htmx:
        return render(request, "workorders/partials/_dashboard.html", dashboard_context(request))
    return redirect("workorders:dashboard")
