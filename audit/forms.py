from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils.translation import gettext_lazy as _

from clients import identity


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before `today`'s."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def this_month(today: dt.date) -> tuple[dt.date, dt.date]:
    return today.replace(day=1), today


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccessLogSearchForm(forms.Form):
    client = forms.IntegerField(label=_("Client number"), required=False, min_value=1)
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    since = forms.DateField(label=_("From"), required=False, widget=_date_input())
    until = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


class ClientByIdentityCodeForm(forms.Form):
    """Find a client by identity code without putting the code into a URL or a server log."""

    personal_identity_code = forms.CharField(label=_("Personal identity code"), max_length=11)

    def clean_personal_identity_code(self) -> str:
        code = identity.normalize(self.cleaned_data["personal_identity_code"])
        try:
            identity.validate_hetu(code)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return code


class TruthfulPasswordResetForm(PasswordResetForm):
    """Django's reset form, except that a failure to send reaches the view (Django's form
    logs it and the page says "we've e-mailed you" anyway), and the mail goes through the
    connection the view opened."""

    connection = None

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(
            subject, body, from_email, [to_email], connection=self.connection
        )
        if html_email_template_name is not None:
            message.attach_alternative(
                loader.render_to_string(html_email_template_name, context), "text/html"
            )
        message.send()
