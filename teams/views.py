from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.services import access_action_for, access_record
from clients.rebalance import team_clients_move
from reports.charts import Series, line_chart, nice_max
from reports.dashboard.moves import team_activity
from reports.dashboard.office import OFFICE_SORTS, service_line_overview
from reports.dashboard.rebalance import (
    advisers_by_id,
    move_destinations,
    move_preview,
    rebalance_clients,
)
from reports.dashboard.rows import suggest_receiver
from reports.dashboard.team import TeamDashboard, team_dashboard, team_members
from teoffice.db_routing import replica_reads

from . import policy, services
from .forms import MoveForm, RebalanceFilterForm, TargetCaseloadForm
from .models import Team


def get_team_for_user(request: HttpRequest, pk: int) -> Team:
    """The one way pages load a team: the access policy, then 404 for anything else."""
    return get_object_or_404(policy.teams_visible_to(request.user), pk=pk)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A member goes to their team's dashboard, a manager to the office view."""
    membership = policy.membership_of(request.user)
    if membership is not None:
        return redirect("teams:dashboard", pk=membership.team_id)
    if policy.is_manager(request.user):
        return redirect("teams:office")
    raise Http404


def trend_charts(dashboard: TeamDashboard) -> tuple[str, str]:
    labels = [formats.date_format(p.month, "M y") for p in dashboard.trend]
    line_name = str(dashboard.team.service_line)
    first, last = dashboard.trend[0], dashboard.trend[-1]
    coverage = line_chart(
        [
            Series(dashboard.team.name, [p.team.coverage_pct for p in dashboard.trend]),
            Series(line_name, [p.line.coverage_pct for p in dashboard.trend]),
        ],
        labels,
        y_max=100,
        title=_("Coverage per month: %(team)s against %(line)s")
        % {"team": dashboard.team.name, "line": line_name},
        desc=_(
            "%(team)s: %(team_first)s%% in %(first)s, %(team_last)s%% in %(last)s. "
            "%(line)s: %(line_first)s%% and %(line_last)s%%. The table below has every month."
        )
        % {
            "team": dashboard.team.name,
            "line": line_name,
            "first": labels[0],
            "last": labels[-1],
            "team_first": first.team.coverage_pct if first.team.required else "–",
            "team_last": last.team.coverage_pct if last.team.required else "–",
            "line_first": first.line.coverage_pct if first.line.required else "–",
            "line_last": last.line.coverage_pct if last.line.required else "–",
        },
    )
    per_adviser = [(p.team_held_per_adviser, p.line_held_per_adviser) for p in dashboard.trend]
    top = max([v for pair in per_adviser for v in pair if v is not None] or [1])
    held = line_chart(
        [
            Series(dashboard.team.name, [t for t, _line in per_adviser]),
            Series(line_name, [li for _t, li in per_adviser]),
        ],
        labels,
        y_max=nice_max(top),
        y_suffix="",
        title=_("Interviews held per adviser per month: %(team)s against %(line)s")
        % {"team": dashboard.team.name, "line": line_name},
        desc=_(
            "Held interviews divided by the number of advisers. The table below has every month."
        ),
    )
    return coverage, held


def render_dashboard(
    request: HttpRequest, team: Team, *, target_form: TargetCaseloadForm | None = None, status=200
) -> HttpResponse:
    today = timezone.localdate()
    dashboard = team_dashboard(team=team, today=today)
    coverage_chart, held_chart = trend_charts(dashboard)
    can_manage = policy.can_manage_team(request.user, team)
    if can_manage and target_form is None:
        target_form = TargetCaseloadForm(initial={"target_caseload": team.target_caseload})
    activity = team_activity(team=team, viewer=request.user)
    # The activity names moved clients: one access-log row for those shown.
    access_record(
        request=request,
        clients=[pk for batch in activity for pk in batch.client_ids],
        action=access_action_for(request),
    )
    return render(
        request,
        "teams/dashboard.html",
        {
            "team": team,
            "d": dashboard,
            "coverage_chart": coverage_chart,
            "held_chart": held_chart,
            "can_manage": can_manage,
            "target_form": target_form,
            "activity": activity,
        },
        status=status,
    )


@require_GET
@login_required
@replica_reads
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    return render_dashboard(request, get_team_for_user(request, pk))


@require_POST
@login_required
def target_update(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_team_for_user(request, pk)
    if not policy.can_manage_team(request.user, team):
        raise PermissionDenied(_("Only the team lead or a manager can change the target."))
    form = TargetCaseloadForm(request.POST)
    if form.is_valid():
        try:
            services.team_target_set(
                team=team,
                target_caseload=form.cleaned_data["target_caseload"],
                changed_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The target caseload is now %(n)s.") % {"n": team.target_caseload}
            )
            return redirect("teams:dashboard", pk=team.pk)
    return render_dashboard(request, team, target_form=form, status=400)


def _rebalance_context(request: HttpRequest, team: Team) -> dict:
    today = timezone.localdate()
    members = team_members(team=team, today=today)
    filter_form = RebalanceFilterForm(
        request.GET or {"which": "overdue"}, members=[(m.key, m.name) for m in members]
    )
    adviser, which = filter_form.values()
    clients = rebalance_clients(team=team, today=today, adviser=adviser, which=which)
    shown = list(clients[: REBALANCE_LIST_LIMIT + 1])
    access_record(
        request=request,
        clients=shown[:REBALANCE_LIST_LIMIT],
        action=access_action_for(request),
    )
    exclude = [adviser] if isinstance(adviser, int) else []
    return {
        "team": team,
        "today": today,
        "members": members,
        "filter_form": filter_form,
        "clients": shown[:REBALANCE_LIST_LIMIT],
        "more": len(shown) > REBALANCE_LIST_LIMIT,
        "limit": REBALANCE_LIST_LIMIT,
        "suggested": suggest_receiver(members, exclude=exclude),
        "destinations": move_destinations(user=request.user, team=team),
    }


REBALANCE_LIST_LIMIT = 200


@require_GET
@login_required
def rebalance(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose clients (a filter, then checkboxes) and who takes them over."""
    team = get_team_for_user(request, pk)
    context = _rebalance_context(request, team)
    suggested = context["suggested"]
    context["form"] = MoveForm(None, destinations=context["destinations"])
    context["selected_to"] = suggested.key if suggested else None
    return render(request, "teams/rebalance.html", context)


def _bound_move_form(request: HttpRequest, team: Team) -> tuple[MoveForm, list]:
    destinations = move_destinations(user=request.user, team=team)
    return MoveForm(request.POST, destinations=destinations), destinations


@require_POST
@login_required
def rebalance_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The effect of the move on each adviser's load, before it is confirmed."""
    team = get_team_for_user(request, pk)
    form, _destinations = _bound_move_form(request, team)
    if form.is_valid():
        to_adviser = advisers_by_id(ids=[form.cleaned_data["to_adviser"]]).get(
            form.cleaned_data["to_adviser"]
        )
        try:
            preview = move_preview(
                team=team,
                client_ids=form.cleaned_data["clients"],
                to_adviser=to_adviser,
                today=timezone.localdate(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            access_record(
                request=request, clients=preview.clients, action=access_action_for(request)
            )
            return render(
                request, "teams/preview.html", {"team": team, "preview": preview, "form": form}
            )
    context = _rebalance_context(request, team)
    context["form"] = form
    context["selected_to"] = form.data.get("to_adviser")
    context["checked"] = set(request.POST.getlist("clients"))
    return render(request, "teams/rebalance.html", context, status=400)


@require_POST
@login_required
def rebalance_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_team_for_user(request, pk)
    form, _destinations = _bound_move_form(request, team)
    if not form.is_valid():
        messages.error(
            request, _("The move was not made: choose the clients and an adviser again.")
        )
        return redirect("teams:rebalance", pk=team.pk)
    to_adviser = advisers_by_id(ids=[form.cleaned_data["to_adviser"]])[
        form.cleaned_data["to_adviser"]
    ]
    try:
        moved = team_clients_move(
            team=team,
            client_ids=form.cleaned_data["clients"],
            to_adviser=to_adviser,
            moved_by=request.user,
        )
    except ValidationError:
        messages.error(request, _("None of the chosen clients could be moved."))
        return redirect("teams:rebalance", pk=team.pk)
    messages.success(
        request,
        ngettext(
            "Moved %(n)d client to %(name)s.",
            "Moved %(n)d clients to %(name)s.",
            moved,
        )
        % {"n": moved, "name": to_adviser.get_full_name() or to_adviser.username},
    )
    return redirect(reverse("teams:dashboard", args=[team.pk]) + "#activity")


@require_GET
@login_required
@replica_reads
def office(request: HttpRequest) -> HttpResponse:
    """Managers: every team of a service line side by side, sorted on the server."""
    if not policy.is_manager(request.user):
        raise Http404
    lines = policy.service_lines_visible_to(request.user)
    if not lines:
        raise Http404
    line_id = request.GET.get("line", "")
    line = next((li for li in lines if str(li.pk) == line_id), lines[0])
    sort = request.GET.get("sort", "name")
    sort = sort if sort in OFFICE_SORTS else "name"
    descending = request.GET.get("dir") == "desc"
    rows = service_line_overview(
        line=line, today=timezone.localdate(), sort=sort, descending=descending
    )
    sorts = [
        (key, label, "asc" if sort == key and descending else ("desc" if sort == key else default))
        for key, label, default in [
            ("name", _("Team"), "asc"),
            ("coverage", _("Coverage"), "asc"),
            ("overdue", _("Overdue"), "desc"),
            ("load", _("Load"), "desc"),
        ]
    ]
    return render(
        request,
        "teams/office.html",
        {
            "lines": lines,
            "line": line,
            "rows": rows,
            "sort": sort,
            "descending": descending,
            "sorts": {key: (label, next_dir) for key, label, next_dir in sorts},
            "today": timezone.localdate(),
        },
    )
