from django.urls import path

from weibao.delivery import views

app_name = "delivery"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.project_new, name="project_new"),
    path("<int:pk>/", views.project_detail, name="project"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/close-stage/", views.stage_close, name="stage_close"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("<int:pk>/arrivals/", views.overview_post, {"what": "arrival"}, name="arrival_add"),
    path("<int:pk>/readiness/", views.overview_post, {"what": "readiness"}, name="readiness_add"),
    path("<int:pk>/team/", views.overview_post, {"what": "team"}, name="team_add"),
    path("<int:pk>/parties/", views.overview_post, {"what": "party"}, name="party_add"),
    path("<int:pk>/documents/", views.documents, name="documents"),
    path("documents/<int:doc_pk>/upload/", views.document_upload, name="document_upload"),
    path("documents/<int:doc_pk>/review/", views.document_review, name="document_review"),
    path("versions/<int:version_pk>/", views.document_download, name="document_download"),
    path("<int:pk>/milestones/", views.milestones, name="milestones"),
    path("milestones/<int:milestone_pk>/reach/", views.milestone_reach, name="milestone_reach"),
    path("<int:pk>/equipment/", views.equipment, name="equipment"),
    path("<int:pk>/equipment/import/", views.equipment_import, name="equipment_import"),
    path("<int:pk>/equipment/export/", views.equipment_export, name="equipment_export"),
    path("<int:pk>/records/", views.records, name="records"),
    path("<int:pk>/records/issues/export/", views.issues_export, name="issues_export"),
    path("<int:pk>/records/issues/<int:issue_pk>/solve/", views.issue_solve, name="issue_solve"),
    path("<int:pk>/records/weekly/", views.weekly_generate, name="weekly_generate"),
    path("<int:pk>/records/<slug:kind>/", views.record_add, name="record_add"),
]
