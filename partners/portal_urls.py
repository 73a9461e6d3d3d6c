from django.urls import path

from . import portal_views as views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="accept"),
    path("referrals/<int:pk>/start/", views.referral_start, name="start"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="decline"),
    path("referrals/<int:pk>/report/", views.closing_report, name="report"),
]
