from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("find/", views.caseload_code_search, name="code_search"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/identity-code/", views.identity_code_reveal, name="identity_code_reveal"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
]
