"""The order detail page: header, live SLA clocks, timeline, and the actions (each an htmx POST)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from weibao.accounts.permissions import has_perm, require
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed
from weibao.core.files import StoredFileMissing, file_missing_response, open_stored_file
from weibao.core.form_views import attach_service_errors
from weibao.core.shortcache import shown_key
from weibao.workorders import services as svc
from weibao.workorders.choices import SlaState, action_perm
from weibao.workorders.forms import CommentForm
from weibao.workorders.models import OPEN_Q, WorkOrder
from weibao.workorders.selectors import (
    attachment_get_for_user,
    events_visible_to,
    legacy_reviews_for,
    observation_replies_open,
    workorder_clocks,
    workorder_get_for_page,
    workorder_get_for_user,
)
from weibao.workorders.views.actions import ACTIONS, action_form, action_permitted, available_actions
from weibao.workorders.views.common import render_page_or_fragment
from weibao.workorders.visibility import audience_of

PAGE = "workorders/workorder_detail.html"
_NAME = "action-name-placeholder"  # a slug no action has, replaced by each action's name in its URLs
FRAGMENT = "workorders/partials/_detail_main.html"
# Images are shown inline; everything else downloads (a disguised HTML file must never render in our origin).
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _load_by_engineer(engineer_ids: list[int]) -> dict[int, int]:
    """Open orders per engineer (one grouped query on the open-assignee index) for ranking dispatch suggestions."""
    if not engineer_ids:
        return {}
    rows = (
        WorkOrder.objects.filter(OPEN_Q, assignee_id__in=engineer_ids)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)


def _suggestions(wo: WorkOrder):
    from weibao.accounts.choices import Role
    from weibao.accounts.models import User
    from weibao.dispatch.selectors import skills_for_subsystem_kinds, suggest_engineers

    kinds = [d.subsystem.kind for d in wo.devices.all() if d.subsystem_id]
    engineer_ids = list(User.objects.filter(is_active=True, role=Role.FIELD_ENGINEER).values_list("pk", flat=True))
    return suggest_engineers(
        branch=wo.branch,
        region=wo.site.region,
        skills=skills_for_subsystem_kinds(kinds, category=wo.category),
        at=timezone.now(),
        load_by_engineer=_load_by_engineer(engineer_ids),
    )


def timeline_key(request: HttpRequest, events: list) -> str:
    """The cache key of the rendered timeline: a digest of everything it shows, as this viewer may see it (events come
    redacted for their audience, so a customer's key never matches the staff's copy with internal notes), plus the
    audience, language and time zone. A new event, a late attachment or a renamed actor gives a new key at once."""
    reasons = None
    if any((e.data or {}).get("pause_reason") for e in events):
        from weibao.workorders.pauses import pause_reason_labels

        # The names are admin-editable: part of the key; the template tag reuses this read (no second query).
        reasons = request._pause_reason_labels = pause_reason_labels()
    shown = [
        (
            e.pk,
            e.kind,
            e.internal,
            e.old_status,
            e.new_status,
            e.created_at,
            e.actor_id,
            str(e.actor) if e.actor_id else "",
            e.body,
            e.data,
            [(a.pk, a.original_name, a.size) for a in e.attachments.all()],
        )
        for e in events
    ]
    return shown_key((audience_of(request.user), reasons, shown))


def _get(request: HttpRequest, pk: int, *, for_write: bool = False) -> WorkOrder:
    return workorder_get_for_user(user=request.user, pk=pk, for_write=for_write)


def detail_context(
    request: HttpRequest, wo: WorkOrder, *, bound: dict | None = None, error: str = "", notice: str = ""
) -> dict:
    """Everything the detail page shows; `bound` replaces one action's form with the submitted one (with errors)."""
    user = request.user
    devices = list(wo.devices.select_related("subsystem", "vendor").all())
    actions = []
    suggestions = None
    # Each action has two or three links; two reverse() per page instead of one per link (~25 on a busy order).
    action_url = reverse("workorders:action", args=[wo.pk, _NAME])
    form_url = reverse("workorders:action_form", args=[wo.pk, _NAME])
    for action in available_actions(wo, user):
        is_open = bool(bound and bound["name"] == action.name)
        # Panels load their form when opened (htmx); only a form coming back with errors is rendered here. The
        # dispatch suggestions and the long pick lists would otherwise cost most of the page's time.
        form = bound["form"] if is_open else None
        if is_open and action.name == "dispatch":
            suggestions = _suggestions(wo)
        actions.append(
            {
                "action": action,
                "form": form,
                "open": is_open,
                "url": action_url.replace(_NAME, action.name),
                "form_url": form_url.replace(_NAME, action.name),
            }
        )
    comment_form = bound["form"] if bound and bound["name"] == "comment" else CommentForm(prefix="comment")
    if not user.is_internal:
        comment_form.fields.pop("internal", None)  # customers and vendors cannot write hidden notes
    events = events_visible_to(workorder=wo, user=user)
    return {
        "wo": wo,
        "clocks": workorder_clocks(workorder=wo),
        "events": events,
        "timeline_key": timeline_key(request, events),
        # Only an order that missed its resolution deadline (SLA state stays "breached") can have legacy reviews.
        "reviews": legacy_reviews_for(workorder=wo, user=user) if wo.sla_state == SlaState.BREACHED else [],
        "devices": devices,
        "actions": actions,
        "quick_actions": [a for a in actions if a["action"].quick and not a["open"]],
        "suggestions": suggestions,
        "comment_form": comment_form if has_perm(user, action_perm("comment")) else None,
        # The empty comment form is the same for every order: its fields are cached per language and audience
        # (whether the "internal note" box is there); a submitted one (values, errors) never is.
        "comment_form_key": ""
        if comment_form.is_bound
        else f"{get_language()}:{int('internal' in comment_form.fields)}",
        "error": error,
        "notice": notice,
        "is_customer": user.is_customer,
        "observation_replies": observation_replies_open(workorder=wo, user=user),
        # Review notes are for our staff only: vendors of an escalated order see the customer's report, as customers do.
        "is_internal": user.is_internal,
        # Issue 18 §8: links to the customer, site, devices and contract (not for vendors: they see the estate only
        # through the escalation), tap-to-call for the site's contacts.
        "links": not user.is_vendor,
        "site_contacts": _site_contacts(wo, user),
    }


def _site_contacts(wo: WorkOrder, user) -> list:
    """Up to five contacts of the order's site (one query); none for vendors."""
    if user.is_vendor:
        return []
    from weibao.customers.models import Contact

    return list(
        Contact.objects.filter(site_id=wo.site_id, customer_id=wo.customer_id)
        .order_by("-is_primary", "name")
        .only("name", "role", "mobile", "phone")[:5]
    )


@login_required
def workorder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "workorders.view")
    wo = workorder_get_for_page(user=request.user, pk=pk)
    return render_page_or_fragment(request, page=PAGE, fragment=FRAGMENT, context=detail_context(request, wo))


@login_required
def workorder_action_form(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One action's form, fetched when its panel opens (htmx) or as a small page without JavaScript."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    require(request.user, "workorders.view")
    wo = _get(request, pk)
    if not action_permitted(action, wo, request.user):
        raise PermissionDenied(action.perm)
    context = {
        "wo": wo,
        "item": {"action": action, "form": action_form(action, wo)},
        "suggestions": _suggestions(wo) if action.name == "dispatch" else None,
        "is_customer": request.user.is_customer,
    }
    return render_page_or_fragment(
        request,
        page="workorders/workorder_action.html",
        fragment="workorders/partials/_action_form.html",
        context=context,
    )


@require_POST
@login_required
def workorder_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Run one action: validate its form, call its service, show the page again (htmx: just the main part)."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    require(request.user, "workorders.view")
    wo = _get(request, pk, for_write=True)
    if not action_permitted(action, wo, request.user):
        raise PermissionDenied(action.perm)
    form = action_form(action, wo, data=request.POST, files=request.FILES)
    status, error = 200, ""
    if form.is_valid():
        try:
            action.call(wo, request.user, form.cleaned_data)
        except StaleEdit as exc:
            status, error = 409, exc.message
            wo = _get(request, pk)  # show what the other person saved
            form = action_form(action, wo)
        except TransitionNotAllowed as exc:
            status, error = 409, exc.message
            wo = _get(request, pk)
        except ValidationError as exc:
            status = 422
            attach_service_errors(form, exc)
        else:
            if not request.htmx:
                return redirect("workorders:detail", pk=wo.pk)
            wo = _get(request, pk)
            return render_page_or_fragment(
                request, page=PAGE, fragment=FRAGMENT, context=detail_context(request, wo, notice=str(action.label))
            )
    else:
        status = 422
    context = detail_context(request, wo, bound={"name": action.name, "form": form}, error=error)
    return render_page_or_fragment(request, page=PAGE, fragment=FRAGMENT, context=context, status=status)


@require_POST
@login_required
def workorder_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment with optional photos/files; a customer's note during observation raises the flag for the desk."""
    require(request.user, action_perm("comment"))
    wo = _get(request, pk, for_write=True)
    form = CommentForm(request.POST, request.FILES, prefix="comment")
    if not request.user.is_internal:
        form.fields.pop("internal", None)
    status, error = 200, ""
    if form.is_valid():
        try:
            svc.workorder_comment(
                workorder=wo,
                actor=request.user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
                internal=bool(form.cleaned_data.get("internal")) and request.user.is_internal,
            )
        except ValidationError as exc:
            status = 422
            attach_service_errors(form, exc)
        except TransitionNotAllowed as exc:
            status, error = 409, exc.message
        else:
            if not request.htmx:
                return redirect("workorders:detail", pk=wo.pk)
            wo = _get(request, pk)
            return render_page_or_fragment(request, page=PAGE, fragment=FRAGMENT, context=detail_context(request, wo))
    else:
        status = 422
    context = detail_context(request, _get(request, pk), bound={"name": "comment", "form": form}, error=error)
    return render_page_or_fragment(request, page=PAGE, fragment=FRAGMENT, context=context, status=status)


@login_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """An attachment, for those who may see its order (customers never get internal files)."""
    attachment = attachment_get_for_user(user=request.user, pk=pk)
    inline = attachment.content_type in INLINE_TYPES
    try:
        handle = open_stored_file(attachment.file)
    except StoredFileMissing:
        return file_missing_response(request, filename=attachment.original_name)
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
