from django.urls import path

from weibao.labels import views

app_name = "labels"
urlpatterns = [
    # The URL printed in the QR codes: public, the token is the only key (never the device id).
    path("s/<str:token>/", views.scan, name="scan"),
    path("", views.sheet_page, name="sheet_page"),
    path("sheet.pdf", views.sheet_pdf, name="sheet_pdf"),
    path("devices/<int:pk>/regenerate/", views.device_regenerate, name="device_regenerate"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="device_revoke"),
    path("sites/<int:pk>/regenerate/", views.site_regenerate, name="site_regenerate"),
    path("sites/<int:pk>/revoke/", views.site_revoke, name="site_revoke"),
]
