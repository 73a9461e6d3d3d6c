"""Forms for logging an interview (with the plan and a referral made at it) and booking
appointments."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from partners.forms import InterviewReferralForm
from partners.services import ReferralInput, ReferralRefused
from plans.forms import ActionFormSet, PlanForm, plan_initial, plan_input, without_errors
from plans.selectors import plan_current_version
from plans.services import PlanConflict
from teoffice.idempotency import first_with_key

from . import rules
from .choices import Channel, InterviewKind, Outcome
from .models import Appointment, Interview
from .selectors import interviews_on_day
from .services import AppointmentNotBooked, OffHoursUnconfirmed, not_before_registration

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
    kind = forms.ChoiceField(
        label=_("Kind of discussion"),
        choices=InterviewKind.choices,
        # Left out (an older client of the form): the service proposes it the same way.
        required=False,
        help_text=_("Proposed from the client's situation; change it if needed."),
    )
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
    # Shown only when the client already has an interview that day (ask_second_today).
    second_today = forms.BooleanField(label=_("Yes, log a second interview today"), required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("held_at", this_minute())
        initial.setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.ask_second_today = bool(self.data.get(self.add_prefix("second_today")))

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


class InterviewLogForms:
    """The interview form with the plan revised at it and the referral made at it: made,
    validated and shown together, and a refusal of the service shown on the right one.

    `data` None: a new form, with the current plan and the appointment's values (if any)."""

    def __init__(self, data=None, *, client: Client, appointment: Appointment | None) -> None:
        self.data, self.client = data, client
        self.current = plan_current_version(client=client)
        self.conflict: PlanConflict | None = None
        if data is not None:
            self.form = InterviewForm(data)
            self.plan_form = PlanForm(data)
            self.actions = ActionFormSet(data, prefix="actions")
            self.referral_form = InterviewReferralForm(data)
            return
        initial = {
            "plan_based_on": self.current.number if self.current else None,
            "kind": rules.proposed_kind(
                status_since=client.cycle_start, last_held_on=client.last_held_on
            ),
        }
        if appointment is not None:
            initial |= {
                "appointment": appointment.pk,
                "channel": appointment.channel,
                "held_at": min(timezone.localtime(appointment.starts_at), this_minute()),
                "duration_minutes": appointment.duration_minutes,
            }
        self.form = InterviewForm(initial=initial)
        plan_values, action_values = plan_initial(self.current)
        self.plan_form = PlanForm(initial=plan_values)
        self.actions = ActionFormSet(initial=action_values, prefix="actions")
        self.referral_form = InterviewReferralForm()

    def is_valid(self) -> bool:
        """Every form is validated (so each shows its errors); the plan only when held."""
        if self.data is None:
            return False
        plan_valid = not self.form.is_held or all(
            [self.plan_form.is_valid(), self.actions.is_valid()]
        )
        referral_valid = self.referral_form.is_valid()
        interview_valid = self.form.is_valid() and self._after_registration()
        return interview_valid and plan_valid and referral_valid and self._second_today_ok()

    def _after_registration(self) -> bool:
        """Said at once, with the plan's errors, though the service refuses it too."""
        try:
            not_before_registration(self.client, self.form.cleaned_data["held_at"], "held_at")
        except ValidationError as error:
            self.form.add_error(None, error)
            return False
        return True

    def _second_today_ok(self) -> bool:
        """A new interview on a day the client already has one (back and resubmit, or a
        second tab) is saved only once the adviser confirms it. A repeat of the same form
        (its key already used) is not asked: the service returns the first interview."""
        data = self.form.cleaned_data
        if data.get("appointment"):
            return True  # the appointment is the intent: the service refuses a second outcome
        if data.get("second_today") or first_with_key(Interview, data["submission_key"]):
            return True
        day = timezone.localdate(data["held_at"])
        earlier = interviews_on_day(client=self.client, day=day)
        if not earlier:
            return True
        self.form.ask_second_today = True
        self.form.add_error(
            "held_at",
            gettext_now(
                "An interview of this client is already logged on %(day)s at %(time)s. "
                "Log a second interview that day?"
            )
            % {
                "day": formats.date_format(day, "SHORT_DATE_FORMAT"),
                "time": formats.time_format(timezone.localtime(earlier[0].held_at), "TIME_FORMAT"),
            },
        )
        return False

    def interview_values(self) -> dict:
        """The arguments of services.interview_log that the forms give."""
        data = self.form.cleaned_data
        return {
            "held_at": data["held_at"],
            "channel": data["channel"],
            "outcome": data["outcome"],
            "kind": data["kind"] or None,
            "duration_minutes": data["duration_minutes"],
            "notes": data["notes"],
            "submission_key": data["submission_key"],
            "plan": plan_input(self.plan_form, self.actions) if self.form.is_held else None,
            "plan_based_on": data["plan_based_on"],
            "referral": self._referral_input(),
        }

    def _referral_input(self) -> ReferralInput | None:
        if not self.referral_form.requested:
            return None
        data = self.referral_form.cleaned_data
        return ReferralInput(
            service=data["service"],
            reason=data["reason"],
            shared_information=data["shared_information"],
        )

    def refused(self, error: ValidationError | PlanConflict) -> None:
        """Show why the service saved nothing: a refused referral next to the referral, a
        newer plan version as a conflict (the form then starts from it), anything else on
        the interview form."""
        if isinstance(error, ReferralRefused):
            self.referral_form.add_error(None if hasattr(error, "error_dict") else "service", error)
        elif isinstance(error, PlanConflict):
            self.conflict = error
            self.current = plan_current_version(client=self.client)
            data = self.data.copy()
            data["plan_based_on"] = self.current.number if self.current else ""
            self.form = InterviewForm(data)
            self.form.is_valid()
        elif isinstance(error, AppointmentNotBooked):
            self.form.add_error(None, gettext_now("This appointment already has an outcome."))
        else:
            self.form.add_error(None, error)

    def context(self) -> dict:
        if self.data is not None and not self.form.is_held:
            without_errors(self.plan_form, self.actions)
        return {
            "form": self.form,
            "plan_form": self.plan_form,
            "actions": self.actions,
            "referral_form": self.referral_form,
            "current": self.current,
            "conflict": self.conflict,
        }


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
    # Shown only after the service warned of a time outside office hours (ask_book_anyway).
    book_anyway = forms.BooleanField(label=_("Book anyway"), required=False)
    # A one-time key per form: a double submit finds the appointment the first one booked.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, advisers, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.ask_book_anyway = bool(self.data.get(self.add_prefix("book_anyway")))
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

    def refused(self, error: ValidationError) -> None:
        """Show why the service refused: next to the time for a clash or an unconfirmed
        time outside office hours (then with the "Book anyway" box)."""
        if isinstance(error, OffHoursUnconfirmed):
            self.ask_book_anyway = True
        self.add_error(None, error)


class AppointmentCancelForm(forms.Form):
    """Cancelling asks why: the reason goes to the client's history, not to the client."""

    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the client's history; the client's message does not show it."),
        error_messages={"required": _("Say why the appointment is cancelled.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
