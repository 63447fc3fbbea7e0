from django.urls import path

from weibao.inbound import views

app_name = "inbound"

urlpatterns = [
    path("<str:provider>/<slug:slug>/", views.callback, name="callback"),
]
