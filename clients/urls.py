from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("find/", views.caseload_code_search, name="code_search"),
    path("new/", views.client_register, name="register"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/identity-code/", views.identity_code_reveal, name="identity_code_reveal"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
]
