"""Pages for the interview rules: contact attempts and job-search reports on the client page,
the manager's choice of an office's rule set, the missed-contacts report and the list of
clients who fell short of their job-search obligation in their last ended review period."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import access_action_for, access_record
from clients.models import Client
from clients.views import get_client_for_user, require_work_with_client, wants_fragment
from plans.selectors import job_search_of_client, job_search_reports, job_search_shortfalls
from plans.services import job_search_report_record
from teams import access, policy

from . import rules, rulesets
from .models import OfficeRuleSet
from .rule_forms import ContactAttemptForm, JobSearchReportForm, OfficeRuleSetForm, PeriodForm
from .selectors import missed_contacts
from .services import contact_attempt_record, office_rule_set_choose


def _apply_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@require_http_methods(["GET", "POST"])
def contact_attempts(request: HttpRequest, client_pk: int) -> HttpResponse:
    """The client's contact attempts (a part of the client page), and recording one."""
    client = get_client_for_user(request, client_pk)
    can_work = access.may_work_with(request.user, client)
    form = ContactAttemptForm(request.POST or None)
    if request.method == "POST":
        require_work_with_client(request, client)
        if form.is_valid():
            data = form.cleaned_data
            try:
                contact_attempt_record(
                    client=client,
                    adviser=request.user,
                    attempted_at=data["attempted_at"],
                    channel=data["channel"],
                    result=data["result"],
                    notice_sent_at=data["notice_sent_at"],
                    notes=data["notes"],
                    submission_key=data["submission_key"],
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if not wants_fragment(request):
                    return redirect("clients:detail", client.pk)
                form = ContactAttemptForm()
    attempts = client.contact_attempts.select_related("adviser")[:50]
    context = {"client": client, "attempts": attempts, "form": form, "can_work": can_work}
    return render(request, "interviews/_contact_attempts.html", context)


@require_http_methods(["GET", "POST"])
def job_search(request: HttpRequest, client_pk: int) -> HttpResponse:
    """The job-search obligation and the client's monthly reports (a part of the client
    page), and recording a month's report."""
    client = get_client_for_user(request, client_pk)
    can_work = access.may_work_with(request.user, client)
    today = timezone.localdate()
    form = JobSearchReportForm(
        request.POST or None, initial={"month": rules.month_start(today).strftime("%Y-%m")}
    )
    if request.method == "POST":
        require_work_with_client(request, client)
        if form.is_valid():
            try:
                job_search_report_record(
                    client=client,
                    month=form.cleaned_data["month"],
                    applications=form.cleaned_data["applications"],
                    recorded_by=request.user,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if not wants_fragment(request):
                    return redirect("clients:detail", client.pk)
    context = {
        "client": client,
        "form": form,
        "can_work": can_work,
        "obligation": job_search_of_client(client=client, today=today),
        "reports": job_search_reports(client=client),
    }
    return render(request, "plans/_job_search.html", context)


@require_http_methods(["GET", "POST"])
def office_rule_sets(request: HttpRequest) -> HttpResponse:
    """A manager chooses which rule set an office follows from which date."""
    offices = policy.offices_managed_by(request.user)
    if not offices.exists():
        raise PermissionDenied(_("Only an office's manager can choose its rule set."))
    form = OfficeRuleSetForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        office_rule_set_choose(
            office=data["office"],
            code=data["code"],
            effective_from=data["effective_from"],
            chosen_by=request.user,
        )
        return redirect("interviews:office_rule_sets")
    labels = dict(rulesets.CHOICES)
    chosen = [
        {"row": row, "label": labels[row.code]}
        for row in OfficeRuleSet.objects.filter(office__in=offices).select_related(
            "office", "chosen_by"
        )
    ]
    context = {
        "form": form,
        "chosen": chosen,
        "rule_sets": rulesets.all_rule_sets(),
        "law": [rulesets.get(code) for code in rulesets.LAW],
    }
    return render(request, "interviews/office_rule_sets.html", context)


@require_GET
def missed_contacts_report(request: HttpRequest) -> HttpResponse:
    """Missed contacts (attempts that did not reach the client) for a period, with evidence."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": rules.month_start(today), "end": today})
    attempts = []
    if form.is_valid():
        attempts = missed_contacts(
            clients=Client.objects.visible_to(request.user),
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
        )
    access_record(
        request=request,
        clients=[a.client_id for a in attempts],
        action=access_action_for(request),
    )
    return render(request, "interviews/missed_contacts.html", {"form": form, "attempts": attempts})


@require_GET
def fallen_short(request: HttpRequest) -> HttpResponse:
    """The visible clients whose last ended review period fell short of their plan's
    obligation (the caseload's "fell short" filter)."""
    rows = job_search_shortfalls(
        Client.objects.visible_to(request.user).with_list_columns(),
        today=timezone.localdate(),
        limit=200,
    )
    access_record(
        request=request, clients=[r.client for r in rows], action=access_action_for(request)
    )
    return render(request, "interviews/fallen_short.html", {"rows": rows})
