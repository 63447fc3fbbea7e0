"""Project-wide middleware that is no business rule: refuse request parameters the database cannot take before
any view sees them (the API never answers HTML), and keep logged-in pages out of caches."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
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
