"""Writes for partners, consent, referrals and outcomes (who may see what: teams.policy)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client
from plans.services import plan_action_add, referral_action
from teams import policy
from teoffice.idempotency import create_once, first_with_key

from .models import (
    ClosingReport,
    Consent,
    Partner,
    PartnerService,
    PartnerUser,
    Referral,
    ReferralEvent,
    ReferralOutcome,
    ReferralStatus,
)

User = AbstractBaseUser | AnonymousUser

# The session key set at sign-in for partner users (see partners.apps / middleware): lets the
# middleware keep partner users inside the portal without a query on every adviser request.
SESSION_PARTNER_KEY = "partner_id"


# --- Who is a partner user -------------------------------------------------------------


def partner_user_add(*, user: AbstractBaseUser, partner: Partner) -> PartnerUser:
    """Link a user to a partner. Office staff cannot be partner users: one role per account."""
    if not policy.may_be_partner_user(user):
        raise ValidationError(
            _("This account belongs to the office's staff and cannot be a partner user.")
        )
    return PartnerUser.objects.create(user=user, partner=partner)


# --- Consent -----------------------------------------------------------------------------


def consent_record(
    *,
    client: Client,
    partner: Partner,
    purpose: str,
    scope: str,
    valid_from: dt.date,
    valid_until: dt.date,
    method: str,
    recorded_by: AbstractBaseUser,
    contact_details: bool = False,
) -> Consent:
    errors: dict[str, str] = {}
    if valid_until < valid_from:
        errors["valid_until"] = _("The consent cannot end before it begins.")
    if valid_until < timezone.localdate():
        errors["valid_until"] = _("The consent would already have expired.")
    if not partner.active:
        errors["partner"] = _("This partner is no longer active.")
    if errors:
        raise ValidationError(errors)
    return Consent.objects.create(
        client=client,
        partner=partner,
        purpose=purpose.strip(),
        scope=scope.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        method=method,
        recorded_by=recorded_by,
        contact_details=contact_details,
    )


def consent_revoke(*, consent: Consent, revoked_by: AbstractBaseUser) -> Consent:
    """Revoke at once. Idempotent: revoking twice keeps the first time. The portal's queryset
    filter checks consent on every request, so the partner loses access immediately."""
    now = timezone.now()
    Consent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=revoked_by
    )
    consent.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return consent


# --- Referrals ---------------------------------------------------------------------------


class ReferralRefused(ValidationError):
    """The referral itself cannot be made (no valid consent, service gone): a form that
    holds more than the referral shows it next to the referral's fields."""


@dataclass(frozen=True)
class ReferralInput:
    """A referral made together with something else (the interview form)."""

    service: PartnerService
    reason: str
    shared_information: str


def referral_send(
    *,
    client: Client,
    service: PartnerService,
    reason: str,
    shared_information: str,
    created_by: AbstractBaseUser,
    add_to_plan: bool = True,
    submission_key: uuid.UUID | None = None,
) -> Referral:
    """Refer a client to a partner's service. Refused without a consent valid today for that
    partner: nothing is shared with a partner without the client's consent.

    The referral becomes an action in the client's employment plan, in a new version
    (plans.services.plan_action_add; none while the client has no plan). A caller that
    saves a plan version in the same transaction passes `add_to_plan=False` and puts
    `plans.services.referral_action(referral)` into that version instead.
    A repeated `submission_key` returns the referral the first submit sent (the partner
    gets the data once).
    """
    existing = first_with_key(Referral, submission_key)
    if existing is not None:
        return existing
    today = timezone.localdate()
    consent = (
        Consent.objects.valid_on(today)
        .filter(client=client, partner_id=service.partner_id)
        .order_by("-valid_until", "-id")
        .first()
    )
    if consent is None:
        raise ReferralRefused(
            _(
                "The client has no valid consent to share information with %(partner)s. "
                "Record the client's consent first; nothing is shared without it."
            )
            % {"partner": service.partner.name}
        )
    if not service.active or not service.partner.active:
        raise ReferralRefused({"service": _("This service is no longer available.")})
    now = timezone.now()

    def create() -> Referral:
        referral = Referral.objects.create(
            client=client,
            partner_id=service.partner_id,
            service=service,
            consent=consent,
            reason=reason.strip(),
            shared_information=shared_information.strip(),
            sent_at=now,
            created_by=created_by,
            submission_key=submission_key,
        )
        ReferralEvent.objects.create(
            referral=referral, status=ReferralStatus.SENT, at=now, by=created_by
        )
        if add_to_plan:
            plan_action_add(client=client, author=created_by, action=referral_action(referral))
        return referral

    return create_once(Referral, submission_key, create)[0]


# The moment each status change stamps; which status it may come from is the model's
# (Referral.TRANSITIONS), the same table the portal shows its actions from.
_STAMPED = {
    ReferralStatus.ACCEPTED: "accepted_at",
    ReferralStatus.DECLINED: "declined_at",
    ReferralStatus.STARTED: "started_at",
}


def referral_transition(
    *, referral: Referral, status: str, by: AbstractBaseUser, note: str = ""
) -> Referral:
    """Accept, decline or start a referral: a conditional UPDATE, so a double click or two
    partner users at once change it only once."""
    allowed_from, field = Referral.TRANSITIONS[status], _STAMPED[status]
    now = timezone.now()
    changes = {"status": status, field: now}
    if status == ReferralStatus.DECLINED:
        changes["decline_reason"] = note.strip()
    with transaction.atomic():
        updated = Referral.objects.filter(pk=referral.pk, status__in=allowed_from).update(**changes)
        if not updated:
            referral.refresh_from_db(fields=["status"])
            if referral.status == status:
                return referral
            raise ValidationError(
                _("The referral is %(status)s and cannot be changed that way.")
                % {"status": referral.get_status_display().lower()}
            )
        ReferralEvent.objects.create(referral=referral, status=status, at=now, by=by, note=note)
    referral.refresh_from_db()
    return referral


def closing_report_file(
    *,
    referral: Referral,
    filed_by: AbstractBaseUser,
    work_done: str,
    results: str,
    outcome: str,
    next_steps: str,
    further_support_needed: bool,
    further_support: str = "",
) -> ClosingReport:
    """The partner ends the service: the report, the referral's end and outcome, and the flag
    that asks the adviser to review it at the next interview, all in one transaction."""
    if further_support_needed and not further_support.strip():
        raise ValidationError(
            {"further_support": _("Describe what further support the client needs.")}
        )
    if outcome not in ReferralOutcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    now = timezone.now()
    with transaction.atomic():
        updated = Referral.objects.filter(
            pk=referral.pk, status__in=Referral.TRANSITIONS[ReferralStatus.ENDED]
        ).update(
            status=ReferralStatus.ENDED,
            ended_at=now,
            outcome=outcome,
            needs_review=True,
        )
        if not updated:
            raise ValidationError(
                _("Only an accepted or started referral can be closed with a report.")
            )
        report = ClosingReport.objects.create(
            referral=referral,
            filed_by=filed_by,
            filed_at=now,
            work_done=work_done.strip(),
            results=results.strip(),
            outcome=outcome,
            next_steps=next_steps.strip(),
            further_support_needed=further_support_needed,
            further_support=further_support.strip(),
        )
        ReferralEvent.objects.create(
            referral=referral, status=ReferralStatus.ENDED, at=now, by=filed_by
        )
    referral.refresh_from_db()
    return report


def referral_mark_reviewed(*, referral: Referral, by: AbstractBaseUser) -> None:
    """The adviser has gone through the closing report with the client."""
    Referral.objects.filter(pk=referral.pk, needs_review=True).update(
        needs_review=False, reviewed_at=timezone.now(), reviewed_by=by
    )


# --- Outcomes ----------------------------------------------------------------------------


def outcome_counts(
    *, start: dt.date, end: dt.date, team_ids: list[int] | None = None
) -> dict[str, int]:
    """Outcomes of referrals that ended between `start` and `end` (inclusive, local dates).

    Returns every outcome value (ReferralOutcome) with its count, zeros included, plus
    "total". `team_ids` limits to clients currently in those teams (None: all teams). One query.
    """
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = Referral.objects.filter(
        status=ReferralStatus.ENDED, ended_at__gte=since, ended_at__lt=until
    )
    if team_ids is not None:
        rows = rows.filter(client__team_id__in=team_ids)
    found = dict(rows.order_by().values_list("outcome").annotate(n=Count("id")))
    counts = {value: found.get(value, 0) for value in ReferralOutcome.values}
    counts["total"] = sum(counts.values())
    return counts
