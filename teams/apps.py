from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Offices and teams"

    def ready(self) -> None:
        # Signal receivers: the sign-in language, and the session's renewal at sign-in.
        from teoffice import i18n, middleware  # noqa: F401
