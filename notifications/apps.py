from django.apps import AppConfig
from django.core import checks

from interviews.signals import appointment_booked, appointment_changed

from .checks import notification_backends_check


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Client notifications"

    def ready(self) -> None:
        # local import: the receivers use models, which load only once the app registry is ready
        from .receivers import appointment_booked_receive, appointment_changed_receive

        appointment_booked.connect(
            appointment_booked_receive, dispatch_uid="notifications-appointment-booked"
        )
        checks.register(notification_backends_check)
        appointment_changed.connect(
            appointment_changed_receive, dispatch_uid="notifications-appointment-changed"
        )
