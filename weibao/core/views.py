from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page; the work-order app contributes the dashboard panels."""
    return render(request, "core/home.html", {})


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """A minimal login-required view: the floor for benchmarks."""
    return HttpResponse("ok", content_type="text/plain")
