"""Vocabularies of the client domain, importable without loading any model."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FI = "fi", _("Finnish")
    SV = "sv", _("Swedish")
    EN = "en", _("English")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Unemployed")
    LAID_OFF = "laid_off", _("Laid off")
    PART_TIME = "part_time", _("Part-time employed")
    IN_SERVICE = "in_service", _("In a service")
    EMPLOYED = "employed", _("Employed")
    NOT_JOB_SEEKER = "not_job_seeker", _("No longer a job seeker")
    # Issue 17: the situations the law's job-search discussions also cover (docs/rules.md).
    THREATENED = "threatened", _("Threatened with unemployment")
    SHORTENED_HOURS = "shortened_hours", _("Laid off by shortened working hours")
    WAGE_SUBSIDY = "wage_subsidy", _("In pay-subsidised work")
