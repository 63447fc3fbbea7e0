"""The work queue (工单列表): filters, counts per state, nearest deadline first, keyset pages, htmx refresh."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from weibao.accounts.models import Branch
from weibao.accounts.permissions import has_perm, require
from weibao.contracts.choices import IntakeChannel, Severity
from weibao.core.picklists import cached_pick_list
from weibao.core.shortcache import cached_briefly, scope_key
from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
    OPEN_STATUSES,
    MaintenanceType,
    ServiceKind,
    SlaState,
    Status,
)
from weibao.workorders.selectors import (
    CardKey,
    QueueFilters,
    workorder_cards,
    workorder_queue,
    workorder_state_counts,
)
from weibao.workorders.views.common import render_page_or_fragment

PAGE_SIZE = 25  # a phone screen or two; the next page is one keyset step away
STATE_ORDER = (
    [s for s in Status.values if s in OPEN_STATUSES]
    + [s for s in Status.values if s in OBSERVATION_STATUSES]
    + [Status.CLOSED, Status.CANCELLED]
)


def _filter_choices(request: HttpRequest, filters: QueueFilters) -> dict:
    """Choices for the filter bar as plain (value, label, selected) tuples: the page renders ~250 options, and
    plain tuples render several times faster than model instances and lazy labels.
    Customers filter their own orders only by state, severity and number."""
    user = request.user
    context = {
        "severities": [(v, str(label), v in filters.severity) for v, label in Severity.choices],
        "sla_choices": [
            (v, str(label), filters.sla == v)
            for v, label in [("at_risk", f"{SlaState.WARNING.label} / {SlaState.BREACHED.label}"), *SlaState.choices]
        ],
        "channels": [(v, str(label), v in filters.channel) for v, label in IntakeChannel.choices],
        "service_kinds": [(v, str(label), v in filters.service_kind) for v, label in ServiceKind.choices],
        "maintenance_types": [(v, str(label), v in filters.maintenance_type) for v, label in MaintenanceType.choices],
        "statuses": [(s, str(Status(s).label)) for s in STATE_ORDER],
    }
    if user.is_internal:
        from weibao.accounts.choices import Role
        from weibao.accounts.models import User

        branches = cached_pick_list("wo-queue-branches", lambda: list(Branch.objects.values_list("pk", "name")))
        context["branches"] = [(pk, name, filters.branch_id == pk) for pk, name in branches]
        # ~200 options: the rendered <option> list is cached per selected engineer, like the rows themselves.
        context["engineer_options"] = cached_pick_list(
            f"wo-queue-engineer-options:{filters.assignee_id}",
            lambda: render_to_string(
                "workorders/partials/_engineer_options.html",
                {
                    "selected": filters.assignee_id,
                    "engineers": User.objects.filter(
                        is_active=True, role__in=[Role.FIELD_ENGINEER, Role.DUTY_ENGINEER, Role.SERVICE_MANAGER]
                    )
                    .order_by("name")
                    .values_list("pk", "name", "username"),
                },
            ),
        )
        if filters.customer_id:
            from weibao.customers.models import Customer

            context["customer"] = Customer.objects.filter(pk=filters.customer_id).only("pk", "name").first()
    return context


def _state_counts(request: HttpRequest, filters: QueueFilters) -> dict:
    """Orders per state, cached for a few seconds per scope and filter set. Counting ~100,000 active orders on
    every page view and every htmx refresh costs more than the rest of the page; a count up to
    WEIBAO_QUEUE_COUNTS_TTL seconds old is fine for a queue (the cards themselves are always fresh)."""
    user = request.user
    scope = scope_key(user)
    if filters.assignee_id == "me":
        scope += f":me{user.pk}"
    key = "wo-counts:" + hashlib.sha256(f"{scope}|{sorted(vars(filters).items())}".encode()).hexdigest()[:32]
    return cached_briefly(key, lambda: workorder_state_counts(user=user, filters=filters))


def _cards(user, keys: list[CardKey], list_url: str) -> list[str]:
    """The page's cards, one template (`_card.html`) each, cached per card: a template loop costs ~0.4 ms a card in
    Django's engine, and an order loaded with its four relations ~0.2 ms. A card's key holds what can change it at
    once (version, state, SLA, deadline, assignee, reply flag) plus the minute, so names and the "time left" text
    are at most a minute old; only the orders of cards not in the cache are loaded (`workorder_cards`)."""
    if not keys:
        return []
    is_customer = user.is_customer
    minute = int(timezone.now().timestamp() // 60)
    head = f"wo-card:{get_language()}:{int(is_customer)}:{list_url}:{minute}"
    cache_keys = [
        f"{head}:{k.pk}:{k.version}:{k.status}:{k.sla_state}:{k.next_deadline and k.next_deadline.timestamp()}"
        f":{k.assignee_id}:{int(k.observation_reply_pending)}"
        for k in keys
    ]
    use_cache = getattr(settings, "WEIBAO_QUEUE_COUNTS_TTL", 10) > 0  # 0: nothing on the queue is cached
    cached = cache.get_many(cache_keys) if use_cache else {}
    missing = {key: k.pk for key, k in zip(cache_keys, keys, strict=True) if key not in cached}
    if missing:
        orders = workorder_cards(user=user, pks=missing.values())
        template = get_template("workorders/partials/_card.html")
        rendered = {
            key: template.render({"wo": orders[pk], "list_url": list_url, "is_customer": is_customer})
            for key, pk in missing.items()
            if pk in orders  # gone from the user's view since the page was read: left out
        }
        cached |= rendered
        if use_cache:
            cache.set_many(rendered, 120)
    return [cached[key] for key in cache_keys if key in cached]


@login_required
def workorder_list(request: HttpRequest) -> HttpResponse:
    """Staff: the queue of all orders they may see. Customers: their organisation's reports (我的报修)."""
    require(request.user, "workorders.view")
    filters = QueueFilters.from_params(request.GET)
    cursor = request.GET.get("cursor") or None
    try:
        page = workorder_queue(
            user=request.user,
            filters=filters,
            cursor=cursor,
            limit=PAGE_SIZE,
            sort=request.GET.get("sort", ""),
            keys_only=True,
        )
    except ValidationError:
        cursor = None  # a mangled cursor: start from the first page rather than fail
        page = workorder_queue(user=request.user, filters=filters, limit=PAGE_SIZE, keys_only=True)
    counts = _state_counts(request, filters)
    params = request.GET.copy()
    params.pop("cursor", None)
    without_status = params.copy()
    without_status.pop("status", None)
    list_url = reverse("workorders:list")  # cards link to "<list>/<pk>/": one reverse() per page, not two per card
    context = {
        "page": page,
        "cards": _cards(request.user, page.items, list_url),
        "filters": filters,
        "selected_status": filters.status[0] if len(filters.status) == 1 else "",
        "counts": [
            {"status": s, "label": str(Status(s).label), "n": counts.get(s, 0), "capped": s in counts.get("capped", [])}
            for s in STATE_ORDER
        ],
        "open_count": counts.get("open", 0),
        "reply_count": counts.get("reply", 0),
        "cap": counts.get("cap"),
        "base_query": params.urlencode(),
        "nostatus_query": without_status.urlencode(),
        "filters_active": bool(without_status.urlencode()),
        "can_create": has_perm(request.user, "workorders.create"),
        "list_url": list_url,
        "cursor": cursor,
        "sort": request.GET.get("sort", ""),
        "is_customer": request.user.is_customer,
        **_filter_choices(request, filters),
    }
    return render_page_or_fragment(
        request, page="workorders/workorder_list.html", fragment="workorders/partials/_queue.html", context=context
    )


@login_required
def customer_pick(request: HttpRequest) -> HttpResponse:
    """As-you-type customer choice for the queue's customer filter (staff only; names and codes)."""
    require(request.user, "workorders.view")
    q = (request.GET.get("customer_q") or "").strip()[:60]
    customers = []
    if request.user.is_internal and len(q) >= 2:
        from weibao.customers.selectors import customer_list

        customers = list(customer_list(user=request.user, q=q)[:10])
    params = request.GET.copy()
    for name in ("customer_q", "customer", "cursor"):
        params.pop(name, None)
    return render(
        request,
        "workorders/partials/_customer_pick.html",
        {"customers": customers, "q": q, "base_query": params.urlencode()},
    )
