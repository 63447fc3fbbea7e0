"""The REST API (OpenAPI at /api/docs): every app contributes a ninja Router in its api.py."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from weibao.accounts.auth import ApiTokenAuth, BrowserSessionAuth
from weibao.core.apischema import declare_error_responses
from weibao.core.exceptions import StaleEdit, TransitionNotAllowed


class VendoredSwagger(Swagger):
    """/api/docs with Swagger UI from our static files (swagger-ui-dist, pinned in the path) instead of ninja's CDN
    page: works offline and on an intranet, and runs under the site's CSP (settings in a JSON data block, the
    start-up code in static/js/swagger-init.js)."""

    template = "api/swagger.html"

    def render_page(self, request, api, **kwargs):
        config = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        add_csrf = any(getattr(a, "csrf", False) for a in api.auth or [])  # session auth: send the CSRF token
        return render(request, self.template, {"api": api, "swagger_settings": config, "add_csrf": add_csrf})


api = NinjaAPI(
    title="Weibao API",
    version="1",
    description="After-sales service and O&M platform. Authenticate with `Authorization: Bearer <token>`.",
    auth=[ApiTokenAuth(), BrowserSessionAuth()],
    urls_namespace="api",
    docs=VendoredSwagger(),
)

# Work orders first: Django tries the API's URL patterns in this order, and the intake endpoints (a monitoring
# system's alarms, hundreds a second) otherwise walked past ~60 patterns of the other routers on every call
# (issue 20 point 4: ~10 % of the events intake's web CPU). The OpenAPI page lists the routers in this order too.
API_ROUTERS = [
    ("workorders", "/work-orders/"),
    ("accounts", "/accounts/"),
    ("customers", "/customers/"),
    ("assets", "/estate/"),
    ("contracts", "/contracts/"),
    ("dispatch", "/dispatch/"),
    ("onsite", "/onsite/"),
    ("spares", "/spares/"),
    ("plans", "/plans/"),
    ("notifications", "/notifications/"),
    ("feedback", "/feedback/"),
    ("payroll", "/pay/"),
    ("rma", "/rma/"),
    ("slareports", "/sla-reports/"),
    ("inspections", "/inspections/"),
    ("planning", "/planning/"),
    ("delivery", "/delivery/"),
]
for app, prefix in API_ROUTERS:
    if find_spec(f"weibao.{app}.api") is not None:
        api.add_router(prefix, import_module(f"weibao.{app}.api").router)
declare_error_responses(api)  # the OpenAPI schema lists each operation's 401/403/404/409/422 answers


@api.exception_handler(TransitionNotAllowed)
@api.exception_handler(StaleEdit)
def conflict(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=409)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "Permission denied."}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    message = _("The request is too large (at most %(mib)s MiB); send fewer reports or files at once.") % {"mib": limit}
    return api.create_response(request, {"detail": message}, status=413)


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": detail}, status=422)
