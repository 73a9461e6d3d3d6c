from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models import fields
from django.utils.translation import gettext_lazy as _


class TeofficeConfig(AppConfig):
    """The project package as an app: it connects the project's own signal receivers."""

    name = "teoffice"
    verbose_name = "teoffice"

    def ready(self) -> None:
        # Django 6.1's empty choice "- Select an option -" has no Finnish or Swedish translation
        # in Django itself; Django asks projects to set their own here (issue 20).
        fields.BLANK_CHOICE_LABEL = _("– Choose –")
        # local import: the receivers use models, which load only once the app registry is ready
        from .receivers import language_remember, session_renewed_at_sign_in

        # Signal receivers: the sign-in language, and the session's renewal at sign-in.
        user_logged_in.connect(language_remember, dispatch_uid="teoffice.i18n.remember_language")
        user_logged_in.connect(
            session_renewed_at_sign_in, dispatch_uid="teoffice.session_renewed_at_sign_in"
        )
