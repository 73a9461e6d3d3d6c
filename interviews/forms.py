"""Forms for logging an interview and booking appointments."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Channel, Outcome

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
    )


def this_minute() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class InterviewForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("Choose…")), *Outcome.choices])
    held_at = _datetime_field(_("Held at"))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), required=False, min_value=1, max_value=480
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # A one-time key per form: a double submit finds the interview the first one made.
    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    # The plan version the adviser started from (optimistic locking); blank for a first plan.
    plan_based_on = forms.IntegerField(required=False, widget=forms.HiddenInput)
    appointment = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("held_at", this_minute())
        initial.setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)

    def clean_held_at(self) -> dt.datetime:
        held_at = self.cleaned_data["held_at"]
        if held_at > timezone.now():
            raise ValidationError(_("An interview cannot be held in the future."))
        return held_at

    @property
    def is_held(self) -> bool:
        """Whether the plan goes with this submit: outcome Held, or not chosen yet (then its
        errors show together with the missing outcome's). Read from the raw data."""
        value = self.data.get(self.add_prefix("outcome"), "") if self.is_bound else ""
        return value in ("", Outcome.HELD)


class AppointmentForm(forms.Form):
    starts_at = _datetime_field(_("Time"))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=480, initial=30
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=200,
        help_text=_("For a face-to-face meeting."),
    )
    video_link = forms.URLField(
        label=_("Video link"),
        required=False,
        assume_scheme="https",
        help_text=_("For a video meeting."),
    )
    adviser = forms.ChoiceField(label=_("Adviser"))

    def __init__(self, *args, advisers, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.advisers = {str(u.pk): u for u in advisers}
        self.fields["adviser"].choices = [
            (pk, u.get_full_name() or u.get_username()) for pk, u in self.advisers.items()
        ]

    def clean_starts_at(self) -> dt.datetime:
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now():
            raise ValidationError(_("An appointment cannot be in the past."))
        return starts_at

    def clean(self):
        data = super().clean()
        if data.get("channel") == Channel.FACE_TO_FACE and not data.get("place"):
            self.add_error("place", _("Say where you meet the client."))
        if data.get("channel") == Channel.VIDEO and not data.get("video_link"):
            self.add_error("video_link", _("Give the link to the video meeting."))
        return data

    @property
    def chosen_adviser(self):
        return self.advisers[self.cleaned_data["adviser"]]
