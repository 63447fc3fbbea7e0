from django.urls import path

from weibao.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("system/", views.system_status, name="system_status"),
    path("system/ping-worker/", views.ping_worker, name="ping_worker"),
]
