from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from audit.models import AccessAction
from audit.services import access_action_for, access_record
from interviews.choices import AppointmentStatus, DueState
from plans.views import plan_history
from teams import policy

from .forms import CaseloadFilterForm, StatusChangeForm
from .models import Client
from .services import client_status_change

access_log = logging.getLogger("teoffice.access")

PAGE_SIZE = 50


def get_client_for_user(request: HttpRequest, pk: int, *, log: bool = True) -> Client:
    """The one way pages load a client: the access policy, then 404 for anything else.

    Loading a client is a look at its data: one access-log row (page, or partial for htmx).
    """
    client = get_object_or_404(
        policy.clients_visible_to(request.user).select_related(
            "team__service_line__office", "responsible_adviser"
        ),
        pk=pk,
    )
    if log:
        access_record(request=request, clients=[client], action=access_action_for(request))
    return client


def require_work_with_client(request: HttpRequest, client: Client) -> None:
    """Writes (interviews, appointments, plans, status): members of the client's team only."""
    if not policy.can_work_with_client(request.user, client):
        raise PermissionDenied(_("Only the client's team can do this."))


def identity_code_reveal_record(*, request: HttpRequest, client: Client) -> None:
    """Every look at a full identity code is recorded (who, whom, when)."""
    access_record(request=request, clients=[client], action=AccessAction.IDENTITY_REVEAL)
    access_log.info(
        "identity code revealed",
        extra={"user_id": request.user.pk, "client_id": client.pk, "at": timezone.now()},
    )


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for a fragment; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def team_advisers(user) -> list:
    return list(policy.advisers_visible_to(user).order_by("first_name", "last_name", "pk"))


@require_GET
@vary_on_headers("HX-Request")
def caseload(request: HttpRequest) -> HttpResponse:
    """The team's clients, most urgent first, with combinable filters and counts per state."""
    form = CaseloadFilterForm(request.GET, advisers=team_advisers(request.user))
    visible = policy.clients_visible_to(request.user)
    filtered = form.filter_without_due_state(visible, request.user)
    counts = filtered.aggregate(
        **{state: Count("pk", filter=Q(due_state=state)) for state in DueState.values}
    )
    clients = form.filter_due_state(filtered).with_list_columns()
    if "js_short" not in clients.query.annotations:  # not already there from the filter
        # Subqueries in the SELECT list: evaluated for the page's rows only (after LIMIT).
        clients = clients.with_job_search(timezone.localdate())
    clients = clients.order_by(F("next_due_date").asc(nulls_last=True), "id")
    paginator = Paginator(clients, PAGE_SIZE)
    chosen = form.cleaned_data.get("due_state")
    paginator.count = counts[chosen] if chosen else sum(counts.values())  # no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    # One access-log row for the clients this page shows (the list is loaded here, once).
    access_record(request=request, clients=list(page), action=access_action_for(request))
    due_counts = [
        (value, label, counts[value], urlencode({**_filters(form), "due_state": value}))
        for value, label in DueState.choices
    ]
    context = {
        "form": form,
        "page": page,
        "rows": _caseload_rows(page.object_list),
        "due_counts": due_counts,
        "today": timezone.localdate(),
    }
    template = "clients/caseload.html#results" if wants_fragment(request) else None
    return render(request, template or "clients/caseload.html", context)


def _caseload_rows(clients: list[Client]) -> list[tuple]:
    """The table's cells, as plain strings: labels, names and dates are resolved once each.

    Rendering 50 rows through attribute lookups, `{% url %}`, `get_*_display` and the `date`
    filter cost most of the page; this builds the same cells with one `reverse`, one label per
    choice and one localized format per distinct date.
    """
    field = Client._meta.get_field
    due_labels = {k: str(v) for k, v in field("due_state").flatchoices}
    status_labels = {k: str(v) for k, v in field("status").flatchoices}
    channel_labels = {k: str(v) for k, v in field("last_channel").flatchoices}
    url = reverse("clients:detail", args=[0])[:-2]  # ".../clients/" + pk + "/"
    dates: dict[dt.date | None, str] = {None: "–"}
    advisers: dict[int, str] = {}

    def day(value: dt.date | None) -> str:
        if value not in dates:
            dates[value] = formats.date_format(value, "SHORT_DATE_FORMAT")
        return dates[value]

    rows = []
    for c in clients:
        adviser = c.responsible_adviser
        if adviser is not None and adviser.pk not in advisers:
            advisers[adviser.pk] = adviser.get_full_name() or adviser.username
        rows.append(
            (
                f"{url}{c.pk}/",
                c.last_name,
                c.first_name,
                c.due_state,
                due_labels.get(c.due_state, c.due_state),
                day(c.next_due_date),
                day(c.last_held_on),
                channel_labels.get(c.last_channel, c.last_channel) if c.last_channel else "",
                advisers[adviser.pk] if adviser is not None else None,
                status_labels.get(c.status, c.status),
                (c.js_reported, c.js_obligation) if c.js_short else None,
            )
        )
    return rows


def _filters(form: CaseloadFilterForm) -> dict[str, str]:
    return {
        name: value
        for name in form.fields
        if name != "due_state" and (value := form.data.get(name, ""))
    }


def _timeline(client: Client) -> tuple[list[dict], list]:
    """Interviews, appointments and partner referrals, newest first: one query each."""
    interviews = list(client.interviews.select_related("adviser"))
    appointments = list(client.appointments.select_related("adviser").order_by("-starts_at"))
    referrals = list(client.referrals.select_related("partner", "service", "created_by"))
    entries = [{"kind": "interview", "at": i.held_at, "item": i} for i in interviews]
    entries += [{"kind": "appointment", "at": a.starts_at, "item": a} for a in appointments]
    entries += [{"kind": "referral", "at": r.sent_at, "item": r} for r in referrals]
    entries.sort(key=lambda e: e["at"], reverse=True)
    booked = sorted(
        (a for a in appointments if a.status == AppointmentStatus.BOOKED),
        key=lambda a: a.starts_at,
    )
    return entries, booked


def _detail_context(request: HttpRequest, client: Client, **extra) -> dict:
    timeline, booked = _timeline(client)
    history = plan_history(client)
    return {
        "client": client,
        "can_work": policy.can_work_with_client(request.user, client),
        "status_changes": list(client.status_changes.select_related("changed_by")),
        "timeline": timeline,
        "booked": booked,
        "plan_history": history,
        "current_plan": history[0][0] if history else None,
        "now": timezone.now(),
        "status_form": StatusChangeForm(initial={"status": client.status}),
        **extra,
    }


@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_user(request, pk)
    return render(request, "clients/detail.html", _detail_context(request, client))


@require_POST
def identity_code_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_user(request, pk, log=False)  # logged as the reveal below
    if not policy.may_reveal_identity_code(request.user, client):
        raise PermissionDenied(_("Only the client's team may see the full identity code."))
    identity_code_reveal_record(request=request, client=client)
    if wants_fragment(request):
        return render(
            request, "clients/detail.html#identity_code", {"client": client, "revealed": True}
        )
    return render(request, "clients/detail.html", _detail_context(request, client, revealed=True))


@require_POST
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    client = get_client_for_user(request, pk)
    require_work_with_client(request, client)
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        try:
            client_status_change(
                client=client,
                status=form.cleaned_data["status"],
                effective_on=form.cleaned_data["effective_on"],
                changed_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("clients:detail", pk=client.pk)
    return render(
        request, "clients/detail.html", _detail_context(request, client, status_form=form)
    )
