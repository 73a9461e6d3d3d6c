from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("coverage/", views.report, name="coverage"),
    path("coverage.csv", views.report_export_csv, name="coverage_csv"),
    path("coverage.xlsx", views.report_export_xlsx, name="coverage_xlsx"),
    path("stored/<int:pk>/", views.stored_download, name="stored_download"),
    path("clients-export/", views.client_export, name="client_export"),
]
