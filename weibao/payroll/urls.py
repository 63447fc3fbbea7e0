from django.urls import path

from weibao.payroll import views

app_name = "payroll"
urlpatterns = [
    path("", views.months, name="months"),
    path("<int:year>/<int:month>/", views.month, name="month"),
    path("<int:year>/<int:month>/export.xlsx", views.month_export, name="export"),
    path("<int:year>/<int:month>/<str:step>/", views.month_step, name="step"),
    path("statements/<int:pk>/", views.statement, name="statement"),
    path("mine/", views.mine, name="mine"),
    path("rules/", views.rules, name="rules"),
    path("travel/", views.travel, name="travel"),
    path("travel/approvals/", views.approvals, name="approvals"),
    path("travel/approvals/<int:pk>/<str:answer>/", views.approval_answer, name="answer"),
    path("kpi/", views.kpi_dashboard, name="kpi"),
]
