from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils.translation import gettext_lazy as _

from clients import identity

LOOKS_LIKE_A_CODE = re.compile(r"\d{6}[-+A-FU-Y]\d{3}[0-9A-Z]")


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before `today`'s."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def this_month(today: dt.date) -> tuple[dt.date, dt.date]:
    return today.replace(day=1), today


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AccessLogSearchForm(forms.Form):
    # The client is chosen by name or identity code in ClientSearchForm (posted); its id only
    # travels in the links that form and the table make.
    client = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    person = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    user = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=150,
        help_text=_("Name or username, or a part of it."),
    )
    since = forms.DateField(label=_("From"), required=False, widget=_date_input())
    until = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data


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


class ClientSearchForm(forms.Form):
    """Find a client by name or identity code without putting either into a URL or a server
    log (POST); a code is never shown back in full."""

    who = forms.CharField(
        label=_("Client's name or identity code"),
        max_length=100,
        help_text=_("A full identity code, or the client's names or parts of them."),
    )

    def clean_who(self) -> str:
        value = " ".join(self.cleaned_data["who"].split())
        if len(value) < 2:
            raise ValidationError(_("Enter at least two characters."))
        return value

    def identity_code(self) -> str | None:
        """The cleaned value as an identity code, if it is a valid one."""
        code = identity.normalize(self.cleaned_data["who"])
        return code if identity.is_valid_hetu(code) else None

    def masked(self) -> None:
        """Show a posted identity code back masked, never in full."""
        value = identity.normalize(str(self.data.get("who", "")))
        if LOOKS_LIKE_A_CODE.fullmatch(value):  # valid or not: it may be someone's real code
            self.data = self.data.copy()
            self.data["who"] = identity.mask(value)
