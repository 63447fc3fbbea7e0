"""Reads of work orders: every list and get starts from `workorder_qs_for(user)` (organisation scoping).

The queue is built for a million orders on PostgreSQL: open orders sit in partial indexes ordered by their next
deadline, pages are keyset-paginated (no OFFSET), and counts of the huge closed states are capped.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.permissions import has_perm, require
from weibao.accounts.scoping import get_for_user, scope_queryset
from weibao.core.lookups import InArray
from weibao.core.phones import parse_phone, phone_digits, suffix_q
from weibao.core.validators import MAX_BIGINT
from weibao.workorders import clocks as wclocks
from weibao.workorders import visibility
from weibao.workorders.choices import (
    ACTIONS,
    OBSERVATION_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    EventKind,
    MaintenanceType,
    ServiceKind,
    SlaState,
    Status,
    action_perm,
)
from weibao.workorders.models import (
    DONE_Q,
    OPEN_Q,
    AlarmEvent,
    Alert,
    Attachment,
    LegacyReview,
    WorkLog,
    WorkOrder,
    WorkOrderEvent,
)

DETAIL_RELATED = (
    "customer",
    "site",
    "site__region",
    "project",
    "branch",
    "assignee",
    "escalated_vendor",
    "reported_by",
    "contact",
    "contract",
)
LIST_RELATED = ("customer", "site", "assignee", "branch")
# The columns a queue card shows (`_card.html`, its cache key, the keyset cursor): loading all ~105 columns of an
# order and its four relations cost more per card than the rest of the card once its markup is cached.
CARD_FIELDS = (
    "number",
    "version",
    "status",
    "severity",
    "sla_state",
    "next_deadline",
    "reported_at",
    "title",
    "symptom",
    "channel",
    "observation_reply_pending",
    "customer__name",
    "site__name",
    "assignee__name",
    "assignee__username",
    "branch__name",
)
# What the detail page shows (header, clocks): fewer joins than DETAIL_RELATED, which the API and the services use.
# PostgreSQL re-plans the join on every request (~2-3 ms for 11 tables, ~2 ms for 8).
# The contract's calendar and SLA policy ride along: the clock bars read both (two queries fewer per view).
PAGE_RELATED = (
    "customer",
    "site",
    "project",
    "branch",
    "assignee",
    "escalated_vendor",
    "contract__calendar",
    "contract__sla",
)


def workorder_qs_for(user) -> QuerySet[WorkOrder]:
    """The orders `user` may see: staff all, a customer its organisation's, a vendor those escalated to it."""
    return scope_queryset(WorkOrder.objects.all(), user)


def workorder_get_for_user(*, user, pk: int, for_write: bool = False) -> WorkOrder:
    """One order the user may see, else Http404 (another organisation's orders do not exist for them).

    `for_write`: the caller is about to change it — relations needed by the services are loaded too.
    """
    require(user, "workorders.view")
    related = DETAIL_RELATED if not for_write else (*DETAIL_RELATED, "escalated_vendor__organisation")
    return get_for_user(WorkOrder.objects.select_related(*related), user, pk=pk)


def alarm_get_for_user(*, user, pk: int) -> AlarmEvent:
    """An alarm receipt of the user's own organisation (the caller's monitoring system), else Http404."""
    require(user, "workorders.create")
    found = AlarmEvent.objects.select_related("workorder").filter(pk=pk, organisation_id=user.organisation_id).first()
    if found is None:
        raise Http404
    return found


def workorder_get_bare(*, user, pk: int) -> WorkOrder:
    """Like `workorder_get_for_user`, without relations: for pages that show the order's own fields only (the on-site
    overview and card; an 11-table join costs PostgreSQL 2-3 ms of planning per request)."""
    require(user, "workorders.view")
    return get_for_user(WorkOrder.objects.all(), user, pk=pk)


def workorder_get_for_page(*, user, pk: int) -> WorkOrder:
    """Like `workorder_get_for_user`, with only the relations the detail page renders (the rest load on use)."""
    require(user, "workorders.view")
    return get_for_user(WorkOrder.objects.select_related(*PAGE_RELATED), user, pk=pk)


def workorder_get_by_number(*, user, number: str) -> WorkOrder:
    require(user, "workorders.view")
    return get_for_user(WorkOrder.objects.select_related(*DETAIL_RELATED), user, number=number.strip().upper())


# --- the queue ----------------------------------------------------------------------------------------------------


@dataclass
class QueueFilters:
    """What the queue is narrowed to. Empty values mean "any". `status` "open" (default) = every open state."""

    status: list[str] = field(default_factory=lambda: ["open"])
    severity: list[str] = field(default_factory=list)
    branch_id: int | None = None
    assignee_id: int | str | None = None  # a user id, "me" or "none"
    customer_id: int | None = None
    site_id: int | None = None
    sla: str = ""  # "", "ok", "warning", "breached", "at_risk" (warning or breached)
    channel: list[str] = field(default_factory=list)
    query: str = ""  # a number (prefix) or a reporter phone
    reply: bool = False  # only orders whose customer replied during observation (the desk must decide)
    service_kind: list[str] = field(default_factory=list)  # issue 17: ServiceKind values
    maintenance_type: list[str] = field(default_factory=list)  # MaintenanceType values

    @classmethod
    def from_params(cls, params) -> QueueFilters:
        """From a QueryDict/dict of GET parameters (unknown values are dropped, never an error page)."""

        def many(name: str) -> list[str]:
            values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
            if isinstance(values, str):
                values = [values]
            return [v for item in values for v in str(item).split(",") if v]

        def number(name: str) -> int | None:
            value = params.get(name)
            try:
                number = int(value) if value not in (None, "") else None
            except (TypeError, ValueError):
                return None
            return None if number is None or abs(number) > MAX_BIGINT else number  # else the driver's OverflowError

        statuses = [s for s in many("status") if s in Status.values or s in ("open", "all", "observing_all")]
        assignee = params.get("assignee") or params.get("engineer")
        if assignee not in ("me", "none"):
            assignee = number("assignee") if params.get("assignee") else number("engineer")
        return cls(
            status=statuses or ["open"],
            severity=[s for s in many("severity") if s in ("A", "B", "C", "D")],
            branch_id=number("branch"),
            assignee_id=assignee,
            customer_id=number("customer"),
            site_id=number("site"),
            sla=params.get("sla") if params.get("sla") in ("ok", "warning", "breached", "at_risk") else "",
            channel=many("channel"),
            query=(params.get("q") or "").strip()[:40],
            reply=params.get("reply") in ("1", "true", "on"),
            service_kind=[k for k in many("service_kind") if k in ServiceKind.values],
            maintenance_type=[t for t in many("maintenance_type") if t in MaintenanceType.values],
        )

    def statuses(self) -> list[str] | None:
        """The concrete statuses, None for all."""
        if "all" in self.status:
            return None
        result: set[str] = set()
        for s in self.status:
            if s == "open":
                result |= OPEN_STATUSES
            elif s == "observing_all":
                result |= OBSERVATION_STATUSES
            else:
                result.add(s)
        return sorted(result)

    @property
    def open_only(self) -> bool:
        statuses = self.statuses()
        return statuses is not None and set(statuses) <= OPEN_STATUSES


def _filtered(user, filters: QueueFilters, *, with_status: bool = True) -> QuerySet[WorkOrder]:
    qs = workorder_qs_for(user)
    statuses = filters.statuses()
    if with_status and statuses is not None:
        # The full open set is spelled exactly as in the partial indexes' condition, so PostgreSQL uses them.
        qs = qs.filter(status__in=statuses)
    if filters.severity:
        qs = qs.filter(severity__in=filters.severity)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.assignee_id == "me":
        qs = qs.filter(assignee_id=user.pk)
    elif filters.assignee_id == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.site_id:
        qs = qs.filter(site_id=filters.site_id)
    if filters.sla == "at_risk":
        qs = qs.filter(sla_state__in=[SlaState.WARNING, SlaState.BREACHED])
    elif filters.sla:
        qs = qs.filter(sla_state=filters.sla)
    if filters.channel:
        qs = qs.filter(channel__in=filters.channel)
    if filters.reply:
        qs = qs.filter(observation_reply_pending=True)
    if filters.service_kind:
        qs = qs.filter(service_kind__in=filters.service_kind)
    if filters.maintenance_type:
        qs = qs.filter(maintenance_type__in=filters.maintenance_type)
    if filters.query:
        # Two steps: the search's own indexes give the matching ids (a few hundred at most for 4+ digits), then
        # the queue's filters and sort apply to those rows by primary key. In one statement PostgreSQL may walk
        # the open-queue or primary-key index instead and filter row by row (226 ms at 1M orders).
        qs = qs.filter(InArray(F("pk"), list(search_ids(filters.query))))
    return qs


# Fewer digits than this match too much to be a lookup ("the order ending 35" is not a search).
MIN_SEARCH_DIGITS = 3
# A search reads at most this many matching ids (a 3-digit suffix at 1M orders matches about 2,000).
SEARCH_MAX_IDS = 5000
FULL_NUMBER = re.compile(r"WB-\d{4}-\d{6,}")


def search_ids(term: str) -> QuerySet:
    """The ids of all orders (any organisation: the caller scopes) that the search term names, from its indexes."""
    q = search_q(term)
    if q.children == [("pk__in", [])]:
        return WorkOrder.objects.none().values_list("pk", flat=True)
    return WorkOrder.objects.filter(q).order_by().values_list("pk", flat=True)[:SEARCH_MAX_IDS]


def search_q(term: str) -> Q:
    """The queue's search box: an order number (or its prefix), or the last digits of a number or a phone.

    "WB-2026-000235" and "WB-2026-0002" look the number up by prefix; digits ("13900497829", "+86 139 0049 7829",
    "7829", "235") match the reporter phones and order numbers that *end* in them. Both are prefix lookups on
    indexed keys (`number`, `reporter_phone_key`, `number_key`), so the search costs the same at any volume.
    """
    term = term.strip().upper()
    if FULL_NUMBER.fullmatch(term):
        return Q(number=term)  # the unique index
    if term.startswith("WB"):
        return Q(number__startswith=term)
    digits = phone_digits(term)  # a whole number in any shape ("010-65521234 转 8") gives its digits without extension
    wordy = parse_phone(term) is None and any(ch.isalpha() for ch in term)
    if len(digits) < MIN_SEARCH_DIGITS or wordy:
        return Q(pk__in=[])  # nothing a number or a phone could be: an empty result, not a full scan
    return suffix_q("reporter_phone_key", digits) | suffix_q("number_key", digits)


def workorder_export_rows(*, user, filters: QueueFilters, cap: int) -> tuple[list[str], Any, int]:
    """Headers, rows (a lazy iterator, newest first) and the number of matching orders counted up to cap + 1."""
    require(user, "workorders.view")
    qs = _filtered(user, filters).order_by("-pk")
    total = qs[: cap + 1].count()
    headers = [
        _("Number"),
        _("Status"),
        _("Severity"),
        _("Customer"),
        _("Site"),
        _("Title"),
        _("Reporter"),
        _("Reporter phone"),
        _("Channel"),
        _("Service kind"),
        _("Maintenance type"),
        _("Engineer"),
        _("Reported at"),
        _("Resolved at"),
        _("Closed at"),
        _("SLA"),
    ]

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else None

    def rows():
        related = qs.select_related("customer", "site", "assignee")[:cap]
        for wo in related.iterator(chunk_size=2000):
            yield [
                wo.number,
                wo.get_status_display(),
                wo.severity,
                wo.customer.name,
                wo.site.name if wo.site else "",
                wo.title,
                wo.reporter_name,
                wo.reporter_phone,
                wo.get_channel_display(),
                wo.get_service_kind_display(),
                wo.get_maintenance_type_display(),
                str(wo.assignee) if wo.assignee else "",
                local(wo.reported_at),
                local(wo.resolved_at),
                local(wo.closed_at),
                wo.get_sla_state_display(),
            ]

    return headers, rows(), total


@dataclass
class QueuePage:
    items: list[WorkOrder] | list[CardKey]
    next_cursor: str | None
    sort: str

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def _encode(wo: WorkOrder | CardKey, sort: str) -> str:
    """An opaque, URL-safe cursor: the last row's sort key."""
    if sort == "newest":
        return str(wo.pk)
    deadline = str((wo.next_deadline - EPOCH) // MICROSECOND) if wo.next_deadline else "~"
    return f"{deadline}_{wo.pk}"


def _after(qs: QuerySet[WorkOrder], cursor: str, sort: str) -> QuerySet[WorkOrder]:
    try:
        if sort == "newest":
            return qs.filter(pk__lt=int(cursor))
        deadline_text, pk_text = cursor.rsplit("_", 1)
        pk = int(pk_text)
        if deadline_text == "~":
            return qs.filter(next_deadline__isnull=True, pk__gt=pk)
        deadline = EPOCH + int(deadline_text) * MICROSECOND
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError({"cursor": _("Invalid page cursor.")}) from exc
    return qs.filter(
        Q(next_deadline__gt=deadline) | Q(next_deadline=deadline, pk__gt=pk) | Q(next_deadline__isnull=True)
    )


class CardKey(NamedTuple):
    """What decides whether a queue card's cached markup is still right (and where the next page starts)."""

    pk: int
    version: int
    status: str
    sla_state: str
    next_deadline: datetime.datetime | None
    assignee_id: int | None
    observation_reply_pending: bool


def workorder_queue(
    *,
    user,
    filters: QueueFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
    sort: str = "",
    fields: tuple[str, ...] = (),
    keys_only: bool = False,
) -> QueuePage:
    """One page of the work queue: nearest deadline first (no deadline last), keyset-paginated by `cursor`.

    Queues that include closed or cancelled orders sort newest first instead (deadlines are gone there).
    `fields` loads only those columns (`CARD_FIELDS`); by default every column, as the API needs.
    `keys_only`: the page as `CardKey` tuples, for cards whose markup is mostly cached (`workorder_cards` loads
    the orders of the others): a tuple costs a tenth of an order with its four relations.
    """
    require(user, "workorders.view")
    filters = filters or QueueFilters()
    sort = sort if sort in ("deadline", "newest") else ("deadline" if filters.open_only else "newest")
    qs = _filtered(user, filters)
    if cursor:
        qs = _after(qs, cursor, sort)
    qs = qs.order_by("-pk") if sort == "newest" else qs.order_by(F("next_deadline").asc(nulls_last=True), "pk")
    limit = max(1, min(limit, 200))
    if keys_only:
        items = [CardKey(*row) for row in qs.values_list(*CardKey._fields)[: limit + 1]]
    else:
        items = list(_with_card_data(qs.select_related(*LIST_RELATED), user, fields)[: limit + 1])
    next_cursor = _encode(items[limit - 1], sort) if len(items) > limit else None
    return QueuePage(items=items[:limit], next_cursor=next_cursor, sort=sort)


def workorder_cards(*, user, pks) -> dict[int, WorkOrder]:
    """The orders behind queue cards (by pk, among those `user` may see), with what a card shows."""
    qs = workorder_qs_for(user).filter(InArray(F("pk"), list(pks))).select_related(*LIST_RELATED)
    return {wo.pk: wo for wo in _with_card_data(qs, user, CARD_FIELDS)}


def _with_card_data(qs: QuerySet[WorkOrder], user, fields: tuple[str, ...]) -> QuerySet[WorkOrder]:
    if fields:
        qs = qs.only(*fields)
    if user.is_internal:
        # The flag "客户在观察期内回复" shows the newest waiting reply's text on the card (a correlated subquery, run
        # for the page's rows only, served by obsreply_open_idx).
        from weibao.workorders.models import ObservationReply

        qs = qs.annotate(
            reply_text=Subquery(
                ObservationReply.objects.filter(workorder=OuterRef("pk"), decision="")
                .order_by("-pk")
                .values("text")[:1]
            )
        )
    return qs


def workorder_state_counts(*, user, filters: QueueFilters | None = None, cap: int = 10_000) -> dict[str, Any]:
    """Orders per state under the same filters (status aside). Open and observing states are counted exactly
    (they are few and indexed); closed and cancelled are counted up to `cap` — the UI shows "10000+"."""
    require(user, "workorders.view")
    filters = filters or QueueFilters()
    base = _filtered(user, filters, with_status=False)
    counts: dict[str, Any] = dict.fromkeys(Status.values, 0)
    exact = sorted(OPEN_STATUSES | OBSERVATION_STATUSES)
    for row in base.filter(status__in=exact).values("status").annotate(n=Count("*")).order_by():
        counts[row["status"]] = row["n"]
    capped, unknown = [], []
    # Finished orders are counted only under filters an index serves (none, customer, site, branch, engineer,
    # number); under severity, channel or SLA risk a capped count could still walk most of a million rows.
    countable = not (filters.severity or filters.channel or filters.sla)
    for status in (Status.CLOSED, Status.CANCELLED):
        n = base.filter(status=status).order_by()[: cap + 1].count() if countable else None
        counts[status] = n
        if n is None:
            unknown.append(status)
        elif n > cap:
            capped.append(status)
    counts["open"] = sum(counts[s] for s in OPEN_STATUSES)
    # Orders waiting for the desk's decision about a customer's reply (served by wo_reply_pending_idx).
    counts["reply"] = base.filter(observation_reply_pending=True).order_by().count() if user.is_internal else 0
    counts["capped"] = capped
    counts["unknown"] = unknown  # not counted: the UI leaves them out
    counts["cap"] = cap
    return counts


# --- detail -------------------------------------------------------------------------------------------------------


def events_visible_to(*, user, workorder: WorkOrder) -> list[WorkOrderEvent]:
    """The order's history as `user` may see it, oldest first: the events and fields the one visibility rule
    (`workorders.visibility.RULES`) allows their side — staff everything, customers and vendors redacted copies."""
    audience = visibility.audience_of(user)
    if audience is None:
        return []
    qs = WorkOrderEvent.objects.filter(workorder=workorder).select_related("actor")
    attachments = Attachment.objects.order_by("id")
    if audience != visibility.Audience.STAFF:
        qs = qs.filter(internal=False)  # internal events are staff only whatever their kind (the rule says so too)
        attachments = attachments.filter(internal=False)
    events = qs.prefetch_related(Prefetch("attachments", queryset=attachments)).order_by("created_at", "id")
    return visibility.redact_all(events, audience, user)


# The page and the API call the timeline by this name.
workorder_timeline = events_visible_to


def workorder_clocks(*, workorder: WorkOrder, now: datetime.datetime | None = None) -> list[wclocks.ClockView]:
    """The SLA clocks as progress bars (business time used / target, state, deadline)."""
    return wclocks.clock_views(workorder, list(workorder.clocks.all()), now=now)


def workorder_attachments(*, workorder: WorkOrder, user) -> QuerySet[Attachment]:
    qs = Attachment.objects.filter(workorder=workorder).select_related("uploaded_by")
    return qs if user.is_internal else qs.filter(internal=False)


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    """An attachment through its order's scoping (404 outside the user's organisation; internal ones staff only)."""
    require(user, "workorders.view")
    qs = Attachment.objects.select_related("workorder")
    if not user.is_internal:
        qs = qs.filter(internal=False)
    return get_for_user(qs, user, pk=pk)


def workorder_work_logs(*, workorder: WorkOrder) -> QuerySet[WorkLog]:
    return WorkLog.objects.filter(workorder=workorder).select_related("engineer").order_by("id")


def workorder_work_minutes(*, workorder: WorkOrder) -> int:
    return sum(WorkLog.objects.filter(workorder=workorder).values_list("minutes", flat=True))


# Actions a user may take on an order now: verb -> (permission, target status or None for a non-move).
def workorder_allowed_actions(*, workorder: WorkOrder, user) -> list[str]:
    """The action verbs to offer: the user's role holds the permission and the state table allows the move."""
    from weibao.dispatch.duty import may_dispatch

    status = workorder.status
    allowed = []
    can_dispatch = None
    for verb, (perm, target) in ACTIONS.items():
        if verb in ("dispatch", "request_dispatch") and user.is_internal:
            if can_dispatch is None:
                can_dispatch = may_dispatch(user, branch_id=workorder.branch_id, manager_perm=action_perm("dispatch"))
            if (verb == "dispatch") != can_dispatch:
                continue  # one of the two: dispatch when allowed, else ask the manager
            if verb == "dispatch":
                perm = None
        if perm is not None and not has_perm(user, perm):
            continue
        if verb == "request_dispatch":
            ok = (
                Status.DISPATCHED in TRANSITIONS[status]
                and status != Status.DISPATCHED
                or (status == Status.DISPATCHED and workorder.assignee_id is None)
            )
        elif target is not None:
            ok = target in TRANSITIONS[status] and not (target == status and verb != "dispatch")
        elif verb in ("accept", "decline"):
            ok = status == Status.DISPATCHED and workorder.accepted_at is None and workorder.assignee_id == user.pk
        elif verb == "depart":
            ok = status == Status.DISPATCHED and workorder.assignee_id == user.pk
        elif verb == "resume":
            ok = status == Status.WAITING_CUSTOMER
        elif verb == "customer_reject":
            ok = status in OBSERVATION_STATUSES
        elif verb in ("reply_reopen", "reply_keep"):
            ok = user.is_internal and workorder.observation_reply_pending
        elif verb in ("log_work", "record_plan", "set_appointment"):
            ok = status in OPEN_STATUSES
        elif verb in ("assign", "update", "move_site"):
            ok = status not in (Status.CLOSED, Status.CANCELLED)
        else:
            ok = status != Status.CANCELLED
        if ok:
            allowed.append(verb)
    if user.is_customer and status in OBSERVATION_STATUSES and "reopen" in allowed:
        allowed.remove("reopen")  # customers reject (不满意) instead, which records their reason
    return allowed


# --- legacy review, briefing, alerts --------------------------------------------------------------------------------


# The columns a row of the legacy page shows (`legacy_list.html`): not the ~105 columns of the order and its relations.
LEGACY_ROW_FIELDS = (
    "number",
    "status",
    "severity",
    "resolution_due_at",
    "title",
    "symptom",
    "customer__name",
    "site__name",
    "assignee__name",
    "assignee__username",
    "branch__name",
)


def legacy_queue(*, user, now: datetime.datetime | None = None) -> QuerySet[WorkOrder]:
    """Orders not solved within their time limit (遗留问题): still open, resolution deadline passed; the longest
    overdue first, with the time of their last review."""
    require(user, "workorders.legacy_review")
    now = now or timezone.now()
    return (
        workorder_qs_for(user)
        .filter(status__in=sorted(OPEN_STATUSES), resolution_due_at__lt=now)
        .select_related(*LIST_RELATED)
        # A correlated subquery, not a GROUP BY: evaluated only for the rows of the page.
        .annotate(
            last_reviewed_at=Subquery(
                LegacyReview.objects.filter(workorder=OuterRef("pk")).order_by("-reviewed_at").values("reviewed_at")[:1]
            ),
            # The next review the latest review asked for (issue 22): past it, the review is overdue.
            next_review_on=Subquery(
                LegacyReview.objects.filter(workorder=OuterRef("pk"))
                .order_by("-reviewed_at", "-id")
                .values("next_review_on")[:1]
            ),
        )
        .order_by("resolution_due_at", "pk")
    )


def legacy_review_overdue(row: WorkOrder, *, today: datetime.date | None = None) -> bool:
    """A row of `legacy_queue` whose next review day has passed without a review (issue 22)."""
    next_on = getattr(row, "next_review_on", None)
    return next_on is not None and next_on < (today or timezone.localdate())


def legacy_reviews_for(*, workorder: WorkOrder, user) -> QuerySet[LegacyReview]:
    """Reviews of an order; customers and vendors see only those with a processing report (and only that text: the
    template shows them `customer_report`), as the timeline's rule for LEGACY_REVIEW says (its body is that report)."""
    qs = LegacyReview.objects.filter(workorder=workorder).select_related("reviewer")
    audience = visibility.audience_of(user)
    if audience == visibility.Audience.STAFF:
        return qs
    if "body" not in (visibility.visible_fields(EventKind.LEGACY_REVIEW, audience) or ()):
        return qs.none()
    return qs.exclude(customer_report="").filter(event__internal=False)


# The briefing's order lines (workorders/partials/_briefing.html): a work order has some 80 columns, its engineer 20.
BRIEFING_ORDER_FIELDS = (
    "number",
    "status",
    "severity",
    "title",
    "reported_at",
    "resolution",
    "assignee__name",
    "assignee__username",
)


def workorders_for_site(*, user, site, limit: int = 10, count_cap: int = 1000) -> dict[str, Any]:
    """For the pre-visit briefing: the site's latest open orders with their (capped) count, and its latest others.

    A busy site (a monitoring system's alarms) may have thousands of open orders: the briefing shows the latest
    `limit` and links to the queue filtered by the site; counting stops at `count_cap` ("1000+").
    """
    qs = workorder_qs_for(user).filter(site=site)
    open_qs = qs.filter(OPEN_Q)
    latest_open = list(open_qs.select_related("assignee").only(*BRIEFING_ORDER_FIELDS).order_by("-pk")[:limit])
    # Fewer than `limit` open orders: the list is the count (most sites); otherwise count, up to the cap.
    open_count = len(latest_open) if len(latest_open) < limit else open_qs.order_by()[: count_cap + 1].count()
    return {
        "open": latest_open,
        "recent": list(
            qs.filter(DONE_Q).select_related("assignee").only(*BRIEFING_ORDER_FIELDS).order_by("-pk")[:limit]
        ),
        "open_count": min(open_count, count_cap),
        "open_count_capped": open_count > count_cap,
        "queue_query": urlencode({"site": site.pk, "status": "open"}),
    }


def workorders_for_device(*, user, device, limit: int = 10) -> list[WorkOrder]:
    return list(
        workorder_qs_for(user)
        .filter(devices=device)
        .select_related("assignee")
        .only(*BRIEFING_ORDER_FIELDS)
        .order_by("-pk")[:limit]
    )


def alerts_for(*, user, unread_only: bool = True, limit: int = 50) -> list[Alert]:
    qs = Alert.objects.filter(recipient=user).select_related("workorder", "event")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs.order_by("-created_at")[:limit])


def event_get(*, event_id: int) -> WorkOrderEvent:
    """One event with what a notifier needs (for `events.subscribe` consumers)."""
    return WorkOrderEvent.objects.select_related(
        "workorder", "workorder__customer", "workorder__site", "workorder__assignee", "workorder__branch", "actor"
    ).get(pk=event_id)


SLA_EVENT_KINDS = frozenset({EventKind.SLA_WARNING, EventKind.SLA_BREACH})


# --- observation replies and reopens (issue 23) ---------------------------------------------------------------------


def observation_replies_open(*, workorder: WorkOrder, user) -> list:
    """The customer's replies during observation still waiting for the desk (staff only; customers see their own
    comments on the timeline)."""
    from weibao.workorders.models import ObservationReply

    if not user.is_internal or not workorder.observation_reply_pending:
        return []
    return list(ObservationReply.objects.filter(workorder=workorder, decision="").order_by("pk"))


def reopen_counts_by_source(
    *, user, since: datetime.datetime | None = None, until: datetime.datetime | None = None, engineer=None
) -> dict[str, int]:
    """How many reopens each source caused in a period (for reports and statistics), scoped to what the user may
    see; `engineer`: only orders assigned to that engineer. Every source is present (0 when none)."""
    from django.db.models import Count

    from weibao.workorders.choices import ReopenSource
    from weibao.workorders.models import Reopen

    qs = Reopen.objects.filter(workorder__in=workorder_qs_for(user).values("pk"))
    if since is not None:
        qs = qs.filter(reopened_at__gte=since)
    if until is not None:
        qs = qs.filter(reopened_at__lt=until)
    if engineer is not None:
        qs = qs.filter(workorder__assignee=engineer)
    counts = dict(qs.order_by().values_list("source").annotate(n=Count("pk")).values_list("source", "n"))
    return {source: counts.get(source, 0) for source in ReopenSource.values}


# --- intake context (issue 18 §6) ------------------------------------------------------------------------------------


def intake_context(*, user, customer, site=None, device=None, limit: int = 5) -> dict[str, Any]:
    """What the duty engineer sees while the caller is still on the line: the contract and entitlement that would
    apply (in/out of warranty, 7x24 or 5x8), and the open orders of the site and of the customer elsewhere —
    possible duplicates, each a click away from adding a comment instead of a new order. Four small queries."""
    from weibao.contracts.selectors import entitlement_for

    entitlement = entitlement_for(customer=customer, at=timezone.now(), site=site, device=device)
    contract = entitlement.contract
    calendar = contract.calendar if contract is not None else None
    qs = workorder_qs_for(user).filter(OPEN_Q, customer=customer).select_related("site").order_by("-pk")
    at_site = list(qs.filter(site=site)[:limit]) if site is not None else []
    elsewhere = list((qs.exclude(site=site) if site is not None else qs)[:limit])
    return {
        "entitlement": entitlement,
        "contract": contract,
        "round_the_clock": bool(calendar is not None and calendar.kind == "always"),
        "calendar": calendar,
        "open_at_site": at_site,
        "open_elsewhere": elsewhere,
    }
