from django.urls import path

from weibao.onsite import views

app_name = "onsite"
urlpatterns = [
    path("q/<str:token>/", views.public_quote, name="public_quote"),  # the one-time link: no login
    path("quotes/<int:pk>/", views.quote_detail, name="quote"),
    path("quotes/<int:pk>/answer/", views.quote_answer, name="quote_answer"),
    path("quotes/<int:pk>/link/", views.quote_send_link, name="quote_link"),
    path("<int:pk>/", views.visit, name="visit"),
    path("<int:pk>/panel/", views.visit_panel, name="panel"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/quote/", views.quote_edit, name="quote_edit"),
    path("<int:pk>/replacement/", views.replacement, name="replacement"),
    path("<int:pk>/backup/", views.backup, name="backup"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/form/", views.service_form, name="form"),
    path("<int:pk>/service-form.pdf", views.service_form_pdf, name="form_pdf"),
    path("<int:pk>/sheet.pdf", views.workorder_sheet_pdf, name="sheet_pdf"),
]
