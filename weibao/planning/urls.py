from django.urls import path

from weibao.planning import views

app_name = "planning"
urlpatterns = [
    path("emergency/", views.emergency_list, name="plan_list"),
    path("emergency/systems/<int:subsystem_pk>/new/", views.emergency_new, name="plan_new"),
    path("emergency/<int:pk>/", views.emergency_detail, name="plan"),
    path("emergency/<int:pk>/revise/", views.emergency_revise, name="plan_revise"),
    path("emergency/<int:pk>/approve/", views.emergency_approve, name="plan_approve"),
    path("emergency/<int:pk>/drills/", views.drill_new, name="drill_new"),
    path("orders/<int:workorder_pk>/emergency/", views.order_panel, name="order_panel"),
    path("orders/<int:workorder_pk>/emergency/steps/<int:step_pk>/tick/", views.order_step_tick, name="step_tick"),
    path("training/", views.training_list, name="training_list"),
    path("training/contracts/<int:contract_pk>/new/", views.training_new, name="training_new"),
    path("training/<int:pk>/", views.training_detail, name="training"),
    path("training/<int:pk>/sessions/", views.session_new, name="session_new"),
    path("training/<int:pk>/attendance/", views.attendance_new, name="attendance_new"),
    path("training/<int:pk>/materials/", views.material_new, name="material_new"),
    path("training/sessions/<int:session_pk>/sign-in/", views.session_sign_in, name="sign_in"),
    path("training/materials/<int:material_pk>/", views.material_download, name="material"),
]
