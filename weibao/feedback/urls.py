from django.urls import path

from weibao.feedback import views

app_name = "feedback"
urlpatterns = [
    path("panel/", views.panel, name="panel"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/select/", views.callbacks_select, name="callbacks_select"),
    path("callbacks/<int:pk>/", views.callback_detail, name="callback"),
    path("complaints/", views.complaints, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/<slug:step>/", views.complaint_step, name="complaint_step"),
    path("satisfaction/", views.satisfaction, name="satisfaction"),
    path("archives/", views.archives, name="archives"),
    path("archives/<int:pk>/", views.archive, name="archive"),
    path("settings/", views.policy, name="policy"),
]
