from django.urls import path

from . import import_views

app_name = "clients_import"
urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("check/", import_views.check, name="check"),
    path("<int:pk>/", import_views.report, name="report"),
    path("<int:pk>/run/", import_views.run, name="run"),
]
