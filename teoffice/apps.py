from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class TeofficeConfig(AppConfig):
    """The project package as an app: it connects the project's own signal receivers."""

    name = "teoffice"
    verbose_name = "teoffice"

    def ready(self) -> None:
        # local import: the receivers use models, which load only once the app registry is ready
        from .receivers import language_remember, session_renewed_at_sign_in

        # Signal receivers: the sign-in language, and the session's renewal at sign-in.
        user_logged_in.connect(language_remember, dispatch_uid="teoffice.i18n.remember_language")
        user_logged_in.connect(
            session_renewed_at_sign_in, dispatch_uid="teoffice.session_renewed_at_sign_in"
        )
