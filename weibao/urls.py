"""Root URLs: each domain app mounts its own urls.py under its prefix when it has one."""

from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

from weibao.api import api

APP_PREFIXES = [
    ("accounts", "accounts/"),
    ("customers", "customers/"),
    ("assets", "estate/"),
    ("contracts", "contracts/"),
    ("dispatch", "dispatch/"),
    ("workorders", "work-orders/"),
    ("onsite", "on-site/"),
    ("spares", "spares/"),
    ("plans", "plans/"),
    ("notifications", "notifications/"),
    ("feedback", "feedback/"),
    ("payroll", "pay/"),
    ("rma", "rma/"),
    ("slareports", "sla-reports/"),
    ("inspections", "inspections/"),
    ("planning", "planning/"),
    ("inbound", "inbound/"),
    ("delivery", "delivery/"),
    ("labels", "labels/"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("weibao.core.urls")),
]
for app, prefix in APP_PREFIXES:
    if find_spec(f"weibao.{app}.urls") is not None:
        urlpatterns.append(path(prefix, include(f"weibao.{app}.urls")))
