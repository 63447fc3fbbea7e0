"""Pages of the channels app: the delivery log, the received-mail triage list, personal preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import require
from weibao.core.exceptions import TransitionNotAllowed
from weibao.core.files import StoredFileMissing, file_missing_response, open_stored_file
from weibao.notifications.choices import Channel, DeliveryStatus, InboundStatus
from weibao.notifications.forms import PreferenceForm, TriageAssignForm
from weibao.notifications.intake import inbound_assign, inbound_ignore, inbound_reprocess
from weibao.notifications.mailparse import MalformedMail, parse_mail
from weibao.notifications.selectors import (
    delivery_get_for_user,
    delivery_list,
    delivery_list_for_workorder,
    inbound_counts,
    inbound_get_for_user,
    inbound_list,
    mailbox_list,
)
from weibao.notifications.services import delivery_retry, notice_choices_for, preference_for, preference_update
from weibao.workorders.selectors import workorder_get_for_user

PAGE_SIZE = 50


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """Every notice with its state (sent, retrying, failed and why), the mailboxes' health and the triage count."""
    status, channel = request.GET.get("status", ""), request.GET.get("channel", "")
    qs = delivery_list(
        user=request.user,
        status=status if status in DeliveryStatus.values else "",
        channel=channel if channel in Channel.values else "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "channel": channel,
        "statuses": DeliveryStatus.choices,
        "channels": Channel.choices,
        "mailboxes": mailbox_list(),
        "inbound_counts": inbound_counts(),
    }
    template = "notifications/partials/_log_rows.html" if request.htmx else "notifications/delivery_log.html"
    return render(request, template, context)


@require_POST
@login_required
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = delivery_get_for_user(user=request.user, pk=pk)
    try:
        delivery_retry(delivery=delivery, actor=request.user)
        messages.success(request, _("The notice will be sent again."))
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("notifications:log")


@login_required
def inbound(request: HttpRequest) -> HttpResponse:
    """Received mail by state; the triage list is where unknown senders wait for staff to say whose they are."""
    status = request.GET.get("status", InboundStatus.TRIAGE)
    status = status if status in InboundStatus.values or status == "" else InboundStatus.TRIAGE
    page = Paginator(inbound_list(user=request.user, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbound_list.html",
        {
            "page": page,
            "status": status,
            "statuses": InboundStatus.choices,
            "counts": inbound_counts(),
        },
    )


@login_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = inbound_get_for_user(user=request.user, pk=pk)
    form = TriageAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = inbound_assign(
                inbound=row, actor=request.user, customer=form.cleaned_data["customer"], site=form.cleaned_data["site"]
            )
            messages.success(request, _("Work order %(number)s opened.") % {"number": row.workorder.number})
            return redirect("notifications:inbound_detail", pk=row.pk)
        except TransitionNotAllowed as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
    html = ""
    if row.status in (InboundStatus.TRIAGE, InboundStatus.ORDER_CREATED, InboundStatus.COMMENTED):
        try:
            with row.raw.open("rb") as fh:
                parsed = parse_mail(fh.read())
            html = parsed.html
        except (MalformedMail, OSError):
            html = ""
    return render(request, "notifications/inbound_detail.html", {"row": row, "form": form, "html": html})


@require_POST
@login_required
def inbound_set_aside(request: HttpRequest, pk: int) -> HttpResponse:
    row = inbound_get_for_user(user=request.user, pk=pk)
    try:
        inbound_ignore(inbound=row, actor=request.user, note=request.POST.get("note", "")[:500])
        messages.success(request, _("The mail was set aside."))
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("notifications:inbound_detail", pk=row.pk)


@require_POST
@login_required
def inbound_again(request: HttpRequest, pk: int) -> HttpResponse:
    row = inbound_get_for_user(user=request.user, pk=pk)
    try:
        row = inbound_reprocess(inbound=row, actor=request.user)
        messages.success(request, _("Handled again: %(status)s.") % {"status": row.get_status_display()})
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    return redirect("notifications:inbound_detail", pk=row.pk)


@login_required
def inbound_raw(request: HttpRequest, pk: int) -> HttpResponse:
    """The mail exactly as received (always a download, never rendered in the browser)."""
    row = inbound_get_for_user(user=request.user, pk=pk)
    try:
        handle = open_stored_file(row.raw)
    except StoredFileMissing:
        return file_missing_response(request, filename=f"mail-{row.pk}.eml")
    return FileResponse(
        handle, as_attachment=True, filename=f"mail-{row.pk}.eml", content_type="application/octet-stream"
    )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    require(request.user, "notifications.preferences")
    pref = preference_for(request.user)
    initial = {
        "notices": pref.notices,
        "channels": pref.channels,
        "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end,
    }
    form = PreferenceForm(request.POST or None, initial=initial, notice_choices=notice_choices_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            preference_update(user=request.user, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notifications:preferences")
        except ValidationError as exc:
            form.add_error(None, exc)
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
def order_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    """Fragment for the work-order page (loaded by htmx): the notices sent about one order, for log readers."""
    require(request.user, "notifications.view_log")
    workorder = workorder_get_for_user(user=request.user, pk=pk)
    deliveries = list(delivery_list_for_workorder(workorder, request.user)[:50])
    return render(request, "notifications/partials/_deliveries.html", {"deliveries": deliveries})
