from django.urls import path

from weibao.labels import views

app_name = "labels"
urlpatterns = [
    # The URL printed in the QR codes: public, the token is the only key (never the device id).
    path("s/<str:token>/", views.scan, name="scan"),
    path("", views.sheet_page, name="sheet_page"),
    path("sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path(
        "devices/<int:pk>/regenerate/",
        views.label_action,
        {"scope": "device", "action": "regenerate"},
        name="device_regenerate",
    ),
    path("devices/<int:pk>/revoke/", views.label_action, {"scope": "device", "action": "revoke"}, name="device_revoke"),
    path(
        "sites/<int:pk>/regenerate/",
        views.label_action,
        {"scope": "site", "action": "regenerate"},
        name="site_regenerate",
    ),
    path("sites/<int:pk>/revoke/", views.label_action, {"scope": "site", "action": "revoke"}, name="site_revoke"),
]
