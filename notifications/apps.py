from django.apps import AppConfig

from interviews.signals import appointment_booked, appointment_changed


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Client notifications"

    def ready(self) -> None:
        # local import: the receivers use models, which load only once the app registry is ready
        from .receivers import appointment_booked_receive, appointment_changed_receive

        appointment_booked.connect(
            appointment_booked_receive, dispatch_uid="notifications-appointment-booked"
        )
        appointment_changed.connect(
            appointment_changed_receive, dispatch_uid="notifications-appointment-changed"
        )
