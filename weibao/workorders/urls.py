from django.urls import path

from weibao.workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.workorder_list, name="list"),
    path("export.xlsx", views.workorder_export, name="export"),
    path("customers/", views.customer_pick, name="customer_pick"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("alerts/read/", views.alerts_read, name="alerts_read"),
    path("new/", views.intake_new, name="new"),
    path("new/search/", views.intake_search, name="intake_search"),
    path("new/pick/", views.intake_pick, name="intake_pick"),
    path("report/", views.portal_new, name="portal_new"),
    path("legacy/", views.legacy_list, name="legacy"),
    # The resolution notice's one-click answers: public (no login), signed per order and recipient.
    path("answer/<str:token>/", views.answer, name="answer"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/", views.workorder_detail, name="detail"),
    path("<int:pk>/comment/", views.workorder_comment, name="comment"),
    path("<int:pk>/legacy-review/", views.legacy_review, name="legacy_review"),
    path("<int:pk>/<slug:name>/", views.workorder_action, name="action"),
    path("<int:pk>/<slug:name>/form/", views.workorder_action_form, name="action_form"),
]
