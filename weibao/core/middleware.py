"""Project-wide middleware that is no business rule: refuse request parameters the database cannot take before
any view sees them (the API never answers HTML), keep logged-in pages out of caches, and spare token-authenticated
API calls the middleware of browser sessions."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MiddlewareNotUsed, RequestDataTooBig
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from weibao.core.validators import MAX_BIGINT, NUL_MESSAGE

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_field(data) -> str | None:
    for key, values in data.lists():
        if "\x00" in key:
            return key.replace("\x00", "\\x00")
        if any(isinstance(v, str) and "\x00" in v for v in values):
            return key
    return None


class InputGuardMiddleware:
    """A NUL character (`\\x00`) in a query or form parameter: 422 naming the field for the API (the body of
    every API validation error), 400 naming it for a page. PostgreSQL cannot compare or store such text, so a
    search or a save with one would otherwise end in a server error. JSON bodies are checked by
    `weibao.core.apischema.Schema`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        field = _nul_field(request.GET)
        if field is None and request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                field = _nul_field(request.POST)
            except RequestDataTooBig as exc:
                if not is_api:
                    raise
                from weibao.api import too_big

                return too_big(request, exc)
        if field is None:
            response = self.get_response(request)
            if is_api and response.status_code == 404 and response.get("Content-Type", "").startswith("text/html"):
                # A URL no API route matches (e.g. a negative id): the API's own 404 body, not Django's page.
                return JsonResponse({"detail": "Not found."}, status=404)
            return response
        if is_api:
            return JsonResponse({"detail": {field: [str(NUL_MESSAGE)]}}, status=422)
        context = {"field": field, "message": NUL_MESSAGE, "title": _("Invalid input")}
        return render(request, "core/bad_request.html", context, status=400)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A page's `<int:pk>` beyond a 64-bit column cannot name a row: 404, not the driver's OverflowError.
        (The API's path ids are bounded by their `Id` type: 422.)"""
        if request.path.startswith("/api/"):
            return
        if any(isinstance(v, int) and v > MAX_BIGINT for v in (*view_args, *view_kwargs.values())):
            raise Http404
        return


class NoStoreWhenLoggedInMiddleware:
    """`Cache-Control: no-store` on every response to a logged-in user (or a request with an API token): pages with
    customer data stay out of shared caches and the browser's disk cache, and "Back" after logging out on a shared
    PC shows nothing. Static files never get here (WhiteNoise answers them earlier)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logged_in = (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META
        if logged_in and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True, no_store=True)
        return response


def is_token_api_call(request: HttpRequest) -> bool:
    """A call to /api/ that names a token (`Authorization: Bearer …`): it stands or falls by the token alone
    (`accounts.auth.BrowserSessionAuth` never falls back to the session for it), so no cookie of the browser counts."""
    if not request.path_info.startswith("/api/"):
        return False
    scheme, _space, _rest = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer"


class TokenApiMiddleware:
    """First in MIDDLEWARE: a token-authenticated API call (`is_token_api_call`) runs through MIDDLEWARE without
    `WEIBAO_BROWSER_ONLY_MIDDLEWARE` (sessions, CSRF, the session's user, messages, htmx, login throttling, static
    files, the HTML 405 page): middleware that reads or writes browser state a token call neither sends nor gets.
    Everything else — security headers, the CSP, language, input guard, no-store — runs in the same order as for
    any request. Issue 20 point 4: the skipped part was ~10-15 % of the events intake's web CPU per alarm.

    Browser pages and cookie-authenticated API calls (the Swagger page, htmx) take the full stack, CSRF included.
    The token call's `request.user` is anonymous until the token authenticates it (the view's `request.auth`)."""

    def __init__(self, get_response):
        self.get_response = get_response
        skipped = set(settings.WEIBAO_BROWSER_ONLY_MIDDLEWARE)
        me = f"{type(self).__module__}.{type(self).__qualname__}"
        self.token_middleware = [m for m in settings.MIDDLEWARE if m not in skipped and m != me]
        self.token_chain = _middleware_chain(self.token_middleware)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_api_call(request):
            request.user = AnonymousUser()
            return self.token_chain(request)
        return self.get_response(request)


def _middleware_chain(paths: list[str]):
    """The request handler of these (synchronous) middleware around the view, as Django's handler builds it from
    MIDDLEWARE: `process_view`/`process_exception`/`process_template_response` hooks included."""
    handler = BaseHandler()
    handler._view_middleware, handler._template_response_middleware, handler._exception_middleware = [], [], []
    chain = convert_exception_to_response(handler._get_response)
    for path in reversed(paths):
        try:
            middleware = import_string(path)(chain)
        except MiddlewareNotUsed:
            continue
        if hasattr(middleware, "process_view"):
            handler._view_middleware.insert(0, middleware.process_view)
        if hasattr(middleware, "process_template_response"):
            handler._template_response_middleware.append(middleware.process_template_response)
        if hasattr(middleware, "process_exception"):
            handler._exception_middleware.append(middleware.process_exception)
        chain = convert_exception_to_response(middleware)
    return chain
