"""The partner portal: a partner's users see only clients referred to their organisation
while the client's consent is valid (Referral.objects.for_portal), and nothing else."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.models import AccessAction
from audit.services import access_record

from . import services
from .forms import ClosingReportForm, DeclineForm
from .models import Consent, Partner, Referral, ReferralStatus


def _partner(request: HttpRequest) -> Partner:
    partner = Partner.objects.of_user(request.user)
    if partner is None:
        raise Http404
    return partner


def _referral(request: HttpRequest, pk: int) -> tuple[Partner, Referral]:
    partner = _partner(request)
    return partner, get_object_or_404(Referral.objects.for_portal(partner), pk=pk)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    partner = _partner(request)
    referrals = list(Referral.objects.for_portal(partner).order_by("-sent_at", "-id"))
    access_record(
        clients=[r.client_id for r in referrals], action=AccessAction.PAGE, request=request
    )
    return render(request, "portal/home.html", {"partner": partner, "referrals": referrals})


def _detail(
    request: HttpRequest,
    partner: Partner,
    referral: Referral,
    *,
    report_form: Form | None = None,
    decline_form: Form | None = None,
) -> HttpResponse:
    context = {
        "partner": partner,
        "referral": referral,
        # The client's phone and e-mail only under a consent that covers contact details.
        "contact_details": Consent.objects.cover_contact_details(
            client_id=referral.client_id, partner_id=partner.pk, day=timezone.localdate()
        ),
        "report_form": report_form or ClosingReportForm(),
        "decline_form": decline_form or DeclineForm(),
    }
    return render(request, "portal/referral.html", context)


@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner, referral = _referral(request, pk)
    access_record(clients=[referral.client_id], action=AccessAction.PAGE, request=request)
    return _detail(request, partner, referral)


def _transition(
    request: HttpRequest, pk: int, status: str, done: str, note: str = ""
) -> HttpResponse:
    _partner_obj, referral = _referral(request, pk)
    try:
        services.referral_transition(referral=referral, status=status, by=request.user, note=note)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("portal:referral", pk=referral.pk)


@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, ReferralStatus.ACCEPTED, _("Referral accepted."))


@require_POST
def referral_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, ReferralStatus.STARTED, _("Service started."))


@require_POST
def referral_decline(request: HttpRequest, pk: int) -> HttpResponse:
    partner, referral = _referral(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _detail(request, partner, referral, decline_form=form)
    return _transition(
        request,
        pk,
        ReferralStatus.DECLINED,
        _("Referral declined."),
        note=form.cleaned_data["reason"],
    )


@require_POST
def closing_report(request: HttpRequest, pk: int) -> HttpResponse:
    partner, referral = _referral(request, pk)
    form = ClosingReportForm(request.POST)
    if form.is_valid():
        try:
            services.closing_report_file(
                referral=referral, filed_by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Closing report filed. Thank you."))
            return redirect("portal:referral", pk=referral.pk)
    return _detail(request, partner, referral, report_form=form)
