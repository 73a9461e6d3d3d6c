from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.access_log_search, name="access_log"),
    path("find-client/", views.access_log_find_client, name="find_client"),
]
