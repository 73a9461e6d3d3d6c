from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("<int:pk>/", views.client_detail, name="detail"),
]
