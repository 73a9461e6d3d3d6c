"""Adviser and manager pages: the client's partner panel (consent, referrals, closing reports,
notifications) and the managers' partner register."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.services import access_action_for, access_record
from clients.models import Client
from notifications.models import Notification
from teams import access, policy

from . import services
from .forms import (
    ConsentForm,
    ContactPersonForm,
    PartnerForm,
    PartnerServiceForm,
    ReferralForm,
)
from .models import Consent, ContactPerson, Partner, PartnerService, Referral


def _client_for(request: HttpRequest, client_id: int, *, write: bool = False) -> Client:
    """The access policy, then 404; writes also need to be in the client's team."""
    return access.record_for(
        request.user, Client.objects.select_related("team"), pk=client_id, work=write
    )


def _panel(
    request: HttpRequest,
    client: Client,
    *,
    consent_form: Form | None = None,
    referral_form: Form | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    consents = list(
        client.consents.select_related("partner", "recorded_by", "revoked_by").order_by(
            "-recorded_at", "-id"
        )
    )
    referrals = list(
        client.referrals.select_related("service", "partner", "closing_report").order_by(
            "-sent_at", "-id"
        )
    )
    notifications = list(
        Notification.objects.filter(appointment__client=client)
        .select_related("appointment")
        .order_by("-created_at", "-id")[:20]
    )
    context = {
        "client": client,
        "today": today,
        "consents": consents,
        "referrals": referrals,
        "notifications": notifications,
        "needs_review": [r for r in referrals if r.needs_review],
        "can_write": access.may_work_with(request.user, client),
        "consent_form": consent_form or ConsentForm(initial={"valid_from": today}),
        "referral_form": referral_form or ReferralForm(),
    }
    template = "partners/client.html#panel" if request.htmx else "partners/client.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, client: Client) -> HttpResponse:
    if request.htmx:
        return _panel(request, client)
    return redirect("partners:client_panel", client_id=client.pk)


@require_GET
def client_panel(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for(request, client_id)
    access_record(clients=[client], action=access_action_for(request), request=request)
    return _panel(request, client)


@require_POST
def consent_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for(request, client_id, write=True)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(client=client, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, client)
    return _panel(request, client, consent_form=form)


@require_POST
def consent_revoke(request: HttpRequest, client_id: int, consent_id: int) -> HttpResponse:
    client = _client_for(request, client_id, write=True)
    consent = get_object_or_404(Consent, pk=consent_id, client=client)
    services.consent_revoke(consent=consent, revoked_by=request.user)
    return _done(request, client)


@require_POST
def referral_create(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client_for(request, client_id, write=True)
    form = ReferralForm(request.POST)
    if form.is_valid():
        try:
            services.referral_send(client=client, created_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(request, client)
    return _panel(request, client, referral_form=form)


@require_POST
def referral_reviewed(request: HttpRequest, client_id: int, referral_id: int) -> HttpResponse:
    client = _client_for(request, client_id, write=True)
    referral = get_object_or_404(Referral, pk=referral_id, client=client)
    services.referral_mark_reviewed(referral=referral, by=request.user)
    return _done(request, client)


# --- Managers: the partner register ------------------------------------------------------

MANAGE_FORMS = {"partner": PartnerForm, "service": PartnerServiceForm, "contact": ContactPersonForm}


def _require_manager(request: HttpRequest) -> None:
    if not policy.may_manage_partners(request.user):
        raise Http404


def _manage_page(request: HttpRequest, forms: dict[str, Form] | None = None) -> HttpResponse:
    partners = Partner.objects.prefetch_related(
        Prefetch("services", queryset=PartnerService.objects.order_by("name")),
        Prefetch("contacts", queryset=ContactPerson.objects.order_by("name")),
    )
    forms = {
        name: (forms or {}).get(name) or cls(prefix=name) for name, cls in MANAGE_FORMS.items()
    }
    return render(request, "partners/manage.html", {"partners": partners, "forms": forms})


@require_GET
def manage(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return _manage_page(request)


@require_POST
def manage_add(request: HttpRequest, what: str) -> HttpResponse:
    _require_manager(request)
    if what not in MANAGE_FORMS:
        raise Http404
    form = MANAGE_FORMS[what](request.POST, prefix=what)
    if form.is_valid():
        form.save()  # plain register rows with no side effects: the ModelForm is the write
        messages.success(request, _("Saved."))
        return redirect("partners:manage")
    return _manage_page(request, {what: form})
