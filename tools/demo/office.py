"""A realistic, deterministic demo office, from 4,300 clients to a national 1,000,000.

Rows are generated in chunks and written with PostgreSQL's COPY (bulk_create elsewhere), so
a million clients with a year of interviews take minutes, in flat memory. Derived columns
(last interview, next-due date, due state) are computed with the same rule code the due
engine uses, so a full due run right after seeding changes nothing.

This module builds the organisation and its people; tools.demo.history the clients.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from clients.models import Client
from interviews import rulesets
from interviews.models import Interview, OfficeRuleSet
from plans.models import PlanVersion
from teams.models import ManagerScope, Membership, Office, Role, ServiceLine, Team

from .history import caseload_write
from .vocabulary import FIRST_NAMES, HELSINKI, LAST_NAMES

DEMO_OFFICE_CODE = "demo"
TEAM_SIZES = (4, 5, 3, 4)

# username, first name, last name, team, role
Person = tuple[str, str, str, Team, str]


@dataclass
class SeedResult:
    clients: int
    interviews: int
    plan_versions: int
    teams: int
    advisers: int
    users: list[tuple[str, str]]


def is_seeded() -> bool:
    return Office.objects.filter(code=DEMO_OFFICE_CODE).exists()


def _organisation(*, clients: int, rule_sets: rulesets.Schedule) -> tuple[Office, list[Team]]:
    """The supported-employment line with four teams (more for a large N), a second line with
    one team, and lines of at most 25 teams beyond that. The jobs team comes last."""
    office = Office.objects.create(name="Demo employment area", code=DEMO_OFFICE_CODE)
    OfficeRuleSet.objects.bulk_create(
        OfficeRuleSet(office=office, code=code, effective_from=start) for start, code in rule_sets
    )
    supported = ServiceLine.objects.create(office=office, name="Supported employment")
    jobs = ServiceLine.objects.create(office=office, name="Job and business services")
    team_count = max(4, round(clients / 1400))
    teams: list[Team] = []
    line = supported
    for i in range(team_count):
        if i >= 4 and (i - 4) % 25 == 0:
            line = ServiceLine.objects.create(
                office=office, name=f"Employment services {(i - 4) // 25 + 1}"
            )
        teams.append(Team(service_line=line, name=f"Team {i + 1}"))
    teams.append(Team(service_line=jobs, name="Jobs team"))
    Team.objects.bulk_create(teams)
    return office, list(Team.objects.filter(service_line__office=office).order_by("pk"))


def _people(
    *, rng: random.Random, office: Office, teams: list[Team], jobs_team: Team, password_hash: str
) -> tuple[list[Person], dict]:
    """3–5 advisers a team; the demo users in fixed places. The people and their users."""
    user_model = get_user_model()
    people: list[Person] = []
    for t_index, team in enumerate(teams):
        size = TEAM_SIZES[t_index % len(TEAM_SIZES)]
        for m in range(size):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            username = f"{first.lower()}.{last.lower()}.{t_index + 1}{m + 1}"
            people.append((username, first, last, team, Role.LEAD if m == 0 else Role.ADVISER))
    # The demo logins take the first places of team 1 and one place in team 2.
    people[0] = ("teamlead", "Tiina", "Tiimivastaava", teams[0], Role.LEAD)
    people[1] = ("adviser", "Aapo", "Asiantuntija", teams[0], Role.ADVISER)
    second = next(i for i, p in enumerate(people) if p[3] == teams[1] and p[4] == Role.ADVISER)
    people[second] = ("adviser_other", "Outi", "Toinen", teams[1], Role.ADVISER)
    for m in range(3):
        people.append(
            (
                f"jobs.adviser.{m + 1}",
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                jobs_team,
                Role.LEAD if m == 0 else Role.ADVISER,
            )
        )
    user_model.objects.bulk_create(
        [
            user_model(username=u, first_name=f, last_name=la, password=password_hash)
            for u, f, la, _t, _r in people
        ]
        + [
            user_model(
                username="manager",
                first_name="Maija",
                last_name="Manageri",
                password=password_hash,
                is_staff=True,
            )
        ]
    )
    users = {
        u.username: u
        for u in user_model.objects.filter(username__in=[p[0] for p in people] + ["manager"])
    }
    Membership.objects.bulk_create(
        Membership(user=users[u], team=t, role=r) for u, _f, _l, t, r in people
    )
    ManagerScope.objects.create(user=users["manager"], office=office)
    return people, users


@transaction.atomic
def seed_demo(
    *,
    clients: int = 4300,
    seed: int = 1,
    password: str = "demo",
    today: dt.date | None = None,
    rule_sets: rulesets.Schedule = (),
    progress: Callable[[str], None] = lambda _msg: None,
) -> SeedResult:
    """Build the demo office. The caller checks is_seeded() first.

    `rule_sets`: the office's chosen rule sets, (effective from, code); none: the default.
    The clients' derived due fields follow them, as the due engine would compute them.
    """
    rng = random.Random(seed)
    today = today or dt.date.today()
    now = dt.datetime.combine(today, dt.time(0, 0), HELSINKI)
    password_hash = make_password(password, salt=f"demo{seed}")

    # 1. Organisation.
    office, teams = _organisation(clients=clients, rule_sets=rule_sets)
    jobs_team = teams.pop()  # the last created

    # 2. People.
    people, users = _people(
        rng=rng, office=office, teams=teams, jobs_team=jobs_team, password_hash=password_hash
    )
    progress(f"{len(teams) + 1} teams, {len(people)} advisers")

    # 3. Clients, each adviser's share in turn, with a year of interviews and plans.
    advisers_by_team: dict[int, list[int]] = {}
    for u, _f, _l, t, _r in people:
        advisers_by_team.setdefault(t.pk, []).append(users[u].pk)
    slots = [(t, a) for t, ids in advisers_by_team.items() for a in ids]
    counts = caseload_write(
        rng=rng,
        office_id=office.pk,
        slots=slots,
        clients=clients,
        today=today,
        now=now,
        progress=progress,
    )
    return SeedResult(
        clients=counts.get(Client, 0),
        interviews=counts.get(Interview, 0),
        plan_versions=counts.get(PlanVersion, 0),
        teams=len(teams) + 1,
        advisers=len(people),
        users=[
            ("adviser", "an adviser in Team 1"),
            ("adviser_other", "an adviser in Team 2"),
            ("teamlead", "the lead of Team 1"),
            ("manager", "the office's manager"),
        ],
    )
