from django.urls import path

from weibao.plans import views

app_name = "plans"
urlpatterns = [
    path("p/<str:token>/", views.public_plan, name="public_plan"),  # the one-time link: no login
    path("order/<int:pk>/", views.order_plans, name="order"),
    path("order/<int:pk>/panel/", views.panel, name="panel"),
    path("order/<int:order>/new/", views.plan_edit, name="new"),
    path("order/<int:pk>/report/", views.report_new, name="report_new"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/submit/", views.plan_submit, name="submit"),
    path("<int:pk>/answer/", views.plan_answer, name="answer"),
    path("<int:pk>/link/", views.plan_link, name="link"),
    path("milestones/<int:pk>/done/", views.milestone_done, name="milestone_done"),
    path("", views.overview, name="overview"),
    path("changes/", views.changes, name="changes"),
    path("changes/new/", views.change_new, name="change_new"),
    path("changes/<int:pk>/", views.change_detail, name="change"),
    path("changes/<int:pk>/move/", views.change_move, name="change_move"),
    path("reports/<int:pk>.pdf", views.report_pdf, name="report_pdf"),
]
