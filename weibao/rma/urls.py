from django.urls import path

from weibao.rma import views

app_name = "rma"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("fee/<str:token>/", views.fee_link, name="fee_link"),  # the customer's one-time link: no login
    path("work-orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("work-orders/<int:pk>/escalate/", views.escalate, name="escalate"),
    path("work-orders/<int:pk>/track/", views.escalation_track, name="escalation_track"),
    path("escalations/", views.escalation_list, name="escalation_list"),
    path("escalations/<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("escalations/<int:pk>/<slug:action>/", views.escalation_action, name="escalation_action"),
    path("agreements/", views.agreements, name="agreements"),
]
