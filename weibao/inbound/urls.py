from django.urls import path

from weibao.inbound import views

app_name = "inbound"

urlpatterns = [
    path("", views.receipt_list_view, name="list"),
    path("messages/<int:pk>/", views.receipt_detail, name="detail"),
    path("messages/<int:pk>/set-aside/", views.receipt_set_aside, name="set_aside"),
    path("messages/<int:pk>/retry/", views.receipt_retry_view, name="retry"),
    # The providers' callbacks: /inbound/wecom/<slug>/, /inbound/dingtalk/<slug>/, /inbound/feishu/<slug>/,
    # /inbound/sms/<slug>/.
    path("<str:provider>/<slug:slug>/", views.callback, name="callback"),
]
