"""A year of each demo client's history: the client row, interviews at about the interval
(some late, some missed), the status changes, a booked appointment for some who are due, and
plan versions.

Every draw comes from one seeded random generator in a fixed order, so the same seed gives
the same office. Derived columns (last interview, next-due date, due state) come from the
same row builder as the import (clients.rows), so a full due run right after seeding
changes nothing.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import uuid
from collections.abc import Callable, Sequence

from django.db import models

from clients import identity
from clients.models import Client, Status, StatusChange
from clients.rows import CLIENT_COLUMNS, ClientRowBuilder
from interviews import rules, rulesets
from interviews.choices import AppointmentStatus, Channel, DueState, InterviewKind, Outcome
from interviews.models import Appointment, Interview
from plans.models import ActionStatus, EmploymentPlan, PlanAction, PlanVersion

from .vocabulary import (
    ACTION_TEXTS,
    CHANNEL_WEIGHTS,
    CITIES,
    FIRST_NAMES,
    GOAL_WEIGHTS,
    HELSINKI,
    LANGUAGE_WEIGHTS,
    LAST_NAMES,
    NOTES,
    STATUS_WEIGHTS,
    STREETS,
)
from .writer import Writer, reset_sequences

CHUNK = 10_000
DUE_STATE = CLIENT_COLUMNS.index("due_state")

STATUS_COLUMNS = ["client", "old_status", "new_status", "effective_on", "changed_by", "changed_at"]
INTERVIEW_COLUMNS = [
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
APPOINTMENT_COLUMNS = [
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
PLAN_COLUMNS = ["id", "client", "created_at"]
VERSION_COLUMNS = [
    "id",
    "plan",
    "number",
    "goal",
    "goal_details",
    "applications_per_month",
    "job_search_period_months",
    "job_search_from",
    "follow_up",
    "strengths",
    "needs",
    "author",
    "created_at",
    "interview",
]
ACTION_COLUMNS = ["version", "kind", "description", "status", "due_date"]
# The order of the tables in each flush: a row's references are written before it.
ORDER = [Client, StatusChange, Appointment, Interview, EmploymentPlan, PlanVersion, PlanAction]


def _obligation(status: str, held_day: dt.date) -> tuple[int, int, dt.date]:
    """(applications, period months, start) of a demo plan version: 4 a month, 1 in three
    months for part-time work (docs/rules.md), from the first whole month after the day."""
    if status == Status.PART_TIME:
        return 1, 3, rules.job_search_default_start(held_day)
    return (4 if status == Status.UNEMPLOYED else 2), 1, rules.job_search_default_start(held_day)


class _Weighted:
    """A weighted choice that costs one random() and one bisect."""

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.values = [v for v, _w in pairs]
        total = sum(w for _v, w in pairs)
        self.bounds = list(itertools.accumulate(w / total for _v, w in pairs))
        self.bounds[-1] = 1.0

    def __call__(self, rng: random.Random) -> str:
        return self.values[bisect.bisect_right(self.bounds, rng.random())]


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


class _ClientHistory:
    """Draws one client after another, in the order of the draws the seed has always made,
    and hands their rows to the writer."""

    def __init__(
        self,
        *,
        rng: random.Random,
        writer: Writer,
        office_id: int,
        today: dt.date,
        now: dt.datetime,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.office_id = office_id
        self.today = today
        self.now = now
        self.pick_status, self.pick_channel = _Weighted(STATUS_WEIGHTS), _Weighted(CHANNEL_WEIGHTS)
        self.pick_language, self.pick_goal = _Weighted(LANGUAGE_WEIGHTS), _Weighted(GOAL_WEIGHTS)
        self.action_kinds = list(ACTION_TEXTS)
        self.randint, self.choice = _fast(rng)
        self.client_rows = ClientRowBuilder.for_offices([office_id], today=today)
        self.interview_id = self.version_id = self.appointment_id = 0
        self.birth_span = (dt.date(2004, 12, 31) - dt.date(1960, 1, 1)).days

    def _rule_set_on(self, day: dt.date) -> rulesets.RuleSet:
        """The rule set in force on `day` for the demo office (its choice, else the law's)."""
        return self.client_rows.rule_set_on(self.office_id, day)

    def client(self, cid: int, team_id: int, adviser_id: int) -> None:
        rng, randint, choice, today = self.rng, self.randint, self.choice, self.today
        # Unique codes: the i-th client gets birth day i mod span and a rising individual number.
        born = dt.date(1960, 1, 1) + dt.timedelta(days=(cid * 7919) % self.birth_span)
        individual = 2 + (cid * 7919 // self.birth_span) % 898
        code = identity.make_hetu(born, individual)
        first, last = choice(FIRST_NAMES), choice(LAST_NAMES)
        status = self.pick_status(rng)
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
        held_days = self._interviews(cid, adviser_id, status, registered, status_since)
        # The last discussion that restarts the clock under the rule set of its day.
        last_held = rules.last_clock_day(
            [(d, kind) for d, _c, kind in held_days], self._rule_set_on
        )
        created = dt.datetime.combine(registered, dt.time(9), HELSINKI)
        client_row = self.client_rows.row(
            office_id=self.office_id,
            pk=cid,
            code=code,
            first_name=first,
            last_name=last,
            language=self.pick_language(rng),
            email=f"{first}.{last}{cid}@example.com".lower() if rng.random() < 0.8 else "",
            phone=f"+35840{cid:07d}" if rng.random() < 0.9 else "",
            address=f"{choice(STREETS)} {randint(1, 80)}, {choice(CITIES)}",
            status=status,
            status_since=status_since,
            registered_on=registered,
            team_id=team_id,
            responsible_adviser_id=responsible,
            last_held_on=last_held,
            last_channel=next((c for d, c, _k in reversed(held_days) if d == last_held), ""),
            created_at=created,
            updated_at=self.now,
        )
        self.writer.add(Client, CLIENT_COLUMNS, client_row)
        self._status_changes(cid, adviser_id, status, registered, status_since, created)
        if client_row[DUE_STATE] in (DueState.DUE_SOON, DueState.OVERDUE) and rng.random() < 0.4:
            self._appointment(cid, responsible or adviser_id, adviser_id)
        if held_days:
            self._plan(cid, adviser_id, status, held_days, created)

    def _interviews(
        self,
        cid: int,
        adviser_id: int,
        status: str,
        registered: dt.date,
        status_since: dt.date,
    ) -> list[tuple[dt.date, str]]:
        """A year of interviews at about the interval, some late, some missed (overdue now):
        the days and channels of the held ones."""
        rng, randint, choice, today = self.rng, self.randint, self.choice, self.today
        held_days: list[tuple[dt.date, str, str]] = []
        # Interviews happen while the client must be interviewed (under the law in force when
        # the status began): since the current status began, or, for a client who has left
        # the cycle, before it did.
        required = rules.must_be_interviewed(status, self._rule_set_on(status_since))
        cycle_start = status_since if required or status_since == registered else registered
        cycle_end = today if required or status_since == registered else status_since
        day = max(cycle_start, today - dt.timedelta(days=365)) + dt.timedelta(days=randint(3, 20))
        stop_early = rng.random() < 0.22
        while day < cycle_end:
            channel = self.pick_channel(rng)
            # Now and then a supplementary discussion held by need between the regular ones.
            kind = (
                InterviewKind.INITIAL
                if not held_days
                else InterviewKind.SUPPLEMENTARY
                if rng.random() < 0.1
                else InterviewKind.JOB_SEARCH
            )
            roll = rng.random()
            outcome = (
                Outcome.HELD
                if roll < 0.91
                else Outcome.NO_SHOW
                if roll < 0.96
                else Outcome.CANCELLED
            )
            self.interview_id += 1
            held_at = _at(day, randint)
            self.writer.add(
                Interview,
                INTERVIEW_COLUMNS,
                (
                    self.interview_id,
                    cid,
                    adviser_id,
                    held_at,
                    channel,
                    kind,
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
                held_days.append((day, channel, kind))
                step = randint(75, 95) if not stop_early else randint(110, 200)
                if kind == InterviewKind.SUPPLEMENTARY:
                    step = randint(14, 30)
            else:
                step = randint(5, 20)
            day += dt.timedelta(days=step)
        return held_days

    def _status_changes(
        self,
        cid: int,
        adviser_id: int,
        status: str,
        registered: dt.date,
        status_since: dt.date,
        created: dt.datetime,
    ) -> None:
        """Registered with a first status, then the current status from status_since (a
        client who now needs discussions was first in a service, so the current status
        starts the job-search cycle and the row's cycle_since stays empty; others were
        first unemployed)."""
        add = self.writer.add
        if status_since == registered:
            add(StatusChange, STATUS_COLUMNS, (cid, "", status, registered, None, created))
            return
        first = Status.IN_SERVICE if status in rulesets.ANY_REQUIRED else Status.UNEMPLOYED
        since_at = dt.datetime.combine(status_since, dt.time(10), HELSINKI)
        add(StatusChange, STATUS_COLUMNS, (cid, "", first, registered, None, created))
        add(StatusChange, STATUS_COLUMNS, (cid, first, status, status_since, adviser_id, since_at))

    def _appointment(self, cid: int, adviser_id: int, booked_by_id: int) -> None:
        rng, randint = self.rng, self.randint
        self.appointment_id += 1
        start = _at(self.today + dt.timedelta(days=randint(1, 14)), randint)
        channel = self.pick_channel(rng)
        self.writer.add(
            Appointment,
            APPOINTMENT_COLUMNS,
            (
                self.appointment_id,
                cid,
                adviser_id,
                start,
                30,
                channel,
                "Office, room 2" if channel == Channel.FACE_TO_FACE else "",
                f"https://video.example.com/{uuid.UUID(int=rng.getrandbits(128))}"
                if channel == Channel.VIDEO
                else "",
                AppointmentStatus.BOOKED,
                booked_by_id,
                self.now,
            ),
        )

    def _plan(
        self,
        cid: int,
        adviser_id: int,
        status: str,
        held_days: list[tuple[dt.date, str, str]],
        created: dt.datetime,
    ) -> None:
        """A plan version for each of the last two held interviews (the latest is current)."""
        add = self.writer.add
        add(EmploymentPlan, PLAN_COLUMNS, (cid, cid, created))
        goal = self.pick_goal(self.rng)
        kinds = self.rng.sample(self.action_kinds, 2)
        first_number = max(1, len(held_days) - 1)
        for number, (held_day, _channel, _kind) in enumerate(held_days[-2:], start=first_number):
            self.version_id += 1
            add(
                PlanVersion,
                VERSION_COLUMNS,
                (
                    self.version_id,
                    cid,
                    number,
                    goal,
                    "",
                    *_obligation(status, held_day),
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
                add(
                    PlanAction,
                    ACTION_COLUMNS,
                    (
                        self.version_id,
                        kind,
                        ACTION_TEXTS[kind],
                        ActionStatus.DONE if done else ActionStatus.IN_PROGRESS,
                        held_day + dt.timedelta(days=60),
                    ),
                )


def caseload_write(
    *,
    rng: random.Random,
    office_id: int,
    slots: list[tuple[int, int]],
    clients: int,
    today: dt.date,
    now: dt.datetime,
    progress: Callable[[str], None],
) -> dict[type[models.Model], int]:
    """Write `clients` clients with their history, each (team, adviser) slot's share in turn;
    the rows written, by model."""
    writer = Writer()
    history = _ClientHistory(rng=rng, writer=writer, office_id=office_id, today=today, now=now)
    with writer.bulk_load([m._meta.db_table for m in ORDER]):
        for cid in range(1, clients + 1):
            team_id, adviser_id = slots[(cid - 1) * len(slots) // clients]
            history.client(cid, team_id, adviser_id)
            if cid % CHUNK == 0:
                writer.flush(ORDER)
                progress(f"{cid:,} clients")
        writer.flush(ORDER)
    reset_sequences(ORDER)
    return writer.counts
