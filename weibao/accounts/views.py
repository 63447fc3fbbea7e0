from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weibao.accounts import selectors, services
from weibao.accounts.choices import LoginOutcome
from weibao.accounts.forms import (
    PasswordChangeForm,
    ProfileForm,
    TokenCreateForm,
    UnlockForm,
    UserFilterForm,
    UserForm,
)
from weibao.accounts.permissions import has_perm, require
from weibao.core.form_views import attach_service_errors
from weibao.core.shortcache import shown_key

USER_LIST_PAGE = 50  # rows a page: the list costs the same with 30 accounts or 3,000


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form):
        if getattr(self.request, "weibao_account_locked", False):
            return account_lockout_response(self.request)
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST; a GET (a typed or bookmarked /accounts/logout/) asks to confirm instead of a bare 405."""

    http_method_names = ["get", "post", "options"]

    def get(self, request, *args, **kwargs):
        return render(request, "accounts/logout_confirm.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Everyone changes their own password here; the same rules as everywhere (8+, not common, not like the name)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")
    form_class = PasswordChangeForm

    def form_valid(self, form):
        # Django keeps this session (update_session_auth_hash); every other one ends with the old password's hash.
        response = super().form_valid(form)
        services.password_changed(user=form.user, revoke_tokens=form.cleaned_data["revoke_tokens"])
        messages.success(self.request, _("Your password was changed."))
        return response


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): our page, in the user's language, 429."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def account_lockout_response(request: HttpRequest) -> HttpResponse:
    """The answer while the account is over the per-account limit (all addresses; AccountLimitBackend), 429."""
    context = {"account_wide": True, "window_minutes": settings.WEIBAO_LOGIN_ACCOUNT_WINDOW_MINUTES}
    return render(request, "accounts/locked_out.html", context, status=429)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the UI language: kept on the user's profile and in the language cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        _set_language_cookie(response, language)
    return response


def _set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )


# --- Profile (everyone) -----------------------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    require(request.user, "profile.edit")
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"email": user.email, "phone": user.phone, "language": user.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("accounts:profile")
            if user.language:
                _set_language_cookie(response, user.language)
            else:
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)  # back to the browser's language
            return response
    return render(request, "accounts/profile.html", {"form": form, "can_tokens": has_perm(user, "api.tokens")})


# --- User management (administrators) ---------------------------------------------------------------------------


def _user_shown(u) -> tuple:
    return (u.pk, u.username, u.name, str(u.organisation), u.role, str(u.branch or ""), u.is_active, u.on_probation)


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "users.manage")
    filters = UserFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    active = {"1": True, "0": False}.get(criteria.get("active") or "")
    users = selectors.user_list(
        actor=request.user,
        query=criteria.get("q", ""),
        kind=criteria.get("kind", ""),
        role=criteria.get("role", ""),
        active=active,
    )
    page = Paginator(users, USER_LIST_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "users": page.object_list,
        # The rows' markup (50 accounts) is cached by a digest of what they show, and whose page it is (no button on
        # one's own row).
        "rows_key": shown_key((request.user.pk, [_user_shown(u) for u in page.object_list])),
        "page": page,
        "total": page.paginator.count,
        "page_query": query.urlencode(),
        "users_url": reverse("accounts:user_list"),  # rows link to "<list>/<pk>/": one reverse() per page
        "lockouts": selectors.lockout_list() if has_perm(request.user, "users.unlock") else [],
    }
    template = "accounts/partials/_user_rows.html" if request.htmx else "accounts/user_list.html"
    return render(request, template, context)


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "users.manage")
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            user = services.user_create(password=password, **data)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(username)s created.") % {"username": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": None})


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "users.manage")
    user = selectors.user_get_for_admin(actor=request.user, pk=pk)
    initial = {f: getattr(user, f) for f in ("username", *services.EDITABLE_USER_FIELDS)}
    initial["skills"] = list(user.skills.all())
    form = UserForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        data.pop("username")
        try:
            # One transaction: a new password the rules refuse must not leave the other changes half-saved.
            with transaction.atomic():
                services.user_update(actor=request.user, user=user, **data)
                if password:
                    services.user_set_password(actor=request.user, user=user, password=password)
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(username)s saved.") % {"username": user.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "editing": user})


@require_POST
@login_required
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "users.manage")
    user = selectors.user_get_for_admin(actor=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        text = _("Account %(username)s reactivated.") if active else _("Account %(username)s deactivated.")
        messages.success(request, text % {"username": user.username})
    return redirect("accounts:user_list")


@require_POST
@login_required
def user_unlock(request: HttpRequest) -> HttpResponse:
    require(request.user, "users.unlock")
    form = UnlockForm(request.POST)
    if form.is_valid():
        services.account_unlock(actor=request.user, username=form.cleaned_data["username"])
        messages.success(request, _("Account %(username)s unlocked.") % {"username": form.cleaned_data["username"]})
    return redirect("accounts:user_list")


@login_required
def login_events(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit.view")
    username = request.GET.get("username", "").strip()
    outcome = request.GET.get("outcome", "")
    events = selectors.login_event_list(username=username, outcome=outcome)
    context = {"events": events, "username": username, "outcome": outcome, "outcome_choices": LoginOutcome.choices}
    return render(request, "accounts/login_events.html", context)


# --- API tokens (own) -------------------------------------------------------------------------------------------


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    require(request.user, "api.tokens")
    form = TokenCreateForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            attach_service_errors(form, exc)
        else:
            # Rendered (not redirected) so the raw value appears exactly once and is never stored.
            new_token = {"token": token, "raw": raw}
            form = TokenCreateForm()
    context = {"form": form, "tokens": selectors.token_list(user=request.user), "new_token": new_token}
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "api.tokens")
    token = selectors.token_get(user=request.user, pk=pk)
    services.token_revoke(user=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
