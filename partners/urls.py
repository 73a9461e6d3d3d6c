from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("add/<slug:what>/", views.manage_add, name="manage_add"),
    path("clients/<int:client_id>/", views.client_panel, name="client_panel"),
    path("clients/<int:client_id>/consents/", views.consent_create, name="consent_create"),
    path(
        "clients/<int:client_id>/consents/<int:consent_id>/revoke/",
        views.consent_revoke,
        name="consent_revoke",
    ),
    path("clients/<int:client_id>/referrals/", views.referral_create, name="referral_create"),
    path(
        "clients/<int:client_id>/referrals/<int:referral_id>/reviewed/",
        views.referral_reviewed,
        name="referral_reviewed",
    ),
]
