from django.urls import path

from . import views

# The namespace of the pages when they were in clients: templates and tests use it.
app_name = "clients_import"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("check/", views.check, name="check"),
    path("template.xlsx", views.template, {"fmt": "xlsx"}, name="template_xlsx"),
    path("template.csv", views.template, {"fmt": "csv"}, name="template_csv"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/run/", views.run, name="run"),
]
