from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from weibao.core.access import require
from weibao.core.dashboard import panels_for
from weibao.core.selectors import health_check
from weibao.core.tasks import heartbeat

HEALTHZ_PENDING_TTL = 30


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The landing page: a shell whose panels (core/dashboard.py) load as separate htmx requests."""
    panels = panels_for(request.user)
    css = list(dict.fromkeys(f for p in panels for f in p["css"]))
    js = list(dict.fromkeys(f for p in panels for f in p["js"]))
    return render(request, "core/home.html", {"panels": panels, "panel_css": css, "panel_js": js})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and bots ask for /favicon.ico whatever the page says: send them to the real icon (no 404 lines)."""
    return redirect(static("favicon.svg"), permanent=True)


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """A minimal login-required view: the floor for benchmarks."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For monitoring and load balancers (no login): 503 when the database is down or the worker is silent. The
    queued-task count may be up to HEALTHZ_PENDING_TTL seconds old (counting a long queue on every probe is slow)."""
    health = health_check(pending_ttl=HEALTHZ_PENDING_TTL)
    return JsonResponse(health.as_dict(), status=200 if health.ok else 503)


@login_required
def system_status(request: HttpRequest) -> HttpResponse:
    """Administrators: database, worker heartbeat and task queue at a glance, with a button to ping the worker."""
    require(request.user, "system.status")
    return render(request, "core/system_status.html", {"health": health_check()})


@require_POST
@login_required
def ping_worker(request: HttpRequest) -> HttpResponse:
    """Enqueue a heartbeat now; the page shows it once the worker has run it."""
    require(request.user, "system.status")
    transaction.on_commit(partial(heartbeat.enqueue))
    messages.success(request, _("The worker was asked for a heartbeat; reload in a few seconds."))
    return redirect("core:system_status")
