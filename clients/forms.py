"""Forms of the client pages: the caseload's filters and code search, and a status change."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interviews.choices import Channel, DueState
from interviews.selectors import CASELOAD_SORTS
from plans.selectors import fallen_short

from . import identity
from .models import ClientQuerySet, Language, Status

MINE = "mine"
UNASSIGNED = "unassigned"


def _blank(label) -> list[tuple[str, str]]:
    return [("", label)]


class CaseloadFilterForm(forms.Form):
    """The caseload's filters: a GET form whose values are the page's shareable query string."""

    due_state = forms.ChoiceField(
        label=_("Due state"), required=False, choices=_blank(_("Any")) + DueState.choices
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(_("Any")) + Status.choices
    )
    adviser = forms.ChoiceField(label=_("Responsible adviser"), required=False)
    channel = forms.ChoiceField(
        label=_("Last interview channel"),
        required=False,
        choices=_blank(_("Any")) + Channel.choices,
    )
    q = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    job_search = forms.BooleanField(
        label=_("Fell short in the last job-search period"),
        required=False,
        help_text=_(
            "Reported fewer applications than the plan asks for in a period that has ended."
        ),
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(value, value) for key in CASELOAD_SORTS for value in (key, f"-{key}")],
    )

    def __init__(self, data, *, advisers: dict[int, str], **kwargs):
        """`advisers`: {user id: name} of the advisers the user may filter by, in order."""
        super().__init__(data, label_suffix="", **kwargs)
        self.fields["adviser"].choices = [
            ("", _("Anyone")),
            (MINE, _("Mine")),
            (UNASSIGNED, _("Unassigned")),
            *((str(pk), name) for pk, name in advisers.items()),
        ]

    def filter_without_due_state(self, clients: ClientQuerySet, user) -> ClientQuerySet:
        """Every filter but the due state (the counts per due state are taken from this)."""
        self.is_valid()
        data = self.cleaned_data  # the valid fields only; an invalid one is ignored
        if status := data.get("status"):
            clients = clients.filter(status=status)
        adviser = data.get("adviser")
        if adviser == MINE:
            clients = clients.filter(responsible_adviser=user)
        elif adviser == UNASSIGNED:
            clients = clients.filter(responsible_adviser__isnull=True)
        elif adviser:
            clients = clients.filter(responsible_adviser_id=int(adviser))
        if channel := data.get("channel"):
            clients = clients.filter(last_channel=channel)
        if q := data.get("q"):
            clients = clients.name_matches(q)
        if data.get("job_search"):
            clients = fallen_short(clients=clients, today=timezone.localdate())
        return clients

    def filter_due_state(self, clients: ClientQuerySet) -> ClientQuerySet:
        self.is_valid()
        due_state = self.cleaned_data.get("due_state")
        return clients.filter(due_state=due_state) if due_state else clients


class CodeSearchForm(forms.Form):
    """The caseload's search by identity code: posted, so that no code sits in a URL, the
    browser's history or an access log line."""

    code = forms.CharField(
        label=_("Personal identity code"),
        max_length=20,
        help_text=_("The full code: exact match only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = identity.normalize(self.cleaned_data["code"])
        identity.validate_hetu(code)
        return code

    def filter(self, clients: ClientQuerySet) -> ClientQuerySet:
        """The one client with the code; none for an invalid code (never a partial match)."""
        if not self.is_valid():
            return clients.none()
        return clients.filter(personal_identity_code=self.cleaned_data["code"])


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    effective_on = forms.DateField(
        label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    # A one-time key per form: a double submit finds the change the first one made.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("effective_on", timezone.localdate())
        initial.setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean_effective_on(self):
        day = self.cleaned_data["effective_on"]
        if day > timezone.localdate():
            raise ValidationError(_("A status change cannot start in the future."))
        return day


class ClientContactForm(forms.Form):
    """The client's name, preferred language and contact details (new or edited)."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    language = forms.ChoiceField(label=_("Preferred language"), choices=Language.choices)
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        help_text=_("E.g. +358 40 123 4567."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ClientRegisterForm(ClientContactForm):
    """Registering a new client in the adviser's team. The rules (a valid code, an existing
    client, the dates) are clients.services.client_register's, as in the API."""

    personal_identity_code = forms.CharField(
        label=_("Personal identity code"),
        max_length=20,
        help_text=_("DDMMYYCZZZQ, e.g. 131052-308T."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    status = forms.ChoiceField(label=_("Job-seeker status"), choices=Status.choices)
    registered_on = forms.DateField(
        label=_("Registered as a job seeker on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    responsible_adviser = forms.ChoiceField(label=_("Responsible adviser"), required=False)

    field_order = [
        "personal_identity_code",
        "first_name",
        "last_name",
        "language",
        "phone",
        "email",
        "address",
        "status",
        "registered_on",
        "responsible_adviser",
    ]

    def __init__(self, *args, advisers: dict[int, str], **kwargs):
        """`advisers`: {user id: name} of the team's members."""
        kwargs.setdefault("initial", {}).setdefault("registered_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.advisers = advisers
        self.fields["responsible_adviser"].choices = [
            ("", _("Unassigned")),
            *((str(pk), name) for pk, name in advisers.items()),
        ]

    def clean_personal_identity_code(self) -> str:
        return identity.normalize(self.cleaned_data["personal_identity_code"])
