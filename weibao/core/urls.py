from django.urls import path

from weibao.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
]
