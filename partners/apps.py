from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners, consent and referrals")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # local import: the receiver uses models, which load only once the app registry is ready
        from .middleware import remember_partner_at_sign_in

        user_logged_in.connect(remember_partner_at_sign_in, dispatch_uid="partners-sign-in")
