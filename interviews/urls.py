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
    path("appointments/<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/no-show/", views.appointment_no_show, name="appointment_no_show"),
]
