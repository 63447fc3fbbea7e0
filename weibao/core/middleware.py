"""Project-wide middleware that is no business rule."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


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
