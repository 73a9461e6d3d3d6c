from django.urls import path  # noqa: F401

app_name = "clients_import"
urlpatterns: list = []
