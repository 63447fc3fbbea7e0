from django.urls import path

from weibao.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("export.xlsx", views.contract_export, name="export"),
    path("new/", views.contract_create, name="create"),
    path("<int:pk>/", views.contract_detail, name="detail"),
    path("<int:pk>/edit/", views.contract_edit, name="edit"),
    path("<int:pk>/renew/", views.contract_renew, name="renew"),
    path("<int:pk>/sla/", views.sla_edit, name="sla_edit"),
    path("preview/", views.sla_preview_page, name="preview"),
    path("calendars/", views.calendar_list, name="calendar_list"),
    path("calendars/holiday-panel/", views.holiday_panel, name="holiday_panel"),
    path("calendars/new/", views.calendar_create, name="calendar_create"),
    path("calendars/<int:pk>/", views.calendar_detail, name="calendar_detail"),
    path("calendars/<int:pk>/edit/", views.calendar_edit, name="calendar_edit"),
    path("calendars/overrides/<int:pk>/delete/", views.calendar_override_delete, name="override_delete"),
    path("calendars/official/<int:pk>/delete/", views.statutory_day_delete, name="statutory_day_delete"),
]
