from django.apps import AppConfig

from teoffice.signals import history_changed


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Coverage reports"

    def ready(self) -> None:
        # local import: the services import models, which load only once the registry is ready
        from .services import history_changed_receive

        history_changed.connect(history_changed_receive, dispatch_uid="reports-history-changed")
