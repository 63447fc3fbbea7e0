from django.urls import path

from weibao.slareports import views

app_name = "slareports"
urlpatterns = [
    path("", views.report, name="report"),
    path("orders/", views.drill, name="drill"),
    path("report.xlsx", views.report_xlsx, name="xlsx"),
    path("report.pdf", views.report_pdf, name="pdf"),
    path("regular/", views.periodic_list, name="periodic_list"),
    path("regular/to-review/", views.review_panel, name="review_panel"),
    path("regular/<int:pk>/", views.periodic_detail, name="periodic"),
    path("regular/<int:pk>/orders/", views.periodic_drill, name="periodic_drill"),
    path("regular/<int:pk>/report.pdf", views.periodic_pdf, name="periodic_pdf"),
    path("regular/<int:pk>/<str:action>/", views.periodic_action, name="periodic_action"),
    path("contracts/<int:contract_pk>/schedule/", views.schedule_edit, name="schedule"),
    path("analysis/", views.analysis, name="analysis"),
    path("analysis/orders/", views.analysis_drill, name="analysis_drill"),
    path("similar/", views.similar_lookup, name="similar"),
    path("similar/<int:pk>/", views.similar_panel, name="similar_panel"),
]
