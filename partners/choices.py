"""The partners' vocabularies: model-free, so any app's models may use them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceType(models.TextChoices):
    COACHING = "coaching", _("Coaching")
    HEALTH = "health", _("Health services")
    SOCIAL = "social_services", _("Social services")
    KELA = "kela", _("Kela")
    EDUCATION = "education", _("Education")
    CAREER_GUIDANCE = "career_guidance", _("Career guidance")
    OTHER = "other", _("Other")


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, orally")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("In a video meeting")
    WRITTEN = "written", _("In writing (signed)")
    ELECTRONIC = "electronic", _("Electronically (e-service)")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    STARTED = "started", _("Started")
    ENDED = "ended", _("Ended")
    DECLINED = "declined", _("Declined")


class ReferralOutcome(models.TextChoices):
    OPEN_MARKET = "open_market", _("Employed on the open market")
    SUBSIDISED = "subsidised", _("Subsidised work")
    STUDY = "study", _("Study")
    WORK_TRIAL = "work_trial", _("Work trial")
    OTHER_SERVICE = "other_service", _("Other service")
    NO_CHANGE = "no_change", _("No change")
