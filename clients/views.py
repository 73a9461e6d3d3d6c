from __future__ import annotations

import datetime as dt
import functools
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from audit.models import AccessAction
from audit.services import access_action_for, access_record
from interviews.choices import AppointmentStatus, DueState
from interviews.rules import job_search_period_around, job_search_short, month_of_index
from interviews.selectors import CASELOAD_DEFAULT_SORT, caseload_page
from plans.selectors import plan_history
from teams import access, policy
from teams.names import display_name

from . import services
from .forms import (
    CaseloadFilterForm,
    ClientContactForm,
    ClientRegisterForm,
    CodeSearchForm,
    StatusChangeForm,
)
from .models import Client
from .selectors import due_explanation, with_rule_set_in_force
from .services import client_status_change

access_log = logging.getLogger("teoffice.access")


def get_client_for_user(request: HttpRequest, pk: int, *, log: bool = True) -> Client:
    """The one way pages load a client: the access policy, then 404 for anything else.

    Loading a client is a look at its data: one access-log row (page, or partial for htmx).
    """
    client = access.record_for(
        request.user,
        with_rule_set_in_force(
            Client.objects.select_related("team__service_line__office", "responsible_adviser")
        ),
        pk=pk,
    )
    if log:
        access_record(request=request, clients=[client], action=access_action_for(request))
    return client


def require_work_with_client(request: HttpRequest, client: Client) -> None:
    """Writes (interviews, appointments, plans, status): members of the client's team only."""
    access.require_work_with(request.user, client)


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


def team_advisers(user) -> dict[int, str]:
    """{user id: name} of the advisers the user may filter the caseload by, in name order."""
    rows = (
        policy.advisers_visible_to(user)
        .order_by("first_name", "last_name", "pk")
        .values_list("pk", "first_name", "last_name", "username")
    )
    return {pk: display_name(first, last, username) for pk, first, last, username in rows}


@require_GET
@vary_on_headers("HX-Request")
def caseload(request: HttpRequest) -> HttpResponse:
    """The team's clients, most urgent first or sorted, with combinable filters and counts
    per state."""
    form = CaseloadFilterForm(request.GET, advisers=team_advisers(request.user))
    clients = form.filter_without_due_state(Client.objects.visible_to(request.user), request.user)
    return _caseload_render(
        request, form, clients, CodeSearchForm(), page_number=request.GET.get("page")
    )


@require_POST
def caseload_code_search(request: HttpRequest) -> HttpResponse:
    """The caseload narrowed to the client with an identity code, posted: the code stays out
    of URLs, the browser's history and the access log's paths."""
    code_form = CodeSearchForm(request.POST)
    form = CaseloadFilterForm({}, advisers=team_advisers(request.user))
    clients = code_form.filter(Client.objects.visible_to(request.user))
    return _caseload_render(request, form, clients, code_form, page_number=None)


def _caseload_render(
    request: HttpRequest,
    form: CaseloadFilterForm,
    clients,
    code_form: CodeSearchForm,
    *,
    page_number: str | None,
) -> HttpResponse:
    today = timezone.localdate()
    form.is_valid()
    sort = form.cleaned_data.get("sort") or CASELOAD_DEFAULT_SORT
    result = caseload_page(
        clients=clients,
        due_state=form.cleaned_data.get("due_state") or "",
        page_number=page_number,
        today=today,
        sort=sort,
    )
    page, counts = result.page, result.counts
    # One access-log row for the clients this page shows (the list is loaded here, once).
    access_record(request=request, clients=[c.pk for c in page], action=access_action_for(request))
    due_counts = [
        (value, label, counts[value], urlencode({**_filters(form), "due_state": value}))
        for value, label in DueState.choices
    ]
    context = {
        "form": form,
        "code_form": code_form,
        "page": page,
        "rows": _caseload_rows(page.object_list, today),
        "due_counts": due_counts,
        "columns": _caseload_columns(form, sort),
        "sort": sort,
        "today": today,
        "can_register": policy.membership_of(request.user) is not None,
    }
    template = "clients/caseload.html#results" if wants_fragment(request) else None
    return render(request, template or "clients/caseload.html", context)


def _caseload_columns(form: CaseloadFilterForm, sort: str) -> list[dict]:
    """The table's columns: for a sortable one, its aria-sort and the query of its link (the
    column's order, or the reverse when it is the current one), every filter kept."""
    kept = {**_filters(form)}
    if due_state := form.cleaned_data.get("due_state"):
        kept["due_state"] = due_state
    columns = []
    for label, key in (
        (_("Client"), "name"),
        (_("Due state"), None),
        (_("Next due"), "due"),
        (_("Last interview"), "last"),
        (_("Responsible adviser"), "adviser"),
        (_("Status"), None),
    ):
        column = {"label": label, "key": key, "aria_sort": None, "query": None}
        if key is not None:
            current = sort.removeprefix("-") == key
            descending = sort.startswith("-")
            if current:
                column["aria_sort"] = "descending" if descending else "ascending"
            column["query"] = urlencode(
                {**kept, "sort": f"-{key}" if current and not descending else key}
            )
        columns.append(column)
    return columns


@functools.lru_cache(maxsize=16)
def _caseload_labels(language: str | None) -> dict[str, dict[str, str]]:
    """The choice labels a caseload row shows, escaped, in `language` (the active one)."""
    field = Client._meta.get_field
    return {
        "due_state": {k: escape(v) for k, v in field("due_state").flatchoices},
        "status": {k: escape(v) for k, v in field("status").flatchoices},
        "channel": {k: f" · {escape(v)}" for k, v in field("last_channel").flatchoices},
    }


@functools.lru_cache(maxsize=8192)
def _short_date(value: dt.date, language: str | None) -> str:
    """A date as the active `language` writes it short, escaped (a pure function: cached)."""
    return escape(formats.date_format(value, "SHORT_DATE_FORMAT"))


class _JobSearchTags:
    """The caseload's job-search tag: a shortfall only for a review period that has ended
    (alarm style); otherwise the running period's progress, neutral; nothing before the
    obligation begins. The periods come from the row's figures (plans.selectors)."""

    def __init__(self, language: str | None, today: dt.date) -> None:
        self.language, self.today = language, today
        self.short_title = escape(_("Applications reported in the last ended period / required"))
        self.short_mark = _("Job search %(reported)s/%(required)s, period ended %(end)s")
        self.running_mark = _("%(reported)s/%(required)s so far, period ends %(end)s")
        self.running_title = escape(_("Job-search period running: applications reported so far"))

    def _day(self, value: dt.date) -> str:
        return _short_date(value, self.language)

    def tag(self, c) -> str:
        first = month_of_index(c.js_first_month)
        if first > self.today:
            return ""  # not begun (e.g. a lay-off's first months): the client page says when
        if job_search_short(c.js_obligation, c.js_last_reported):
            _start, end = job_search_period_around(first, c.js_period_months, self.today, back=1)
            text = self.short_mark % {
                "reported": c.js_last_reported,
                "required": c.js_obligation,
                "end": self._day(end),
            }
            return f' <span class="tag short" title="{self.short_title}">{escape(text)}</span>'
        _start, end = job_search_period_around(first, c.js_period_months, self.today)
        text = self.running_mark % {
            "reported": c.js_reported,
            "required": c.js_obligation,
            "end": self._day(end),
        }
        return f' <span class="tag js-running" title="{self.running_title}">{escape(text)}</span>'


def _caseload_rows(clients, today: dt.date) -> list[SafeString]:
    """The table's rows as HTML, every value escaped: labels, names and dates resolved once each.

    The caseload is the page advisers open all day. Through the template engine its 50 rows
    cost a dozen nodes each (variable lookups, `{% translate %}`, `{% blocktranslate %}`),
    most of the page's time; built here they cost one f-string each. The cells are the
    same as before and tests/web/test_caseload.py checks them.
    """
    language = get_language()
    labels = _caseload_labels(language)
    due_labels, status_labels = labels["due_state"], labels["status"]
    channel_labels = labels["channel"]
    url = reverse("clients:detail", args=[0])[:-2]  # ".../clients/" + pk + "/"
    unassigned = f'<span class="muted">{escape(_("Unassigned"))}</span>'
    job_search = _JobSearchTags(language, today)
    advisers: dict[int, str] = {}

    def day(value: dt.date | None) -> str:
        return "–" if value is None else _short_date(value, language)

    rows = []
    for c in clients:
        adviser = unassigned
        if (adviser_id := c.responsible_adviser_id) is not None:
            if adviser_id not in advisers:
                advisers[adviser_id] = escape(
                    display_name(
                        c.responsible_adviser__first_name,
                        c.responsible_adviser__last_name,
                        c.responsible_adviser__username,
                    )
                )
            adviser = advisers[adviser_id]
        status = status_labels.get(c.status) or escape(c.status)
        if c.js_obligation and c.js_first_month is not None:  # 0: nothing to follow up
            status += job_search.tag(c)
        due = escape(c.due_state)
        rows.append(
            mark_safe(
                f'<tr><td><a href="{url}{c.pk}/">{escape(c.last_name)}, {escape(c.first_name)}</a></td>'
                f'<td><span class="due due-{due}">{due_labels.get(c.due_state) or due}</span></td>'
                f"<td>{day(c.next_due_date)}</td>"
                f"<td>{day(c.last_held_on)}{channel_labels.get(c.last_channel, '')}</td>"
                f"<td>{adviser}</td><td>{status}</td></tr>"
            )
        )
    return rows


def _filters(form: CaseloadFilterForm) -> dict[str, str]:
    """The filters and sort of the page (not the due state), as the query string has them."""
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
    history = plan_history(client=client)
    return {
        "client": client,
        "due_explanation": due_explanation(client=client),
        "can_work": access.may_work_with(request.user, client),
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
    if not access.may_reveal_identity_code(request.user, client):
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
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Status changed."))
            return redirect("clients:detail", pk=client.pk)
    return render(
        request, "clients/detail.html", _detail_context(request, client, status_form=form)
    )


def _apply_errors(form, error: ValidationError) -> None:
    """A service's refusal next to the field it names (else above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
def client_register(request: HttpRequest) -> HttpResponse:
    """Register a new client in the adviser's own team. A person who is already a client in
    the adviser's scope is opened instead; one of another team is said to be so, not whose."""
    membership = policy.membership_of(request.user)
    if membership is None:
        raise PermissionDenied(_("Only a team's members register its clients."))
    team = membership.team
    members = {
        u.pk: u
        for u in get_user_model()
        .objects.filter(membership__team=team)
        .order_by("first_name", "last_name", "pk")
    }
    advisers = {
        pk: display_name(u.first_name, u.last_name, u.username) for pk, u in members.items()
    }
    form = ClientRegisterForm(
        request.POST or None,
        advisers=advisers,
        initial={"responsible_adviser": str(request.user.pk)},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        adviser_id = data.pop("responsible_adviser")
        try:
            client = services.client_register(
                user=request.user,
                team=team,
                responsible_adviser=members[int(adviser_id)] if adviser_id else None,
                **data,
            )
        except services.ClientExists as exists:
            if exists.client is None:
                _apply_errors(form, exists)
            else:
                messages.info(
                    request,
                    _("%(name)s is already a client: here is the client's page.")
                    % {"name": exists.client.full_name},
                )
                return redirect("clients:detail", pk=exists.client.pk)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Client registered."))
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/register.html", {"form": form, "team": team})


@require_http_methods(["GET", "POST"])
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the client's name, preferred language and contact details (team members)."""
    client = get_client_for_user(request, pk)
    require_work_with_client(request, client)
    fields = ["first_name", "last_name", "language", "phone", "email", "address"]
    form = ClientContactForm(request.POST or None, initial={f: getattr(client, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.client_contact_update(
                client=client, changed_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Details saved."))
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/edit.html", {"form": form, "client": client})
