from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Coverage reports"

    def ready(self) -> None:
        # local import: the models behind the receivers load only once the app registry is ready
        from teoffice.signals import history_changed

        from .coverage import history_changed_receive

        history_changed.connect(history_changed_receive, dispatch_uid="reports-history-changed")
