from django.urls import path

from weibao.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.log, name="log"),
    path("deliveries/<int:pk>/retry/", views.retry, name="retry"),
    path("mail/", views.inbound, name="inbound"),
    path("mail/<int:pk>/", views.inbound_detail, name="inbound_detail"),
    path("mail/<int:pk>/set-aside/", views.inbound_set_aside, name="inbound_set_aside"),
    path("mail/<int:pk>/again/", views.inbound_again, name="inbound_again"),
    path("mail/<int:pk>/raw/", views.inbound_raw, name="inbound_raw"),
    path("orders/<int:pk>/deliveries/", views.order_deliveries, name="order_deliveries"),
    path("preferences/", views.preferences, name="preferences"),
]
