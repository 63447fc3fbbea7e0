"""Error pages in the user's language, with the site's navigation, and quiet logs for refusals.

Django renders 400/403/404/500 from the templates of the same names; this module adds what it does not: a page for
a bare 405 (Django's `require_POST` answers with an empty body), the CSRF failure page, and a log filter so that
a refused request (4xx) is one log line, never a traceback.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form expired (a stale tab, a new session); say so and how to recover."""
    return render(request, "403_csrf.html", status=403)


class MethodNotAllowedPageMiddleware:
    """An empty 405 to a page request becomes the 405 page (API answers keep their own JSON)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and not response.content and not request.path.startswith("/api/"):
            page = render(request, "405.html", status=405)
            if response.has_header("Allow"):
                page["Allow"] = response["Allow"]
            return page
        return response


class RefusalsWithoutTraceback(logging.Filter):
    """On `django.request` and `django.security`: a 4xx answer is logged as one line, without the exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
