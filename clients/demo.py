"""A realistic, deterministic demo office, from 4,300 clients to a national 1,000,000.

Rows are generated in chunks and written with PostgreSQL's COPY (bulk_create elsewhere), so
a million clients with a year of interviews take minutes, in flat memory. Derived columns
(last interview, next-due date, due state) are computed with the same rule code the due
engine uses, so a full due run right after seeding changes nothing.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import io
import itertools
import random
import threading
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction

from interviews import rules, rulesets
from interviews.choices import AppointmentStatus, Channel, DueState, InterviewKind, Outcome
from interviews.models import Appointment, Interview, OfficeRuleSet
from plans.models import ActionKind, ActionStatus, EmploymentPlan, Goal, PlanAction, PlanVersion
from teams.models import ManagerScope, Membership, Office, Role, ServiceLine, Team

from . import identity
from .models import Client, Status, StatusChange
from .rows import CLIENT_COLUMNS, ClientRowBuilder

DEMO_OFFICE_CODE = "demo"
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
CHUNK = 10_000
DUE_STATE = CLIENT_COLUMNS.index("due_state")

FIRST_NAMES = [
    "Aino",
    "Eino",
    "Helmi",
    "Väinö",
    "Aada",
    "Leo",
    "Emma",
    "Onni",
    "Sofia",
    "Elias",
    "Venla",
    "Oliver",
    "Lilja",
    "Eetu",
    "Ella",
    "Juho",
    "Anni",
    "Mikael",
    "Iida",
    "Matias",
    "Kerttu",
    "Aleksi",
    "Siiri",
    "Ilmari",
    "Pihla",
    "Otto",
    "Enni",
    "Joel",
    "Hilla",
    "Niilo",
    "Amira",
    "Ahmed",
    "Olga",
    "Dmitri",
    "Fatima",
    "Hassan",
    "Maria",
    "Jonas",
    "Linnea",
    "Erik",
    "Saga",
    "Johan",
    "Noor",
    "Ali",
]
LAST_NAMES = [
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
    "Lindqvist",
    "Nyström",
    "Holmberg",
    "Mohamed",
    "Ivanov",
    "Petrova",
    "Ali",
    "Nguyen",
    "Andersson",
    "Berg",
]
STREETS = [
    "Mannerheimintie",
    "Hämeenkatu",
    "Kauppakatu",
    "Puistokatu",
    "Rantatie",
    "Koulukatu",
    "Asemakatu",
]
CITIES = ["Helsinki", "Espoo", "Vantaa", "Tampere", "Turku", "Lahti", "Kuopio", "Oulu"]

STATUS_WEIGHTS = [
    (Status.UNEMPLOYED, 44),
    (Status.LAID_OFF, 5),
    (Status.PART_TIME, 16),
    (Status.IN_SERVICE, 15),
    (Status.EMPLOYED, 12),
    (Status.NOT_JOB_SEEKER, 8),
]
CHANNEL_WEIGHTS = [(Channel.PHONE, 55), (Channel.FACE_TO_FACE, 30), (Channel.VIDEO, 15)]
LANGUAGE_WEIGHTS = [("fi", 80), ("sv", 6), ("en", 6), ("other", 8)]
GOAL_WEIGHTS = [
    (Goal.WORK, 60),
    (Goal.TRAINING, 20),
    (Goal.REHABILITATION, 10),
    (Goal.BUSINESS, 4),
    (Goal.OTHER, 6),
]
TEAM_SIZES = (4, 5, 3, 4)
NOTES = (
    "Went through the job search of the last months and the next steps.",
    "Client is looking for warehouse work; updated the CV together.",
    "Discussed training options; the client prefers a short course.",
    "Client has had health problems; agreed on a work-ability assessment.",
    "Applications sent as agreed; two interviews with employers coming.",
)
ACTION_TEXTS = {
    ActionKind.COACHING: "Job-search coaching with the partner provider",
    ActionKind.TRAINING: "Forklift and warehouse logistics course",
    ActionKind.WORK_TRIAL: "Work trial at a local retailer",
    ActionKind.WAGE_SUBSIDY: "Look for an employer for subsidised work",
    ActionKind.STUDY: "Apply for vocational studies",
    ActionKind.ASSESSMENT: "Work-ability assessment at occupational health",
    ActionKind.SOCIAL: "Meeting with the municipal social worker",
    ActionKind.GUIDANCE: "Career guidance sessions",
}


@dataclass
class SeedResult:
    clients: int
    interviews: int
    plan_versions: int
    teams: int
    advisers: int
    users: list[tuple[str, str]]


class _Weighted:
    """A weighted choice that costs one random() and one bisect."""

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.values = [v for v, _w in pairs]
        total = sum(w for _v, w in pairs)
        self.bounds = list(itertools.accumulate(w / total for _v, w in pairs))
        self.bounds[-1] = 1.0

    def __call__(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.bounds, rng.random())]


def _line(row: tuple) -> str:
    return "\t".join([r"\N" if v is None else str(v) for v in row]) + "\n"


class _Writer:
    """Collects rows per table and writes them with COPY (PostgreSQL) or bulk_create.

    On PostgreSQL the COPY of one chunk runs in a background thread on the same connection
    while the next chunk is generated (the two cores overlap), and secondary indexes and
    foreign keys are dropped for the load and rebuilt once at the end (as pg_restore does).
    """

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], list[tuple]] = {}
        self.columns: dict[type[models.Model], list[str]] = {}
        self.counts: dict[type[models.Model], int] = {}
        self.postgres = connection.vendor == "postgresql"
        self._pending: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, model: type[models.Model], columns: list[str], row: tuple) -> None:
        self.columns.setdefault(model, columns)
        self.rows.setdefault(model, []).append(row)

    def flush(self, order: Iterable[type[models.Model]]) -> None:
        batches = []
        for model in order:
            rows = self.rows.pop(model, [])
            if not rows:
                continue
            self.counts[model] = self.counts.get(model, 0) + len(rows)
            columns = self.columns[model]
            if not self.postgres:
                fields = [model._meta.get_field(c).attname for c in columns]
                model.objects.bulk_create(
                    [model(**dict(zip(fields, row, strict=True))) for row in rows],
                    batch_size=2000,
                )
                continue
            db_columns = ", ".join(model._meta.get_field(c).column for c in columns)
            sql = f"COPY {model._meta.db_table} ({db_columns}) FROM STDIN"
            batches.append((sql, "".join(map(_line, rows))))
        if batches:
            self.wait()
            connection.ensure_connection()
            raw = connection.connection  # Django's connection is per thread; share the raw one
            self._pending = threading.Thread(target=self._copy, args=(raw, batches))
            self._pending.start()

    def _copy(self, raw, batches: list[tuple[str, str]]) -> None:
        try:
            cursor = raw.cursor()  # the same transaction as the main thread
            for sql, text in batches:
                cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)
        except BaseException as exc:  # re-raised in the main thread by wait()
            self._error = exc

    def wait(self) -> None:
        if self._pending is not None:
            self._pending.join()
            self._pending = None
        if self._error is not None:
            raise self._error

    @contextlib.contextmanager
    def bulk_load(self, tables: list[str]):
        """Drop secondary indexes and foreign keys of `tables` for the load; rebuild after."""
        if not self.postgres:
            yield
            return
        with connection.cursor() as cursor:
            # Run the checks still pending for rows written so far, so the tables can change.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid::regclass::text = ANY(%s) "
                "AND NOT i.indisprimary AND NOT i.indisunique",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
        yield
        self.wait()
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("ANALYZE")


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def is_seeded() -> bool:
    return Office.objects.filter(code=DEMO_OFFICE_CODE).exists()


def _fast(rng: random.Random):
    """randint and choice on one random() call each (the stdlib's cost 3× more per call)."""
    rand = rng.random

    def randint(a: int, b: int) -> int:
        return a + int(rand() * (b - a + 1))

    def choice(seq):
        return seq[int(rand() * len(seq))]

    return randint, choice


def _at(day: dt.date, randint) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(randint(8, 15), 15 * randint(0, 3)), HELSINKI)


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
    pick_status, pick_channel = _Weighted(STATUS_WEIGHTS), _Weighted(CHANNEL_WEIGHTS)
    pick_language, pick_goal = _Weighted(LANGUAGE_WEIGHTS), _Weighted(GOAL_WEIGHTS)
    action_kinds = list(ACTION_TEXTS)
    randint, choice = _fast(rng)
    today = today or dt.date.today()
    now = dt.datetime.combine(today, dt.time(0, 0), HELSINKI)
    user_model = get_user_model()
    password_hash = make_password(password, salt=f"demo{seed}")

    # 1. Organisation: the supported-employment line with four teams (more for a large N),
    #    a second line with one team, and lines of at most 25 teams beyond that.
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
    teams = list(Team.objects.filter(service_line__office=office).order_by("pk"))
    jobs_team = teams.pop()  # the last created

    # 2. People: 3–5 advisers a team; the demo users in fixed places.
    people: list[tuple[str, str, str, Team, str]] = []  # username, first, last, team, role
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
    progress(f"{len(teams) + 1} teams, {len(people)} advisers")

    # 3. Clients, each adviser's share in turn, with a year of interviews and plans.
    advisers_by_team: dict[int, list[int]] = {}
    for u, _f, _l, t, _r in people:
        advisers_by_team.setdefault(t.pk, []).append(users[u].pk)
    slots = [(t, a) for t, ids in advisers_by_team.items() for a in ids]
    writer = _Writer()
    client_rows = ClientRowBuilder.for_offices([office.pk], today=today)
    status_cols = ["client", "old_status", "new_status", "effective_on", "changed_by", "changed_at"]
    interview_cols = [
        "id",
        "client",
        "adviser",
        "held_at",
        "channel",
        "kind",
        "outcome",
        "duration_minutes",
        "notes",
        "appointment",
        "submission_key",
        "recorded_by",
        "recorded_at",
    ]
    appointment_cols = [
        "id",
        "client",
        "adviser",
        "starts_at",
        "duration_minutes",
        "channel",
        "place",
        "video_link",
        "status",
        "booked_by",
        "booked_at",
    ]
    plan_cols = ["id", "client", "created_at"]
    version_cols = [
        "id",
        "plan",
        "number",
        "goal",
        "goal_details",
        "applications_per_month",
        "follow_up",
        "strengths",
        "needs",
        "author",
        "created_at",
        "interview",
    ]
    action_cols = ["version", "kind", "description", "status", "due_date"]
    order = [Client, StatusChange, Appointment, Interview, EmploymentPlan, PlanVersion, PlanAction]
    interview_id = version_id = appointment_id = 0
    birth_span = (dt.date(2004, 12, 31) - dt.date(1960, 1, 1)).days

    with writer.bulk_load([m._meta.db_table for m in order]):
        for cid in range(1, clients + 1):
            team_id, adviser_id = slots[(cid - 1) * len(slots) // clients]
            # Unique codes: the i-th client gets birth day i mod span and a rising individual number.
            born = dt.date(1960, 1, 1) + dt.timedelta(days=(cid * 7919) % birth_span)
            individual = 2 + (cid * 7919 // birth_span) % 898
            code = identity.make_hetu(born, individual)
            first, last = choice(FIRST_NAMES), choice(LAST_NAMES)
            status = pick_status(rng)
            registered = today - dt.timedelta(days=randint(30, 900))
            status_since = (
                registered
                if rng.random() < 0.7
                else min(
                    today - dt.timedelta(days=1),
                    registered + dt.timedelta(days=randint(0, 400)),
                )
            )
            responsible = adviser_id if rng.random() < 0.92 else None

            # A year of interviews at about the interval, some late, some missed (overdue now).
            held_days: list[tuple[dt.date, str]] = []
            # Interviews happen while the client must be interviewed: since the current status
            # began, or, for a client who has left the cycle, before it did.
            required = status in rules.REQUIRED_STATUSES
            cycle_start = status_since if required or status_since == registered else registered
            cycle_end = today if required or status_since == registered else status_since
            day = max(cycle_start, today - dt.timedelta(days=365)) + dt.timedelta(
                days=randint(3, 20)
            )
            stop_early = rng.random() < 0.22
            while day < cycle_end:
                channel = pick_channel(rng)
                roll = rng.random()
                outcome = (
                    Outcome.HELD
                    if roll < 0.91
                    else Outcome.NO_SHOW
                    if roll < 0.96
                    else Outcome.CANCELLED
                )
                interview_id += 1
                held_at = _at(day, randint)
                writer.add(
                    Interview,
                    interview_cols,
                    (
                        interview_id,
                        cid,
                        adviser_id,
                        held_at,
                        channel,
                        InterviewKind.INITIAL if not held_days else InterviewKind.PERIODIC,
                        outcome,
                        randint(20, 60) if outcome == Outcome.HELD else None,
                        choice(NOTES) if outcome == Outcome.HELD else "",
                        None,
                        None,
                        adviser_id,
                        held_at + dt.timedelta(minutes=45),
                    ),
                )
                if outcome == Outcome.HELD:
                    held_days.append((day, channel))
                    step = randint(75, 95) if not stop_early else randint(110, 200)
                else:
                    step = randint(5, 20)
                day += dt.timedelta(days=step)
            last_held = max((d for d, _c in held_days), default=None)
            created = dt.datetime.combine(registered, dt.time(9), HELSINKI)
            client_row = client_rows.row(
                office_id=office.pk,
                pk=cid,
                code=code,
                first_name=first,
                last_name=last,
                language=pick_language(rng),
                email=f"{first}.{last}{cid}@example.com".lower() if rng.random() < 0.8 else "",
                phone=f"+35840{cid:07d}" if rng.random() < 0.9 else "",
                address=f"{choice(STREETS)} {randint(1, 80)}, {choice(CITIES)}",
                status=status,
                status_since=status_since,
                registered_on=registered,
                team_id=team_id,
                responsible_adviser_id=responsible,
                last_held_on=last_held,
                last_channel=next((c for d, c in reversed(held_days) if d == last_held), ""),
                created_at=created,
                updated_at=now,
            )
            writer.add(Client, CLIENT_COLUMNS, client_row)
            due = client_row[DUE_STATE]
            # The status history: registered with a first status, then the current status from
            # status_since (a client unemployed again later was first in a service).
            if status_since == registered:
                writer.add(StatusChange, status_cols, (cid, "", status, registered, None, created))
            else:
                first = Status.IN_SERVICE if status == Status.UNEMPLOYED else Status.UNEMPLOYED
                since_at = dt.datetime.combine(status_since, dt.time(10), HELSINKI)
                writer.add(StatusChange, status_cols, (cid, "", first, registered, None, created))
                writer.add(
                    StatusChange,
                    status_cols,
                    (cid, first, status, status_since, adviser_id, since_at),
                )
            if due in (DueState.DUE_SOON, DueState.OVERDUE) and rng.random() < 0.4:
                appointment_id += 1
                start = _at(today + dt.timedelta(days=randint(1, 14)), randint)
                channel = pick_channel(rng)
                writer.add(
                    Appointment,
                    appointment_cols,
                    (
                        appointment_id,
                        cid,
                        responsible or adviser_id,
                        start,
                        30,
                        channel,
                        "Office, room 2" if channel == Channel.FACE_TO_FACE else "",
                        f"https://video.example.com/{uuid.UUID(int=rng.getrandbits(128))}"
                        if channel == Channel.VIDEO
                        else "",
                        AppointmentStatus.BOOKED,
                        adviser_id,
                        now,
                    ),
                )

            # Plans: a version for each of the last two held interviews (the latest is current).
            if held_days:
                writer.add(EmploymentPlan, plan_cols, (cid, cid, created))
                goal = pick_goal(rng)
                kinds = rng.sample(action_kinds, 2)
                first_number = max(1, len(held_days) - 1)
                for number, (held_day, _channel) in enumerate(held_days[-2:], start=first_number):
                    version_id += 1
                    writer.add(
                        PlanVersion,
                        version_cols,
                        (
                            version_id,
                            cid,
                            number,
                            goal,
                            "",
                            4 if status == Status.UNEMPLOYED else 2,
                            "Monthly report of applications",
                            "Reliable, experienced in customer service",
                            "Up-to-date CV, digital skills",
                            adviser_id,
                            dt.datetime.combine(held_day, dt.time(16), HELSINKI),
                            None,
                        ),
                    )
                    for k_index, kind in enumerate(kinds[: 1 + (number > first_number)]):
                        done = number > first_number and k_index == 0
                        writer.add(
                            PlanAction,
                            action_cols,
                            (
                                version_id,
                                kind,
                                ACTION_TEXTS[kind],
                                ActionStatus.DONE if done else ActionStatus.IN_PROGRESS,
                                held_day + dt.timedelta(days=60),
                            ),
                        )

            if cid % CHUNK == 0:
                writer.flush(order)
                progress(f"{cid:,} clients")
        writer.flush(order)
    _reset_sequences(order)
    return SeedResult(
        clients=writer.counts.get(Client, 0),
        interviews=writer.counts.get(Interview, 0),
        plan_versions=writer.counts.get(PlanVersion, 0),
        teams=len(teams) + 1,
        advisers=len(people),
        users=[
            ("adviser", "an adviser in Team 1"),
            ("adviser_other", "an adviser in Team 2"),
            ("teamlead", "the lead of Team 1"),
            ("manager", "the office's manager"),
        ],
    )
