from django.urls import path

from weibao.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.visit_list, name="visit_list"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/start/", views.visit_start, name="visit_start"),
    path("visits/<int:pk>/answers/", views.visit_answers, name="visit_answers"),
    path("visits/<int:pk>/complete/", views.visit_complete, name="visit_complete"),
    path("visits/<int:pk>/sign/", views.visit_sign, name="visit_sign"),
    path("visits/<int:pk>/answers/<int:answer_pk>/work-order/", views.finding_workorder, name="finding_workorder"),
    path("visits/<int:pk>/answers/<int:answer_pk>/photo/", views.answer_photo, name="answer_photo"),
    path("visits/<int:pk>/report.pdf", views.visit_pdf, name="visit_pdf"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("contracts/<int:contract_pk>/plans/new/", views.plan_new, name="plan_new"),
    path("checklists/", views.template_list, name="templates"),
    path("checklists/new/", views.template_new, name="template_new"),
]
