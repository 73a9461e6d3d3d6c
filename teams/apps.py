from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Offices and teams"

    def ready(self) -> None:
        from teoffice import i18n  # noqa: F401  (connects the sign-in language receiver)
