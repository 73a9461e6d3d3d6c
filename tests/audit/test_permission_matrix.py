"""The permission matrix over EVERY route, for every role, with objects of two teams (IDOR).

Routes come from the URL resolver, so a new route is covered by construction: the
`test_every_route_is_in_the_matrix` test fails until the route has a row in ROUTES (or is
listed in PUBLIC). Each row says how to build the URL for an object of a given team and which
policy applies; each policy says, for each role and that role's relation to the object's team,
what the answer must be:

- "ok": allowed (2xx, 3xx elsewhere than the sign-in page, or 400 for bad input);
- "login": anonymous: sent to the sign-in page (pages) or 401/403 (API);
- "denied": 403 or 404 (a role that may not use the page at all);
- "hidden": exactly 404, as for an id that does not exist (another team's object: no hint).

World: office 1 with teams A and B, office 2 with team C. Roles: anonymous, adviser and
teammate (A), team lead (A), outsider (adviser in B), manager (office 1), manager of another
office (office 2), partner user (a coaching provider), administrator (superuser).
Objects are made fresh for each request, in team A ("own" for A's members) and team B
("another team's"), so one role's write never changes what the next role sees.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as Browser
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from audit.models import AccessLog
from clients.models import ImportRecord
from interviews.choices import Channel
from interviews.models import Appointment
from partners.models import Consent, ConsentMethod, Partner, PartnerService, PartnerUser
from partners.services import referral_send
from plans.services import PlanInput, plan_revise
from reports.models import StoredReport
from teams.models import ManagerScope, Office, Role, ServiceLine, Team
from tests.conftest import make_client, make_interview, make_user

# --- Routes from the resolver ---------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield prefix + str(pattern.pattern), name


def all_routes() -> list[tuple[str, str | None]]:
    return list(_walk(get_resolver()))


def route_key(route: str, name: str | None) -> str:
    """Routes are known by name; the admin's by the `admin:` namespace; an unnamed one by path."""
    if (name and name.startswith("admin:")) or route.startswith("admin/"):
        return "admin:*"
    return name or route


# Open to everyone, signed in or not. Each is a deliberate choice.
PUBLIC = {
    "health",  # liveness for the container
    "ready",  # readiness for the container
    "login",
    "logout",  # POST; signs out whoever is signed in
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "api:schema",  # the OpenAPI document: no data
    "api:docs",  # Swagger UI page: no data
    "api/^(?P<path>.*)$",  # the API's JSON 404 for unknown paths
    "set_language",  # POST: the language of the pages (kept in a cookie or the profile)
    "accessibility",  # the accessibility statement, required to be public
    "oidc_authentication_init",
    "oidc_authentication_callback",
}


# --- The world ------------------------------------------------------------------------------


@dataclass
class Objects:
    """Fresh objects of one team for one request."""

    team: Team
    client: object
    appointment: object
    interview: object
    plan: object
    consent: object
    referral: object
    import_record: object
    stored_report: object


@dataclass
class World:
    office: Office
    other_office: Office
    team_a: Team
    team_b: Team
    users: dict
    partner: Partner
    other_partner: Partner
    import_records: dict
    stored_reports: dict

    def objects(self, owner: str) -> Objects:
        """owner "A": team A, referral to the partner user's organisation, office 1's report,
        an import by the manager. owner "B": team B, another partner, office 2, another
        manager's import."""
        team = self.team_a if owner == "A" else self.team_b
        member = self.users["adviser" if owner == "A" else "outsider"]
        client = make_client(team, responsible_adviser=member)
        appointment = Appointment.objects.create(
            client=client,
            adviser=member,
            booked_by=member,
            starts_at=timezone.now() + dt.timedelta(days=3),
            channel=Channel.PHONE,
        )
        interview = make_interview(
            client, member, held_on=timezone.localdate() - dt.timedelta(days=2)
        )
        plan_revise(
            client=client,
            author=member,
            data=PlanInput(goal="work", applications_per_month=4),
            based_on=None,
        )
        partner = self.partner if owner == "A" else self.other_partner
        today = timezone.localdate()
        consent = Consent.objects.create(
            client=client,
            partner=partner,
            purpose="Coaching",
            scope="Contact details",
            valid_from=today - dt.timedelta(days=1),
            valid_until=today + dt.timedelta(days=90),
            method=ConsentMethod.IN_PERSON,
            recorded_by=member,
        )
        referral = referral_send(
            client=client,
            service=partner.services.first(),
            reason="Support",
            shared_information="Contact details",
            created_by=member,
        )
        return Objects(
            team=team,
            client=client,
            appointment=appointment,
            interview=interview,
            plan=client.plan,
            consent=consent,
            referral=referral,
            import_record=self.import_records[owner],
            stored_report=self.stored_reports[owner],
        )


@pytest.fixture
def world(db, settings) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    office = Office.objects.create(name="Office 1", code="o1")
    line = ServiceLine.objects.create(office=office, name="Supported employment")
    other_office = Office.objects.create(name="Office 2", code="o2")
    other_line = ServiceLine.objects.create(office=other_office, name="Job services")
    team_a = Team.objects.create(service_line=line, name="Team A")
    team_b = Team.objects.create(service_line=line, name="Team B")
    Team.objects.create(service_line=other_line, name="Team C")
    users = {
        "adviser": make_user("alice", team=team_a),
        "teammate": make_user("bob", team=team_a),
        "lead": make_user("lena", team=team_a, role=Role.LEAD),
        "outsider": make_user("charlie", team=team_b),
        "manager": make_user("maija"),
        "other_manager": make_user("olli"),
        "partner": make_user("pia"),
        "admin": make_user("root", is_staff=True, is_superuser=True),
    }
    ManagerScope.objects.create(user=users["manager"], office=office)
    ManagerScope.objects.create(user=users["other_manager"], office=other_office)
    partner = Partner.objects.create(name="Valmennus Oy")
    PartnerService.objects.create(partner=partner, name="Job coaching", service_type="coaching")
    other_partner = Partner.objects.create(name="Terveyspalvelut")
    PartnerService.objects.create(partner=other_partner, name="Assessment", service_type="health")
    PartnerUser.objects.create(user=users["partner"], partner=partner)
    # One manager's import and one office's stored report for each side.
    imports, reports = {}, {}
    month = timezone.localdate().replace(day=1)
    for owner, creator, report_office in (
        ("A", users["manager"], office),
        ("B", users["other_manager"], other_office),
    ):
        imports[owner] = ImportRecord.objects.create(
            created_by=creator,
            source=ImportRecord.Source.WEB,
            file_name="clients.csv",
            file_sha256="0" * 64,
            file_size=0,
            content=b"",
        )
        reports[owner] = StoredReport.objects.create(
            office=report_office,
            month=month,
            file_name="coverage.csv",
            content=b"team,coverage\n",
            size=14,
        )
    return World(
        office, other_office, team_a, team_b, users, partner, other_partner, imports, reports
    )


ROLES = [
    "anonymous",
    "adviser",
    "teammate",
    "lead",
    "outsider",
    "manager",
    "other_manager",
    "partner",
    "admin",
]


def relation(role: str, owner: str) -> str:
    """How a role stands to team A's or team B's objects."""
    if role in {"anonymous", "partner", "admin"}:
        return role
    if role in {"adviser", "teammate"}:
        return "member" if owner == "A" else "none"
    if role == "lead":
        return "lead" if owner == "A" else "none"
    if role == "outsider":
        return "member" if owner == "B" else "none"
    if role == "manager":
        return "manager"
    return "none"  # other_manager: neither team is in the scope


# --- Policies: relation -> expected answer ------------------------------------------------

Policy = Callable[[str, str], str]  # (role, relation) -> expected


def signed_in(role: str, rel: str) -> str:
    """Any staff user; partners are kept inside their portal."""
    return {"anonymous": "login", "partner": "denied"}.get(rel, "ok")


def staff_page(role: str, rel: str) -> str:
    return signed_in(role, rel)


def any_account(role: str, rel: str) -> str:
    """Pages of one's own account: partners too (the portal's wall lets /accounts/ through)."""
    return "login" if rel == "anonymous" else "ok"


def client_read(role: str, rel: str) -> str:
    """See a client's data: the client's team, the managers over it, administrators."""
    return {
        "anonymous": "login",
        "partner": "denied",
        "none": "hidden",
        "member": "ok",
        "lead": "ok",
        "manager": "ok",
        "admin": "ok",
    }[rel]


def client_write(role: str, rel: str) -> str:
    """Work with a client (interviews, appointments, plans, status, consents): the team only."""
    return {
        "anonymous": "login",
        "partner": "denied",
        "none": "hidden",
        "member": "ok",
        "lead": "ok",
        "manager": "denied",
        "admin": "ok",
    }[rel]


def team_member(role: str, rel: str) -> str:
    """Register a client: a member of a team (into that team); managers and administrators
    without a team are refused."""
    if rel == "anonymous":
        return "login"
    return "ok" if role in {"adviser", "teammate", "lead", "outsider"} else "denied"


def team_read(role: str, rel: str) -> str:
    return client_read(role, rel)


def team_manage(role: str, rel: str) -> str:
    """Change a team's settings: its lead or a manager over it."""
    return {
        "anonymous": "login",
        "partner": "denied",
        "none": "hidden",
        "member": "denied",
        "lead": "ok",
        "manager": "ok",
        "admin": "ok",
    }[rel]


def manager_only(role: str, rel: str) -> str:
    if rel == "anonymous":
        return "login"
    return "ok" if role in {"manager", "other_manager", "admin"} else "denied"


def managers_and_leads(role: str, rel: str) -> str:
    if rel == "anonymous":
        return "login"
    return "ok" if role in {"manager", "other_manager", "lead", "admin"} else "denied"


def client_export(role: str, rel: str) -> str:
    """Client-level export: a manager WITH the explicit permission (the manager has it here;
    the other office's manager does not)."""
    if rel == "anonymous":
        return "login"
    return "ok" if role in {"manager", "admin"} else "denied"


def owner_manager(owner_role: str, *, admin: bool = True) -> Policy:
    """An object of one manager: a stored report of their office (administrators see all),
    an import they checked (only they see it: admin=False)."""

    def policy(role: str, rel: str) -> str:
        if rel == "anonymous":
            return "login"
        if role == owner_role or (admin and role == "admin"):
            return "ok"
        if role == "admin":
            return "hidden"
        other = "other_manager" if owner_role == "manager" else "manager"
        return "hidden" if role == other else "denied"

    return policy


def portal(role: str, rel: str) -> str:
    """The partner portal: only partner users (staff get 404: no portal for them)."""
    if rel == "anonymous":
        return "login"
    return "ok" if role == "partner" else "denied"


def portal_referral(owner: str) -> Policy:
    """A referral: only the partner it was sent to (with valid consent) sees it."""

    def policy(role: str, rel: str) -> str:
        if rel == "anonymous":
            return "login"
        if role == "partner":
            return "ok" if owner == "A" else "hidden"
        return "denied"

    return policy


def admin_site(role: str, rel: str) -> str:
    if role == "admin":
        return "ok"
    if role == "partner":
        return "denied"
    return "login"  # everyone else: the admin's own sign-in page


# --- The matrix rows ----------------------------------------------------------------------


@dataclass
class Row:
    method: str  # "get" or "post"
    url: Callable[[Objects], str]
    policy: Policy | Callable[[str], Policy]  # a factory taking the owner, if per_owner
    per_owner: bool = False  # policy depends on whose object it is
    data: Callable[[Objects], dict] | None = None
    api: bool = False
    objects: bool = True  # the URL takes an object: test with team A's and team B's
    # Shows client data, so an allowed request writes exactly one access-log row:
    # "object" (covering the object's client) or "list" (covering what the list showed).
    logs: str | None = None


def _c(o: Objects) -> int:
    return o.client.pk


def _contact_attempt(o: Objects) -> int:
    from interviews.models import ContactResult
    from interviews.services import contact_attempt_record

    return contact_attempt_record(
        client=o.client,
        adviser=o.interview.adviser,
        attempted_at=timezone.now() - dt.timedelta(hours=1),
        channel=Channel.PHONE,
        result=ContactResult.NO_ANSWER,
    ).pk


def _job_search_report(o: Objects) -> int:
    from plans.services import job_search_report_record

    return job_search_report_record(
        client=o.client,
        month=timezone.localdate(),
        applications=2,
        recorded_by=o.interview.adviser,
    ).pk


V1 = "/api/v1"

ROUTES: dict[str, Row] = {
    # Signed-in pages without an object
    "home": Row("get", lambda o: "/", any_account, objects=False),  # a partner: to the portal
    "password_change": Row(
        "get", lambda o: "/accounts/password_change/", any_account, objects=False
    ),
    "password_change_done": Row(
        "get", lambda o: "/accounts/password_change/done/", any_account, objects=False
    ),
    "clients:caseload": Row("get", lambda o: "/clients/", staff_page, objects=False, logs="list"),
    # My work: a team's members see their team's work; a manager is sent to the caseload
    # (tests/web/test_my_work.py checks its access-log row).
    "my_work": Row("get", lambda o: "/work/", staff_page, objects=False),
    # The identity-code search: posted; finds only a client the user may see.
    "clients:code_search": Row(
        "post",
        lambda o: "/clients/find/",
        staff_page,
        objects=False,
        logs="list",
        data=lambda o: {"code": o.client.personal_identity_code},
    ),
    "interviews:appointments": Row(
        "get", lambda o: "/interviews/appointments/", staff_page, objects=False, logs="list"
    ),
    # An adviser's week: the slots of a client of another team show no name (and log none).
    "interviews:adviser_week": Row(
        "get", lambda o: "/interviews/appointments/week/", staff_page, objects=False
    ),
    "clients:register": Row("get", lambda o: "/clients/new/", team_member, objects=False),
    "clients:edit": Row("get", lambda o: f"/clients/{_c(o)}/edit/", client_write, logs="object"),
    # Clients
    "clients:detail": Row("get", lambda o: f"/clients/{_c(o)}/", client_read, logs="object"),
    # The full identity code: the client's team only (a manager sees the masked code).
    "clients:identity_code_reveal": Row(
        "post", lambda o: f"/clients/{_c(o)}/identity-code/", client_write, logs="object"
    ),
    "clients:status_change": Row("post", lambda o: f"/clients/{_c(o)}/status/", client_write),
    # Interviews and appointments
    "interviews:log": Row(
        "get", lambda o: f"/interviews/clients/{_c(o)}/log/", client_write, logs="object"
    ),
    "interviews:appointment_book": Row(
        "get",
        lambda o: f"/interviews/clients/{_c(o)}/appointments/new/",
        client_write,
        logs="object",
    ),
    "interviews:appointment_move": Row(
        "get",
        lambda o: f"/interviews/appointments/{o.appointment.pk}/move/",
        client_write,
        logs="object",
    ),
    "interviews:appointment_cancel": Row(
        "post", lambda o: f"/interviews/appointments/{o.appointment.pk}/cancel/", client_write
    ),
    "interviews:appointment_no_show": Row(
        "post", lambda o: f"/interviews/appointments/{o.appointment.pk}/no-show/", client_write
    ),
    "interviews:contact_attempts": Row(
        "get",
        lambda o: f"/interviews/clients/{_c(o)}/contact-attempts/",
        client_read,
        logs="object",
    ),
    "interviews:job_search": Row(
        "get", lambda o: f"/interviews/clients/{_c(o)}/job-search/", client_read, logs="object"
    ),
    "interviews:office_rule_sets": Row(
        "get", lambda o: "/interviews/rule-sets/", manager_only, objects=False
    ),
    "interviews:missed_contacts": Row(
        "get", lambda o: "/interviews/missed-contacts/", staff_page, objects=False
    ),
    "interviews:fallen_short": Row(
        "get", lambda o: "/interviews/fallen-short/", staff_page, objects=False
    ),
    # Teams
    "teams:home": Row("get", lambda o: "/teams/", staff_page, objects=False),
    "teams:office": Row("get", lambda o: "/teams/office/", manager_only, objects=False),
    "teams:goals": Row("get", lambda o: "/teams/goals/", manager_only, objects=False),
    "teams:dashboard": Row("get", lambda o: f"/teams/{o.team.pk}/", team_read),
    "teams:target": Row("post", lambda o: f"/teams/{o.team.pk}/target/", team_manage),
    "teams:rebalance": Row("get", lambda o: f"/teams/{o.team.pk}/rebalance/", team_read),
    "teams:rebalance_preview": Row(
        "post", lambda o: f"/teams/{o.team.pk}/rebalance/preview/", team_read
    ),
    "teams:rebalance_confirm": Row(
        "post", lambda o: f"/teams/{o.team.pk}/rebalance/confirm/", team_read
    ),
    # Reports
    "reports:coverage": Row(
        "get", lambda o: "/reports/coverage/", managers_and_leads, objects=False
    ),
    "reports:coverage_csv": Row(
        "get", lambda o: "/reports/coverage.csv", managers_and_leads, objects=False
    ),
    "reports:coverage_xlsx": Row(
        "get", lambda o: "/reports/coverage.xlsx", managers_and_leads, objects=False
    ),
    "reports:stored_download": Row(
        "get",
        lambda o: f"/reports/stored/{o.stored_report.pk}/",
        lambda owner: owner_manager("manager" if owner == "A" else "other_manager"),
        per_owner=True,
    ),
    "reports:client_export": Row(
        "get", lambda o: "/reports/clients-export/", client_export, objects=False
    ),
    # Client import (managers)
    "clients_import:upload": Row("get", lambda o: "/clients/import/", manager_only, objects=False),
    "clients_import:template_xlsx": Row(
        "get", lambda o: "/clients/import/template.xlsx", manager_only, objects=False
    ),
    "clients_import:template_csv": Row(
        "get", lambda o: "/clients/import/template.csv", manager_only, objects=False
    ),
    "clients_import:check": Row(
        "post", lambda o: "/clients/import/check/", manager_only, objects=False
    ),
    "clients_import:report": Row(
        "get",
        lambda o: f"/clients/import/{o.import_record.pk}/",
        lambda owner: owner_manager("manager" if owner == "A" else "other_manager", admin=False),
        per_owner=True,
    ),
    "clients_import:run": Row(
        "post",
        lambda o: f"/clients/import/{o.import_record.pk}/run/",
        lambda owner: owner_manager("manager" if owner == "A" else "other_manager", admin=False),
        per_owner=True,
    ),
    # Partners, staff side
    "partners:manage": Row("get", lambda o: "/partners/", manager_only, objects=False),
    "partners:manage_add": Row(
        "post", lambda o: "/partners/add/partner/", manager_only, objects=False
    ),
    "partners:client_panel": Row(
        "get", lambda o: f"/partners/clients/{_c(o)}/", client_read, logs="object"
    ),
    "partners:consent_create": Row(
        "post", lambda o: f"/partners/clients/{_c(o)}/consents/", client_write
    ),
    "partners:consent_revoke": Row(
        "post",
        lambda o: f"/partners/clients/{_c(o)}/consents/{o.consent.pk}/revoke/",
        client_write,
    ),
    "partners:referral_create": Row(
        "post", lambda o: f"/partners/clients/{_c(o)}/referrals/", client_write
    ),
    "partners:referral_reviewed": Row(
        "post",
        lambda o: f"/partners/clients/{_c(o)}/referrals/{o.referral.pk}/reviewed/",
        client_write,
    ),
    # The partner portal
    "portal:home": Row("get", lambda o: "/portal/", portal, objects=False),
    "portal:referral": Row(
        "get",
        lambda o: f"/portal/referrals/{o.referral.pk}/",
        portal_referral,
        per_owner=True,
        logs="object",
    ),
    "portal:accept": Row(
        "post",
        lambda o: f"/portal/referrals/{o.referral.pk}/accept/",
        portal_referral,
        per_owner=True,
    ),
    "portal:start": Row(
        "post",
        lambda o: f"/portal/referrals/{o.referral.pk}/start/",
        portal_referral,
        per_owner=True,
    ),
    "portal:decline": Row(
        "post",
        lambda o: f"/portal/referrals/{o.referral.pk}/decline/",
        portal_referral,
        per_owner=True,
    ),
    "portal:report": Row(
        "post",
        lambda o: f"/portal/referrals/{o.referral.pk}/report/",
        portal_referral,
        per_owner=True,
    ),
    # The access log (managers)
    "audit:access_log": Row("get", lambda o: "/audit/", manager_only, objects=False),
    "audit:find_client": Row("post", lambda o: "/audit/find-client/", manager_only, objects=False),
    # The API
    "api:client-list": Row(
        "get", lambda o: f"{V1}/clients/", staff_page, api=True, objects=False, logs="list"
    ),
    "api:client-reassign": Row(
        "post",
        lambda o: f"{V1}/clients/reassign/",
        staff_page,
        api=True,
        objects=False,
    ),
    "api:client-detail": Row(
        "get", lambda o: f"{V1}/clients/{_c(o)}/", client_read, api=True, logs="object"
    ),
    "api:client-change-status": Row(
        "post", lambda o: f"{V1}/clients/{_c(o)}/status/", client_write, api=True
    ),
    "api:interview-list": Row(
        "get", lambda o: f"{V1}/interviews/", staff_page, api=True, objects=False, logs="list"
    ),
    "api:interview-detail": Row(
        "get", lambda o: f"{V1}/interviews/{o.interview.pk}/", client_read, api=True, logs="object"
    ),
    "api:appointment-list": Row(
        "get", lambda o: f"{V1}/appointments/", staff_page, api=True, objects=False, logs="list"
    ),
    "api:appointment-detail": Row(
        "get",
        lambda o: f"{V1}/appointments/{o.appointment.pk}/",
        client_read,
        api=True,
        logs="object",
    ),
    "api:appointment-cancel": Row(
        "post", lambda o: f"{V1}/appointments/{o.appointment.pk}/cancel/", client_write, api=True
    ),
    "api:appointment-no-show": Row(
        "post", lambda o: f"{V1}/appointments/{o.appointment.pk}/no-show/", client_write, api=True
    ),
    "api:plan-list": Row(
        "get", lambda o: f"{V1}/plans/", staff_page, api=True, objects=False, logs="list"
    ),
    "api:plan-detail": Row(
        "get", lambda o: f"{V1}/plans/{o.plan.pk}/", client_read, api=True, logs="object"
    ),
    "api:plan-versions": Row(
        "get", lambda o: f"{V1}/plans/{o.plan.pk}/versions/", client_read, api=True, logs="object"
    ),
    "api:contact-attempt-list": Row(
        "get",
        lambda o: f"{V1}/clients/{_c(o)}/contact-attempts/",
        client_read,
        api=True,
        logs="object",
    ),
    "api:contact-attempt-detail": Row(
        "get",
        lambda o: f"{V1}/clients/{_c(o)}/contact-attempts/{_contact_attempt(o)}/",
        client_read,
        api=True,
        logs="object",
    ),
    "api:job-search-report-detail": Row(
        "get",
        lambda o: f"{V1}/clients/{_c(o)}/job-search-reports/{_job_search_report(o)}/",
        client_read,
        api=True,
        logs="object",
    ),
    "api:job-search-report-list": Row(
        "get",
        lambda o: f"{V1}/clients/{_c(o)}/job-search-reports/",
        client_read,
        api=True,
        logs="object",
    ),
    "api:coverage": Row(
        "get", lambda o: f"{V1}/coverage/", managers_and_leads, api=True, objects=False
    ),
    "api:team-list": Row("get", lambda o: f"{V1}/teams/", staff_page, api=True, objects=False),
    "api:team-detail": Row("get", lambda o: f"{V1}/teams/{o.team.pk}/", team_read, api=True),
    # The admin: every route the same way (the admin's own staff check)
    "admin:*": Row("get", lambda o: "/admin/", admin_site, objects=False),
}


# --- Running one cell -----------------------------------------------------------------------


def answer(response, *, api: bool) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status >= 500:
        return f"error {status}"
    if status == 302 and (
        location.startswith("/accounts/login/") or location.startswith("/admin/login/")
    ):
        return "login"
    if status == 401:
        return "login"
    if status == 404:
        return "hidden"
    if status == 403:
        return "forbidden"
    if status == 405:
        return "method not allowed"
    return "ok"


def matches(expected: str, got: str, *, role: str, api: bool) -> bool:
    if expected == "ok":
        return got == "ok"
    if expected == "hidden":
        return got == "hidden"
    if expected == "denied":
        return got in {"forbidden", "hidden"}
    if expected == "login":
        # The API answers an anonymous caller 401/403 rather than redirecting.
        return got == "login" or (api and got == "forbidden")
    raise AssertionError(expected)


_BROWSERS: dict[str, Browser] = {}


def _browser(world: World, role: str) -> Browser:
    """One test client per role for the whole run (building one loads every middleware)."""
    browser = _BROWSERS.setdefault(role, Browser())
    browser.logout()
    if role != "anonymous":
        browser.force_login(world.users[role])
    return browser


@pytest.fixture
def export_permission(world):
    world.users["manager"].user_permissions.add(
        Permission.objects.get(codename="export_clients", content_type__app_label="reports")
    )


def _check_row(world: World, key: str, row: Row) -> list[str]:
    failures = []
    browsers = {role: _browser(world, role) for role in ROLES}
    owners = ["A", "B"] if row.objects else ["A"]
    for owner in owners:
        policy = row.policy(owner) if row.per_owner else row.policy
        for role in ROLES:
            objects = world.objects(owner)
            url = row.url(objects)
            data = row.data(objects) if row.data else {}
            send = getattr(browsers[role], row.method)
            kwargs = (
                {"content_type": "application/json"} if row.api and row.method == "post" else {}
            )
            last_entry = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first()
            response = send(url, data, **kwargs)
            expected = policy(role, relation(role, owner))
            got = answer(response, api=row.api)
            where = f"{key} {row.method.upper()} {url} as {role} (team {owner})"
            if not matches(expected, got, role=role, api=row.api):
                failures.append(f"{where}: expected {expected}, got {got} ({response.status_code})")
                continue
            entries = AccessLog.objects.filter(pk__gt=last_entry or 0)
            if expected == "hidden" and entries.for_client(objects.client.pk).exists():
                failures.append(f"{where}: answered 404, yet logged as a view of the client")
            elif expected != "ok" or row.logs is None:
                continue
            elif row.logs == "object":
                if list(entries.values_list("user__username", "client_ids")) != [
                    (world.users[role].username, [objects.client.pk])
                ]:
                    failures.append(f"{where}: not one access-log row for the client")
            elif (
                client_read(role, relation(role, owner)) == "ok"
                and entries.filter(user=world.users[role]).count() != 1
            ):
                failures.append(f"{where}: not one access-log row for the list")
    return failures


# --- The tests ----------------------------------------------------------------------------


def test_every_route_is_in_the_matrix():
    """A new route fails here until it has a row (or is deliberately public)."""
    keys = {route_key(route, name) for route, name in all_routes()}
    missing = sorted(keys - set(ROUTES) - PUBLIC)
    assert missing == [], f"routes with no row in the permission matrix: {missing}"
    stale = sorted(
        (set(ROUTES) | PUBLIC) - keys - {"oidc_authentication_init", "oidc_authentication_callback"}
    )
    assert stale == [], f"matrix rows for routes that no longer exist: {stale}"


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_permission_matrix(world, export_permission, key):
    failures = _check_row(world, key, ROUTES[key])
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        "/health/",
        "/ready/",
        "/accounts/login/",
        "/accounts/password_reset/",
        "/api/schema/",
        "/accessibility/",
    ],
)
def test_public_pages_answer_anonymous(client, db, url):
    assert client.get(url).status_code in (200, 503)  # 503: /ready/ without a broker


def test_every_admin_route_needs_a_staff_account(world):
    """All admin routes: anonymous and non-staff users go to the admin's sign-in page."""
    failures = []
    adviser = _browser(world, "adviser")
    anonymous = _browser(world, "anonymous")
    for route, name in all_routes():
        # The admin's own sign-in and sign-out pages are open by design.
        if route_key(route, name) != "admin:*" or name in {"admin:login", "admin:logout"}:
            continue
        url = "/" + re.sub(r"<[^>]+>|\(\?P<\w+>[^)]*\)", "1", route).replace("^", "").replace(
            "$", ""
        )
        for who, browser in (("anonymous", anonymous), ("adviser", adviser)):
            got = answer(browser.get(url), api=False)
            if got != "login":
                failures.append(f"{name or route} {url} as {who}: {got}")
    assert failures == [], "\n".join(failures)
