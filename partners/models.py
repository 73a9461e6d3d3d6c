"""Partners, the client's consent, and referrals with closing reports.

Information about a client passes to a partner only under a valid consent (`Consent.valid_on`);
the portal's visibility is a queryset filter over referrals with such a consent, so revoking a
consent cuts the partner's access on the next request.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from .choices import ConsentMethod, ReferralOutcome, ReferralStatus, ServiceType


class PartnerQuerySet(models.QuerySet):
    def of_user(self, user) -> Partner | None:
        """The active partner organisation a signed-in user works for, or None for everyone
        else (office staff, inactive users, a partner that was switched off)."""
        if not user.is_authenticated or not user.is_active:
            return None
        return self.filter(users__user=user, active=True).first()


class Partner(models.Model):
    """A partner organisation: a coaching provider, Kela, a health service, a school …"""

    name = models.CharField(_("name"), max_length=200, unique=True)
    business_id = models.CharField(_("business ID"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="partner_name_present"),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerService(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    service_type = models.CharField(_("type"), max_length=20, choices=ServiceType.choices)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["partner__name", "name"]
        verbose_name = _("partner service")
        verbose_name_plural = _("partner services")
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="partnerservice_unique_name"),
            models.CheckConstraint(
                condition=Q(service_type__in=ServiceType.values),
                name="partnerservice_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} – {self.name} ({self.get_service_type_display()})"


class ContactPerson(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name


class PartnerUser(models.Model):
    """A user who works for a partner: signs in to the portal only, never to adviser pages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_user"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="users")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner user")
        verbose_name_plural = _("partner users")

    def __str__(self) -> str:
        return f"{self.user} ({self.partner})"


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> ConsentQuerySet:
        return self.filter(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)

    def cover_contact_details(self, *, client_id: int, partner_id: int, day: dt.date) -> bool:
        """Whether a consent valid on `day` lets the partner see the client's phone and e-mail."""
        return (
            self.valid_on(day)
            .filter(client_id=client_id, partner_id=partner_id, contact_details=True)
            .exists()
        )


class Consent(models.Model):
    """The client's consent to share information with one named partner, for a purpose and a
    period. Revoked, never deleted: the row is the evidence of what was agreed."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=300)
    scope = models.TextField(_("information that may be shared"))
    # What the partner portal shows of the client's own contact details: the phone number and
    # e-mail address only when the consent says so.
    contact_details = models.BooleanField(
        _("contact details (phone, e-mail) may be shared"), default=False
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    method = models.CharField(_("how given"), max_length=16, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_until", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["client", "partner", "valid_until"], name="consent_client_partner")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="consent_period_order",
                violation_error_message=_("The consent cannot end before it begins."),
            ),
            models.CheckConstraint(
                condition=Q(method__in=ConsentMethod.values), name="consent_method_valid"
            ),
            models.CheckConstraint(
                condition=~Q(purpose="") & ~Q(scope=""), name="consent_purpose_scope_present"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="consent_revocation_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.partner} ({self.valid_from}–{self.valid_until})"

    def is_valid_on(self, day: dt.date) -> bool:
        return self.revoked_at is None and self.valid_from <= day <= self.valid_until


class ReferralQuerySet(models.QuerySet):
    def with_valid_consent(self, day: dt.date) -> ReferralQuerySet:
        """Referrals whose client has a consent valid today for the referral's partner."""
        consents = Consent.objects.valid_on(day).filter(
            client_id=OuterRef("client_id"), partner_id=OuterRef("partner_id")
        )
        return self.filter(Exists(consents))

    def for_partner(self, partner: Partner | int) -> ReferralQuerySet:
        return self.filter(partner=partner)

    def for_portal(self, partner: Partner | None) -> ReferralQuerySet:
        """Referrals a partner's users may see: to their organisation, while the client's
        consent for that partner is valid today. Revoked or expired consent: the row simply
        disappears."""
        if partner is None:
            return self.none()
        return (
            self.for_partner(partner)
            .with_valid_consent(timezone.localdate())
            .select_related("client", "service")
        )

    def open(self) -> ReferralQuerySet:
        return self.filter(
            status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.STARTED]
        )


class Referral(models.Model):
    """An adviser's referral of a client to a partner's service."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="referrals")
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        PartnerService,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("service"),
    )
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField(_("reason"))
    shared_information = models.TextField(_("information shared with the partner"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_at = models.DateTimeField(_("sent"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReferralOutcome.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the partner files the closing report; cleared when an adviser has reviewed it
    # at an interview. The badge on the client page shows it.
    needs_review = models.BooleanField(_("review at next interview"), default=False)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A form's one-time key: a double submit finds the referral it already sent.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["partner", "status", "-sent_at"], name="referral_partner"),
            models.Index(fields=["client", "-sent_at"], name="referral_client"),
            models.Index(fields=["ended_at", "outcome"], name="referral_outcome"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[*ReferralOutcome.values, ""]),
                name="referral_outcome_valid",
            ),
            # An ended referral always has its outcome and end time; only it has an outcome.
            models.CheckConstraint(
                condition=(Q(status=ReferralStatus.ENDED, ended_at__isnull=False) & ~Q(outcome=""))
                | (~Q(status=ReferralStatus.ENDED) & Q(outcome="")),
                name="referral_ended_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECLINED) | Q(declined_at__isnull=False),
                name="referral_declined_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(shared_information=""),
                name="referral_reason_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} → {self.service} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in {ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.STARTED}

    # The partner's moves: each new status and the statuses it may follow (the services apply
    # them as conditional updates; the portal offers the ones allowed now).
    TRANSITIONS = {
        ReferralStatus.ACCEPTED: frozenset({ReferralStatus.SENT}),
        ReferralStatus.DECLINED: frozenset({ReferralStatus.SENT}),
        ReferralStatus.STARTED: frozenset({ReferralStatus.ACCEPTED}),
        ReferralStatus.ENDED: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.STARTED}),
    }

    @property
    def allowed_actions(self) -> list[str]:
        """The statuses the partner may move this referral to now, in TRANSITIONS order
        (ended: by filing the closing report)."""
        return [
            new for new, allowed_from in self.TRANSITIONS.items() if self.status in allowed_from
        ]


class ReferralEvent(models.Model):
    """Each change of a referral's status (event row): who, what, when."""

    client_path = "referral__client"  # how the gate (teams.access) finds the client

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=ReferralStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.status} {self.at:%Y-%m-%d %H:%M}"


class ClosingReport(models.Model):
    """What the partner hands back when the service ends."""

    client_path = "referral__client"  # how the gate (teams.access) finds the client

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="closing_report"
    )
    work_done = models.TextField(_("work done"))
    results = models.TextField(_("results"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReferralOutcome.choices)
    next_steps = models.TextField(_("next steps"))
    further_support_needed = models.BooleanField(_("further support needed"), default=False)
    further_support = models.TextField(_("what further support"), blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("closing report")
        verbose_name_plural = _("closing reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReferralOutcome.values),
                name="closingreport_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(further_support_needed=False) | ~Q(further_support=""),
                name="closingreport_further_support_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.get_outcome_display()}"
