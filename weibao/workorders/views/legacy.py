"""Legacy issues (遗留问题): open orders past their resolution deadline, reviewed regularly with next steps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from weibao.accounts.permissions import require
from weibao.core.form_views import attach_service_errors
from weibao.core.shortcache import shown_key
from weibao.workorders import services as svc
from weibao.workorders.forms import LegacyReviewForm
from weibao.workorders.selectors import (
    LEGACY_ROW_FIELDS,
    legacy_queue,
    legacy_reviews_for,
    workorder_get_for_user,
)
from weibao.workorders.templatetags.workorder_ui import until
from weibao.workorders.views.common import int_or_none

PAGE_SIZE = 50


@login_required
def legacy_list(request: HttpRequest) -> HttpResponse:
    """The review queue, longest overdue first; "page" walks it in steps of 50 (it stays short in practice)."""
    require(request.user, "workorders.legacy_review")
    page = max(1, int_or_none(request.GET.get("page")) or 1)
    offset = (page - 1) * PAGE_SIZE
    rows = list(legacy_queue(user=request.user).only(*LEGACY_ROW_FIELDS)[offset : offset + PAGE_SIZE + 1])
    today = timezone.localdate()
    return render(
        request,
        "workorders/legacy_list.html",
        {
            "orders": rows[:PAGE_SIZE],
            "rows_key": _rows_key(rows[:PAGE_SIZE], today),
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "now": timezone.now(),
            "today": today,
        },
    )


def _rows_key(orders: list, today) -> str:
    """The cache key of a page of legacy cards (50 cards, ~10 ms to render): a digest of what they show, the time
    overdue as it reads (it changes every minute) and today's date (a review falls due)."""
    shown = [
        (
            *(wo.pk, wo.number, wo.status, wo.severity, until(wo.resolution_due_at), wo.title, wo.symptom),
            *(str(wo.customer), str(wo.site) if wo.site_id else None),
            *(str(wo.assignee) if wo.assignee_id else None, wo.last_reviewed_at, wo.next_review_on),
        )
        for wo in orders
    ]
    return shown_key((today, shown))


@login_required
def legacy_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Review one legacy order: notes, next steps, next review day, optional processing report for the customer."""
    require(request.user, "workorders.legacy_review")
    wo = workorder_get_for_user(user=request.user, pk=pk, for_write=request.method == "POST")
    status = 200
    if request.method == "POST":
        form = LegacyReviewForm(request.POST)
        if form.is_valid():
            try:
                svc.legacy_review_add(workorder=wo, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                return redirect("workorders:legacy")
        status = 422
    else:
        form = LegacyReviewForm()
    context = {"wo": wo, "form": form, "reviews": legacy_reviews_for(workorder=wo, user=request.user)}
    return render(request, "workorders/legacy_review.html", context, status=status)
