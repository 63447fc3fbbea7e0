from django.urls import path

from weibao.assets import views

app_name = "assets"
urlpatterns = [
    path("devices/", views.device_list, name="device_list"),
    path("devices/export.xlsx", views.device_export, name="device_export"),
    path("devices/new/", views.device_create, name="device_create"),
    path("devices/<int:pk>/", views.device_detail, name="device_detail"),
    path("devices/<int:pk>/edit/", views.device_edit, name="device_edit"),
    path("devices/<int:pk>/status/", views.device_set_status, name="device_set_status"),
    path("devices/<int:pk>/replace/", views.device_replace, name="device_replace"),
    path("devices/<int:pk>/briefing/", views.briefing_device, name="briefing_device"),
    path("search/", views.search, name="search"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/export.xlsx", views.project_export, name="project_export"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/briefing/", views.briefing_project, name="briefing_project"),
    path("projects/<int:pk>/subsystems/new/", views.subsystem_create, name="subsystem_create"),
    path("projects/<int:pk>/installers/", views.installer_add, name="installer_add"),
    path("subsystems/<int:pk>/edit/", views.subsystem_edit, name="subsystem_edit"),
    path("sites/<int:pk>/briefing/", views.briefing_site, name="briefing_site"),
    path("vendors/", views.vendor_list, name="vendor_list"),
    path("vendors/new/", views.vendor_form, name="vendor_create"),
    path("vendors/<int:pk>/edit/", views.vendor_form, name="vendor_edit"),
    path("documents/new/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("documents/<int:pk>/v<int:number>/download/", views.document_download, name="document_download"),
    path("import/", views.import_start, name="import_start"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/commit/", views.import_commit, name="import_commit"),
]
