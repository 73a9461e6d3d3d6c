from django.urls import path

from . import views

app_name = "interviews"
urlpatterns = [
    path("clients/<int:client_pk>/log/", views.interview_log, name="log"),
    path(
        "clients/<int:client_pk>/appointments/new/",
        views.appointment_book,
        name="appointment_book",
    ),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/week/", views.adviser_week, name="adviser_week"),
    path("appointments/<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/no-show/", views.appointment_no_show, name="appointment_no_show"),
]

from . import rule_views  # noqa: E402

urlpatterns += [
    path(
        "clients/<int:client_pk>/contact-attempts/",
        rule_views.contact_attempts,
        name="contact_attempts",
    ),
    path("clients/<int:client_pk>/job-search/", rule_views.job_search, name="job_search"),
    path("rule-sets/", rule_views.office_rule_sets, name="office_rule_sets"),
    path("missed-contacts/", rule_views.missed_contacts_report, name="missed_contacts"),
    path("fallen-short/", rule_views.fallen_short, name="fallen_short"),
]
