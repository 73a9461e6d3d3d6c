"""Pages for the daily loop: the start page (my work), log an interview with its plan, book
and keep appointments."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import access_action_for, access_record
from clients.models import Client
from clients.views import get_client_for_user, require_work_with_client, wants_fragment
from plans.services import PlanConflict
from teams import access, policy

from . import rules, services
from .choices import AppointmentStatus
from .forms import AppointmentCancelForm, AppointmentForm, InterviewLogForms
from .models import Appointment
from .selectors import (
    MISSED_CONTACT_DAYS,
    my_work_querysets,
    my_work_section,
    upcoming_appointments,
)
from .selectors import adviser_week as adviser_week_slots

UPCOMING_DAYS = (1, 7, 14, 30, 90)


def get_appointment_for_user(request: HttpRequest, pk: int) -> Appointment:
    """Appointments through the client access policy: another team's answers 404.

    An appointment shows its client: one access-log row, as for loading the client.
    """
    appointment = access.record_for(
        request.user, Appointment.objects.select_related("client__team", "adviser"), pk=pk
    )
    access_record(
        request=request, clients=[appointment.client_id], action=access_action_for(request)
    )
    return appointment


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _next_url(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return default


def _client_advisers(client: Client) -> list:
    return list(
        get_user_model()
        .objects.filter(membership__team_id=client.team_id)
        .order_by("first_name", "last_name", "pk")
    )


def suggested_start(due: dt.date | None) -> dt.datetime:
    """A time around the due date: a working day (no weekend, no Finnish public holiday) a
    week before it, at 10:00, never past."""
    today = timezone.localdate()
    day = (due - dt.timedelta(days=7)) if due else today + dt.timedelta(days=7)
    day = rules.next_working_day(max(day, today + dt.timedelta(days=1)))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


# --- Logging an interview ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def interview_log(request: HttpRequest, client_pk: int) -> HttpResponse:
    """One form: the interview and, when held, the plan revision and an optional referral
    to a partner; saved atomically (a refused referral saves nothing)."""
    client = get_client_for_user(request, client_pk)
    require_work_with_client(request, client)
    posted = request.method == "POST"
    appointment = _appointment_of(
        client, (request.POST if posted else request.GET).get("appointment")
    )
    forms = InterviewLogForms(
        request.POST if posted else None, client=client, appointment=appointment
    )
    if forms.is_valid():
        try:
            interview, created = services.interview_log(
                client=client,
                adviser=request.user,
                appointment=appointment,
                **forms.interview_values(),
            )
        except (PlanConflict, ValidationError) as error:
            forms.refused(error)
        else:
            if created:
                messages.success(request, _("Interview saved."))
            else:
                messages.info(request, _("This interview was already saved."))
            url = reverse("interviews:appointment_book", args=[client.pk])
            return _redirect(request, f"{url}?after={interview.pk}")
    context = {"client": client, "appointment": appointment, **forms.context()}
    template = "interviews/log.html#form" if wants_fragment(request) else "interviews/log.html"
    return render(request, template, context)


def _cancelled_appointment_of(client: Client, value: str | None) -> Appointment | None:
    if not value or not value.isdigit():
        return None
    return client.appointments.filter(status=AppointmentStatus.CANCELLED, pk=int(value)).first()


def _appointment_of(client: Client, value: str | None) -> Appointment | None:
    if not value:
        return None
    try:
        pk = int(value)
    except ValueError:
        return None
    return get_object_or_404(client.appointments.select_related("adviser"), pk=pk)


# --- Appointments --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def appointment_book(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = get_client_for_user(request, client_pk)
    require_work_with_client(request, client)
    advisers = _client_advisers(client)
    if request.method == "POST":
        form = AppointmentForm(request.POST, advisers=advisers)
        if form.is_valid():
            try:
                services.appointment_book(
                    client=client,
                    adviser=form.chosen_adviser,
                    booked_by=request.user,
                    starts_at=form.cleaned_data["starts_at"],
                    channel=form.cleaned_data["channel"],
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    place=form.cleaned_data["place"],
                    video_link=form.cleaned_data["video_link"],
                    submission_key=form.cleaned_data["submission_key"],
                    off_hours_confirmed=form.cleaned_data["book_anyway"],
                )
            except ValidationError as error:
                form.refused(error)
            else:
                messages.success(request, _("Appointment booked."))
                return _redirect(request, reverse("clients:detail", args=[client.pk]))
    else:
        initial = {
            "starts_at": timezone.localtime(suggested_start(client.next_due_date)),
            "channel": client.last_channel or None,
            "adviser": str(request.user.pk),
        }
        again = _cancelled_appointment_of(client, request.GET.get("again"))
        if again is not None:  # "book again": the cancelled appointment's details, a new time
            initial.update(
                channel=again.channel,
                duration_minutes=again.duration_minutes,
                place=again.place,
                video_link=again.video_link,
                adviser=str(again.adviser_id),
            )
        form = AppointmentForm(advisers=advisers, initial=initial)
    context = {
        "client": client,
        "form": form,
        "after_interview": request.GET.get("after"),
        "action": reverse("interviews:appointment_book", args=[client.pk]),
    }
    template = "interviews/book.html#form" if wants_fragment(request) else "interviews/book.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def appointment_move(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_user(request, pk)
    client = appointment.client
    require_work_with_client(request, client)
    advisers = [appointment.adviser]
    if request.method == "POST":
        data = request.POST.copy()
        data["adviser"] = str(appointment.adviser_id)
        form = AppointmentForm(data, advisers=advisers)
        if form.is_valid():
            try:
                services.appointment_move(
                    appointment=appointment,
                    starts_at=form.cleaned_data["starts_at"],
                    channel=form.cleaned_data["channel"],
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    place=form.cleaned_data["place"],
                    video_link=form.cleaned_data["video_link"],
                    moved_by=request.user,
                    off_hours_confirmed=form.cleaned_data["book_anyway"],
                )
            except ValidationError as error:
                form.refused(error)
            else:
                messages.success(request, _("Appointment moved."))
                return _redirect(request, reverse("clients:detail", args=[client.pk]))
    else:
        form = AppointmentForm(
            advisers=advisers,
            initial={
                "starts_at": timezone.localtime(appointment.starts_at),
                "duration_minutes": appointment.duration_minutes,
                "channel": appointment.channel,
                "place": appointment.place,
                "video_link": appointment.video_link,
                "adviser": str(appointment.adviser_id),
            },
        )
    form.fields["adviser"].disabled = True
    context = {
        "client": client,
        "form": form,
        "appointment": appointment,
        "action": reverse("interviews:appointment_move", args=[appointment.pk]),
    }
    template = "interviews/book.html#form" if wants_fragment(request) else "interviews/book.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling asks for confirmation and a reason (GET shows the form); the client is told."""
    appointment = get_appointment_for_user(request, pk)
    require_work_with_client(request, appointment.client)
    next_url = _next_url(request, reverse("clients:detail", args=[appointment.client_id]))
    if appointment.status == AppointmentStatus.CANCELLED:  # a second submit changes nothing
        messages.info(request, _("The appointment is already cancelled."))
        return redirect(next_url)
    form = AppointmentCancelForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment,
                cancelled_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Appointment cancelled. The client is sent a message."))
        return redirect(next_url)
    context = {"appointment": appointment, "client": appointment.client, "form": form}
    context["next"] = next_url
    return render(request, "interviews/cancel.html", context, status=400 if form.errors else 200)


@require_POST
def appointment_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for_user(request, pk)
    require_work_with_client(request, appointment.client)
    if appointment.starts_at > timezone.now():
        messages.error(request, _("A no-show can be recorded only once the time has come."))
    else:
        try:
            services.appointment_no_show(appointment=appointment, adviser=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("No-show recorded."))
    return redirect(_next_url(request, reverse("clients:detail", args=[appointment.client_id])))


@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    """Booked appointments from the start of today for the next days: mine and my team's."""
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        days = 7
    if days not in UPCOMING_DAYS:
        days = 7
    rows = list(
        upcoming_appointments(
            clients=Client.objects.visible_to(request.user), today=timezone.localdate(), days=days
        )
    )
    access_record(
        request=request, clients=[a.client_id for a in rows], action=access_action_for(request)
    )
    context = {
        "days": days,
        "day_choices": UPCOMING_DAYS,
        "mine": [a for a in rows if a.adviser_id == request.user.pk],
        "team": rows,
        "now": timezone.now(),
    }
    return render(request, "interviews/appointments.html", context)


# --- My work: the start page of advisers and team leads ---------------------------------------


@require_GET
def my_work(request: HttpRequest) -> HttpResponse:
    """What to do today: interviews due, appointments, plan actions, closing reports and
    missed contacts of the team's clients (or only mine), each row one click from its action.
    A user in no team (a manager) keeps the caseload as the landing page."""
    if policy.membership_of(request.user) is None:
        return redirect("clients:caseload")
    today = timezone.localdate()
    mine = request.GET.get("whose") == "mine"
    clients = Client.objects.visible_to(request.user)
    if mine:
        clients = clients.filter(responsible_adviser=request.user)
    sections = {
        name: my_work_section(queryset)
        for name, queryset in my_work_querysets(clients=clients, today=today).items()
    }
    if not mine:  # the menu's count is the team's: it is the sum of these sections
        request.my_work_total = sum(section.total for section in sections.values())
    shown = {c.pk for c in sections["interviews"].rows}
    shown |= {a.client_id for a in sections["appointments"].rows}
    shown |= {a.version.plan.client_id for a in sections["actions"].rows}
    shown |= {r.client_id for r in sections["reviews"].rows}
    shown |= {m.client_id for m in sections["missed"].rows}
    shown |= {c.pk for c in sections["shortfalls"].rows}
    for c in sections["shortfalls"].rows:  # the ended period each row fell short in
        c.period_start, c.period_end = rules.job_search_period_around(
            rules.month_of_index(c.js_first_month), c.js_period_months, today, back=1
        )
    access_record(request=request, clients=shown, action=access_action_for(request))
    context = {
        **sections,
        "mine": mine,
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "missed_days": MISSED_CONTACT_DAYS,
    }
    return render(request, "interviews/my_work.html", context)


@require_GET
def adviser_week(request: HttpRequest) -> HttpResponse:
    """An adviser's booked slots Monday to Sunday, a list per day (the adviser: `?adviser=`,
    one the user may see, else the user; the week: `?week=2026-W50`, else this week).
    A slot names its client only when the user may see that client."""
    advisers = list(policy.advisers_visible_to(request.user).order_by("first_name", "last_name"))
    by_pk = {str(u.pk): u for u in advisers}
    adviser = by_pk.get(request.GET.get("adviser", ""), request.user)
    today = timezone.localdate()
    try:
        monday = dt.datetime.strptime(request.GET.get("week", "") + "-1", "%G-W%V-%u").date()
    except ValueError:
        monday = today - dt.timedelta(days=today.weekday())
    days = adviser_week_slots(adviser_id=adviser.pk, monday=monday)
    visible = set(
        Client.objects.visible_to(request.user)
        .filter(pk__in=[a.client_id for d in days for a in d.appointments])
        .values_list("pk", flat=True)
    )
    access_record(request=request, clients=sorted(visible), action=access_action_for(request))
    context = {
        "adviser": adviser,
        "advisers": advisers,
        "days": days,
        "visible": visible,
        "monday": monday,
        "week": monday.strftime("%G-W%V"),
        "previous": (monday - dt.timedelta(days=7)).strftime("%G-W%V"),
        "next": (monday + dt.timedelta(days=7)).strftime("%G-W%V"),
        "today": today,
    }
    return render(request, "interviews/week.html", context)
