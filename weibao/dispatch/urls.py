from django.urls import path

from weibao.dispatch import views

app_name = "dispatch"
urlpatterns = [
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.roster_entry_create, name="roster_entry_create"),
    path("roster/copy/", views.roster_copy_week, name="roster_copy_week"),
    path("roster/<int:pk>/edit/", views.roster_entry_edit, name="roster_entry_edit"),
    path("roster/<int:pk>/delete/", views.roster_entry_delete, name="roster_entry_delete"),
]
