"""Duty roster pages (值班表): a branch's week, with shifts added, edited and removed through htmx."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts.models import Branch
from weibao.accounts.permissions import has_perm, require
from weibao.core.form_views import attach_service_errors
from weibao.core.shortcache import shown_key
from weibao.core.validators import MAX_YEAR, MIN_YEAR
from weibao.dispatch import services
from weibao.dispatch.cover import cover_gaps
from weibao.dispatch.forms import CopyWeekForm, RosterEntryForm
from weibao.dispatch.models import RosterEntry
from weibao.dispatch.selectors import monday_of, roster_at, roster_week_rows
from weibao.dispatch.views_grid import roster_days


def _branch(request: HttpRequest, raw: str | None, branches: list[Branch]) -> Branch | None:
    """The branch asked for, else the user's own, else the first of `branches` (all, in their default order: the page
    lists them anyway, so no lookup of its own)."""
    by_pk = {b.pk: b for b in branches}
    if raw:
        try:
            return by_pk.get(int(raw))
        except ValueError:
            return None
    return by_pk.get(request.user.branch_id) or (branches[0] if branches else None)


def _monday(raw: str | None) -> dt.date:
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    if not MIN_YEAR <= day.year <= MAX_YEAR:  # week 9999-12-27 has no "next week" link: OverflowError
        day = timezone.localdate()
    return monday_of(day)


def _week_url(branch: Branch, monday: dt.date) -> str:
    return f"{reverse('dispatch:roster')}?{urlencode({'branch': branch.pk, 'week': monday.isoformat()})}"


def _week_html(request: HttpRequest, branch: Branch, monday: dt.date, today: dt.date, can_edit: bool) -> str:
    """The seven day cards, rendered from `_roster_days.html` and cached per session (the remove form carries its
    CSRF token): a busy branch's week (~400 shifts at 200 engineers) takes ~13 ms to render, and the page is
    reloaded after every edit (htmx). The key is the week's version, not its rows: the number of shifts and the
    latest change (one aggregate on the (branch, date) index), so a cached week costs no row reads. Every change of
    a shift goes through the services (`save`, `delete`, `bulk_create`), which set `updated_at` or change the
    count; a renamed engineer shows within the cache's five minutes."""
    days = (monday, monday + dt.timedelta(days=6))
    version = RosterEntry.objects.filter(branch=branch, date__range=days).aggregate(n=Count("id"), at=Max("updated_at"))
    digest = shown_key((branch.pk, monday, version["n"], version["at"], today, can_edit))
    key = f"roster-week:{request.session.session_key}:{digest}"
    html = cache.get(key)
    if html is None:
        rows = roster_week_rows(branch=branch, monday=monday)
        html = render_to_string(
            "dispatch/partials/_roster_days.html",
            {"week_days": roster_days(rows, today=today, can_edit=can_edit), "can_edit": can_edit},
            request=request,
        )
        cache.set(key, html, 300)
    return html


def _form_key(form: RosterEntryForm | None) -> str:
    """The cache key of the add-shift form's fields (a `<select>` of every rosterable engineer: ~200 options at scale),
    a digest of what they show: the engineer options, the initial values and the language. "" for a submitted form:
    its values and errors are the user's own and never cached."""
    if form is None or form.is_bound:
        return ""
    return shown_key((form.engineers_digest, form.initial))


def _now_key(shifts: list) -> str:
    """The cache key of "on the roster now" (~50 shifts a branch at 200 engineers, ~5 ms to render): a digest of what
    it shows, so a changed shift or a renamed engineer gives a new key at once."""
    return shown_key([(s.pk, s.kind, s.engineer_id, str(s.engineer), s.starts_at, s.ends_at) for s in shifts])


def _context(
    request: HttpRequest,
    branch: Branch,
    monday: dt.date,
    form: RosterEntryForm | None = None,
    branches: list[Branch] | None = None,
) -> dict:
    can_edit = has_perm(request.user, "dispatch.roster")
    if form is None and can_edit:
        form = RosterEntryForm(branch=branch, initial={"date": max(monday, timezone.localdate())})
    today = timezone.localdate()
    return {
        "branch": branch,
        "branches": branches if branches is not None else Branch.objects.all(),
        "monday": monday,
        "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "today": today,
        "week_html": _week_html(request, branch, monday, today, can_edit),
        "now_on_roster": (on_roster := list(roster_at(at=timezone.now(), branch=branch))),
        "now_key": _now_key(on_roster),
        # Holes in the 7x24 cover of this branch, now to 24 hours ahead (issue 18 §3).
        "cover_gaps": cover_gaps(branch_id=branch.pk) if branch is not None else [],
        "form": form,
        "form_key": _form_key(form),
        "copy_form": CopyWeekForm(initial={"target": monday + dt.timedelta(days=7)}) if can_edit else None,
        "can_edit": can_edit,
    }


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """A branch's roster for one week (Monday to Sunday), with who is on duty right now."""
    require(request.user, "dispatch.view")
    branches = list(Branch.objects.all())
    branch = _branch(request, request.GET.get("branch"), branches)
    if branch is None:
        return render(request, "dispatch/roster_week.html", {"branch": None, "branches": []})
    context = _context(request, branch, _monday(request.GET.get("week")), branches=branches)
    template = "dispatch/partials/_roster_body.html" if request.htmx else "dispatch/roster_week.html"
    return render(request, template, context)


@require_POST
@login_required
def roster_entry_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "dispatch.roster")
    branch = get_object_or_404(Branch, pk=request.POST.get("branch") or 0)
    monday = _monday(request.POST.get("week"))
    form = RosterEntryForm(request.POST, branch=branch)
    status = 200
    if form.is_valid():
        try:
            entry = services.roster_entry_create(actor=request.user, branch=branch, **form.cleaned_data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Shift added for %(name)s.") % {"name": entry.engineer})
                return redirect(_week_url(branch, monday_of(entry.date)))
            monday = monday_of(entry.date)
            form = None
    if form is not None and form.errors:
        status = 200 if request.htmx else 400
    template = "dispatch/partials/_roster_body.html" if request.htmx else "dispatch/roster_week.html"
    return render(request, template, _context(request, branch, monday, form), status=status)


@login_required
def roster_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "dispatch.roster")
    entry = get_object_or_404(RosterEntry.objects.select_related("branch", "engineer"), pk=pk)
    if request.method == "POST":
        form = RosterEntryForm(request.POST, branch=entry.branch)
        if form.is_valid():
            try:
                entry = services.roster_entry_update(entry=entry, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                attach_service_errors(form, exc)
            else:
                messages.success(request, _("Shift saved."))
                return redirect(_week_url(entry.branch, monday_of(entry.date)))
        status = 400
    else:
        form = RosterEntryForm(
            branch=entry.branch,
            initial={
                "engineer": entry.engineer_id,
                "date": entry.date,
                "start": entry.local_start.time(),
                "end": entry.local_end.time(),
                "kind": entry.kind,
                "note": entry.note,
            },
        )
        status = 200
    return render(
        request,
        "dispatch/rosterentry_edit.html",
        {"entry": entry, "form": form, "back": _week_url(entry.branch, monday_of(entry.date))},
        status=status,
    )


@require_POST
@login_required
def roster_entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "dispatch.roster")
    entry = get_object_or_404(RosterEntry.objects.select_related("branch", "engineer"), pk=pk)
    branch, monday = entry.branch, monday_of(entry.date)
    services.roster_entry_delete(entry=entry, actor=request.user)
    if request.htmx:
        return render(request, "dispatch/partials/_roster_body.html", _context(request, branch, monday))
    messages.success(request, _("Shift removed."))
    return redirect(_week_url(branch, monday))


@require_POST
@login_required
def roster_copy_week(request: HttpRequest) -> HttpResponse:
    require(request.user, "dispatch.roster")
    branch = get_object_or_404(Branch, pk=request.POST.get("branch") or 0)
    monday = _monday(request.POST.get("week"))
    form = CopyWeekForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a day of the week to copy to."))
        return redirect(_week_url(branch, monday))
    target = monday_of(form.cleaned_data["target"])
    count = services.roster_copy_week(actor=request.user, branch=branch, source_monday=monday, target_monday=target)
    messages.success(request, _("%(count)d shifts copied.") % {"count": count})
    return redirect(_week_url(branch, target))
