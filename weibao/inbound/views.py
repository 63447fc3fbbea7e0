"""The providers' callback URLs (CSRF-exempt: they are checked by signature instead, see providers.py) and the
triage list of received IM/SMS messages."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from weibao.core.exceptions import TransitionNotAllowed
from weibao.inbound import providers
from weibao.inbound.choices import ReceiptStatus
from weibao.inbound.crypto import CallbackRefused
from weibao.inbound.models import InboundAccount
from weibao.inbound.selectors import receipt_counts, receipt_get_for_user, receipt_list
from weibao.inbound.services import (
    message_receive,
    receipt_assign,
    receipt_ignore,
    receipt_retry,
    rejection_record,
)
from weibao.notifications.forms import TriageAssignForm

logger = logging.getLogger(__name__)


def _answer(body) -> HttpResponse:
    if isinstance(body, dict):
        return JsonResponse(body)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@csrf_exempt  # signed callbacks from the providers: no browser, no cookie; the signature is the check
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, provider: str, slug: str) -> HttpResponse:
    account = InboundAccount.objects.filter(provider=provider, slug=slug, enabled=True).first()
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        if account is None:
            raise CallbackRefused("unknown_account", f"{provider}/{slug[:50]}", status=404)
        if request.method == "GET" and provider != "wecom":
            raise CallbackRefused("malformed", "GET is only for WeCom URL verification", status=405)
        result = providers.READERS[provider](request, account)
    except CallbackRefused as refused:
        rejection_record(provider=provider[:16], account=account, refused=refused, remote_addr=remote)
        return JsonResponse({"error": refused.reason}, status=refused.status)
    if isinstance(result, providers.Handshake):
        return _answer(result.body)
    receipt, created = message_receive(account=account, incoming=result)
    if not created:
        logger.info(
            "inbound %s message %s delivered again: already receipt #%s", provider, receipt.message_key, receipt.pk
        )
    # The providers only want a quick 200 (a missing one makes them retry): the receipt is stored, the routing worker
    # does the rest and the answer to the sender goes through the outbox (services._reply).
    if provider == "wecom":
        return _answer("")
    return _answer({"ok": True} if provider == "sms" else {})


# --- triage pages -------------------------------------------------------------------------------------------------

PAGE_SIZE = 50


@login_required
def receipt_list_view(request: HttpRequest) -> HttpResponse:
    """Received IM/SMS messages by state; the triage list is where unknown senders wait for staff."""
    status = request.GET.get("status", ReceiptStatus.TRIAGE)
    status = status if status in ReceiptStatus.values or status == "" else ReceiptStatus.TRIAGE
    page = Paginator(receipt_list(user=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inbound/receipt_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ReceiptStatus.choices,
            "counts": receipt_counts(),
        },
    )


@login_required
def receipt_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = receipt_get_for_user(user=request.user, pk=pk)
    form = TriageAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = receipt_assign(
                receipt=row, actor=request.user, customer=form.cleaned_data["customer"], site=form.cleaned_data["site"]
            )
            messages.success(request, _("Work order %(number)s opened.") % {"number": row.workorder.number})
            return redirect("inbound:detail", pk=row.pk)
        except TransitionNotAllowed as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "inbound/receipt_detail.html", {"row": row, "form": form})


@require_POST
@login_required
def receipt_set_aside(request: HttpRequest, pk: int) -> HttpResponse:
    row = receipt_get_for_user(user=request.user, pk=pk)
    try:
        receipt_ignore(receipt=row, actor=request.user, note=request.POST.get("note", "")[:500])
        messages.success(request, _("The message was set aside."))
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("inbound:detail", pk=row.pk)


@require_POST
@login_required
def receipt_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = receipt_get_for_user(user=request.user, pk=pk)
    try:
        row = receipt_retry(receipt=row, actor=request.user)
        messages.success(request, _("Routed again: %(status)s.") % {"status": row.get_status_display()})
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("inbound:detail", pk=row.pk)
