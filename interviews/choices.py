"""Vocabularies of the interview domain, importable without loading any model."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    FACE_TO_FACE = "face_to_face", _("Face to face")
    VIDEO = "video", _("Video")


class InterviewKind(models.TextChoices):
    """The kind of discussion; each rule set says which kinds restart the interview clock
    (interviews.rulesets.RuleSet.clock_kinds). Before issue 17 the periodic interview was
    "periodic": a data migration made those "job_search"."""

    INITIAL = "initial", _("Initial interview")
    SUPPLEMENTARY = "supplementary", _("Supplementary job-search discussion")
    JOB_SEARCH = "job_search", _("Three-monthly job-search discussion")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("Client did not attend")
    CANCELLED = "cancelled", _("Cancelled")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Held")
    NO_SHOW = "no_show", _("Client did not attend")
    CANCELLED = "cancelled", _("Cancelled")


class DueState(models.TextChoices):
    """Where a client stands on the interview cycle; ordered from most to least urgent."""

    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    OK = "ok", _("OK")
    NOT_REQUIRED = "not_required", _("Not required")
