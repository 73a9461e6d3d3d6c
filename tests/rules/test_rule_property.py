"""Issue 17, point 8: the rule in Python and in SQL agree, over many random cases.

Each seed draws cases (status, status start, last held day, the office's rule-set choices;
for the engine also each interview's kind, which restarts the clock or not by the rule set of
its day)
from 2021–2027, with extra weight on the days where the rule turns: month ends and starts,
the leap day 29.2.2024, every Finnish public holiday ± 3 days (New Year, Epiphany, Easter,
May Day, Ascension, Midsummer, All Saints, Independence Day, Christmas), the law's change
dates 2.5.2022 and 1.1.2026 ± 3 days, the phase and period edges counted from the status
start, held days before the status start (re-entry after a pause), and the office's own
change dates. The SQL is evaluated as annotations over values (no row per case), then the
real due engine runs over real clients and interviews. A failure names the seed and the
failing cases; the seeds are fixed, so a failure is reproducible.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import random
from collections import defaultdict

import holidays
import pytest
from django.db.models import Value
from django.db.models.fields import CharField, DateField
from django.utils import timezone

from clients.models import Client, Status, StatusChange
from interviews import rules, rules_sql, rulesets
from interviews.choices import Channel, InterviewKind, Outcome
from interviews.models import Interview
from interviews.services import due_states_refresh, office_rule_set_choose, working_calendar_fill
from reports.selectors.history import coverage_from_history
from teams.models import Office, ServiceLine, Team
from tests.conftest import make_client

D = dt.date
START, END = D(2021, 1, 1), D(2027, 12, 31)
LAW_CHANGES = (D(2022, 5, 2), D(2026, 1, 1))
SEEDS = (20221205, 20260101, 17)
CASES_PER_SEED = 500
OFFICES_PER_SEED = 8  # the first with no choice (the law's), the others one or two choices
ENGINE_CLIENTS = 50
CHUNK = 40  # annotations per query


def _around(day: dt.date, days: int = 3) -> list[dt.date]:
    return [day + dt.timedelta(days=offset) for offset in range(-days, days + 1)]


def _boundary_days() -> list[dt.date]:
    days: set[dt.date] = {D(2024, 2, 28), D(2024, 2, 29), D(2024, 3, 1)}
    for year in range(START.year, END.year + 1):
        for month in range(1, 13):
            last = calendar.monthrange(year, month)[1]
            days |= {D(year, month, 1), D(year, month, last - 1), D(year, month, last)}
        for holiday in holidays.Finland(years=year):
            days.update(_around(holiday))
    for change in LAW_CHANGES:
        days.update(_around(change))
    return sorted(day for day in days if START <= day <= END)


BOUNDARY = _boundary_days()
REQUIRED = sorted(rulesets.ANY_REQUIRED)


def _clamp(day: dt.date) -> dt.date:
    return min(max(day, START), END)


def _any_day(rng: random.Random, low: dt.date = START) -> dt.date:
    """A boundary day half the time, else any day, from `low` to END."""
    if rng.random() < 0.5:
        first = bisect.bisect_left(BOUNDARY, low)
        if first < len(BOUNDARY):
            return rng.choice(BOUNDARY[first:])
    return low + dt.timedelta(days=rng.randrange((END - low).days + 1))


def _status(rng: random.Random) -> str:
    """Every status, the ones some rule set requires five times as often."""
    return rng.choice([*REQUIRED * 4, *Status.values])


def _held(rng: random.Random, since: dt.date) -> dt.date | None:
    draw = rng.random()
    if draw < 0.12:
        return None
    if draw < 0.27:  # before the status start: history from before a pause or a re-entry
        back = rng.choice([1, 2, 7, 14, 30, 91, 182, 183, 184, rng.randrange(1, 800)])
        return _clamp(since - dt.timedelta(days=back))
    if draw < 0.6:  # at a phase or period edge counted from the status start
        months = rng.choice([0, 1, 3, 3, 6, 6, 9, 12, 12, 18, 24])
        offset = rng.choice([-2, -1, 0, 0, 0, 1, 2, 13, 14, 15, 20, 21, 22, 27, 28, 29])
        return _clamp(rules.add_months(since, months) + dt.timedelta(days=offset))
    return _any_day(rng, low=since)


def _schedule(rng: random.Random) -> rulesets.Schedule:
    """One or two choices at distinct random days, with random codes."""
    days: set[dt.date] = set()
    while len(days) < rng.choice([1, 1, 2]):
        draw = rng.random()
        if draw < 0.1:  # before every case
            days.add(D(2000, 1, 1))
        elif draw < 0.3:
            days.add(rng.choice(_around(rng.choice(LAW_CHANGES))))
        else:
            days.add(_any_day(rng))
    return [(day, rng.choice(rulesets.CODES)) for day in sorted(days)]


def _offices(rng: random.Random, seed: int) -> list[tuple[Team, rulesets.Schedule]]:
    """OFFICES_PER_SEED offices, each with a team: the first with no rule-set choice."""
    working_calendar_fill()  # a transactional test elsewhere may have emptied it
    result = []
    for index in range(OFFICES_PER_SEED):
        office = Office.objects.create(name=f"Office {seed}-{index}", code=f"o{seed}-{index}")
        line = ServiceLine.objects.create(office=office, name="Line")
        schedule = _schedule(rng) if index else []
        for day, code in schedule:
            office_rule_set_choose(office=office, code=code, effective_from=day)
        result.append((Team.objects.create(service_line=line, name="Team"), schedule))
    return result


def _near_a_change(rng: random.Random, day: dt.date, schedule: rulesets.Schedule) -> dt.date:
    """Sometimes the day is moved onto (or next to) a day the rule set changes: the law's
    or the office's."""
    changes = [*LAW_CHANGES, *(start for start, _code in schedule if START <= start <= END)]
    if rng.random() < 0.25:
        return _clamp(rng.choice(changes) + dt.timedelta(days=rng.choice([-1, 0, 0, 1])))
    return day


def _case(rng: random.Random, schedule: rulesets.Schedule):
    since = _near_a_change(rng, _any_day(rng), schedule)
    held = _held(rng, since)
    if held is not None:
        held = _near_a_change(rng, held, schedule)
    return _status(rng), since, held


def _python(status, since, held, schedule) -> dt.date | None:
    return rules.next_due_date(
        status=status, status_since=since, last_held_on=held, schedule=schedule or None
    )


def _sql(client: Client, cases: list) -> list[dt.date | None]:
    """The SQL rule over each case's values, with the client's team's office's rule sets."""
    got: list[dt.date | None] = []
    for first in range(0, len(cases), CHUNK):
        chunk = cases[first : first + CHUNK]
        names = [f"d{index}" for index in range(len(chunk))]
        expressions = {
            name: rules_sql.next_due_date_expression(
                Value(status, output_field=CharField()),
                Value(since, output_field=DateField()),
                Value(held, output_field=DateField()),
                team="team",
            )
            for name, (status, since, held) in zip(names, chunk, strict=True)
        }
        row = Client.objects.filter(pk=client.pk).annotate(**expressions).values(*names).get()
        got += [row[name] for name in names]
    return got


def _show(status, since, held, schedule) -> str:
    choices = "; ".join(f"{code} from {start}" for start, code in schedule) or "none (the law's)"
    return f"status={status} since={since} held={held} office's choices: {choices}"


def _row(held, due, state) -> str:
    return f"held {held}, due {due}, {state}"


def _differences(lines: list[str], seed: int, total: int, what: str) -> str:
    return f"seed {seed}: {len(lines)} of {total} {what} differ:\n" + "\n".join(lines[:15])


@pytest.mark.parametrize("seed", SEEDS)
def test_sql_and_python_agree_over_random_cases(seed, db):
    rng = random.Random(seed)
    offices = _offices(rng, seed)
    by_office: dict[int, list] = defaultdict(list)
    for _index in range(CASES_PER_SEED):
        office = rng.randrange(len(offices))
        by_office[office].append(_case(rng, offices[office][1]))
    wrong, reached = [], set()
    for office, cases in by_office.items():
        team, schedule = offices[office]
        client = make_client(team)
        for (status, since, held), sql in zip(cases, _sql(client, cases), strict=True):
            python = _python(status, since, held, schedule)
            if python != sql:
                case = _show(status, since, held, schedule)
                wrong.append(f"{case}: Python {python}, SQL {sql}")
            after_held = held is not None and held >= since
            rule_set = rulesets.in_force(schedule, held if after_held else since)
            reached.add((rule_set.code, after_held, rules.must_be_interviewed(status, rule_set)))
    assert wrong == [], _differences(wrong, seed, CASES_PER_SEED, "cases")
    # The draw reaches every rule set, for a first interview and for one after a held one,
    # for required statuses and for others.
    everything = {(c, a, r) for c in rulesets.CODES for a in (False, True) for r in (False, True)}
    assert reached == everything, seed


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment of `day` in Helsinki, sometimes just after midnight (the day before in UTC)
    or just before the next one: the engine must take the local date."""
    time = rng.choice([dt.time(10), dt.time(0, 15), dt.time(23, 45), dt.time(13, 30)])
    return timezone.make_aware(dt.datetime.combine(day, time))


@pytest.mark.parametrize("seed", SEEDS)
def test_due_engine_stores_what_python_says_for_random_histories(seed, adviser):
    """Real clients with random histories (interviews before and after the status start,
    missed and cancelled ones) in offices with random rule-set choices: a full run, then
    daily runs on later days, store the Python rule's dates and states."""
    rng = random.Random(seed)
    offices = _offices(rng, seed)
    expected = {}
    interviews = []
    for _index in range(ENGINE_CLIENTS):
        team, schedule = rng.choice(offices)
        status, since, _held_unused = _case(rng, schedule)
        registered = _clamp(since - dt.timedelta(days=rng.choice([0, 0, 30, 400])))
        client = make_client(team, status=status, status_since=since, registered_on=registered)
        held_kinds = []
        for _interview in range(rng.choice([0, 1, 1, 2, 3, 4])):
            held = _held(rng, since) or since
            outcome = rng.choice([Outcome.HELD, Outcome.HELD, Outcome.NO_SHOW, Outcome.CANCELLED])
            kind = rng.choice(InterviewKind.values)
            held_at = _at(held, rng)
            interviews.append(
                Interview(
                    client=client,
                    adviser=adviser,
                    recorded_by=adviser,
                    held_at=held_at,
                    # make_interview() records it now, but the day may be after today
                    recorded_at=held_at,
                    channel=rng.choice(Channel.values),
                    kind=kind,
                    outcome=outcome,
                    duration_minutes=30 if outcome == Outcome.HELD else None,
                )
            )
            if outcome == Outcome.HELD:
                held_kinds.append((timezone.localdate(held_at), kind))
        # Only the kinds that restart the clock under the rule set of their day count.
        last_held_on = rules.last_clock_day(
            held_kinds, lambda day, schedule=schedule: rulesets.in_force(schedule, day)
        )
        expected[client.pk] = (
            status,
            since,
            last_held_on,
            schedule,
            _python(status, since, last_held_on, schedule),
        )
    Interview.objects.bulk_create(interviews)

    today = _any_day(rng)
    due_states_refresh(today=today, full=True)
    stored = {client.pk: client for client in Client.objects.filter(pk__in=expected)}
    wrong = []
    for pk, (status, since, last_held_on, schedule, due) in expected.items():
        client = stored[pk]
        want = (last_held_on, due, rules.due_state(due, today))
        got = (client.last_held_on, client.next_due_date, client.due_state)
        if got != want or client.due_state != client.due_state_on(today):
            case = _show(status, since, last_held_on, schedule)
            wrong.append(f"{case}: Python {_row(*want)}, stored {_row(*got)}")
    assert wrong == [], _differences(wrong, seed, len(expected), f"clients (full run {today})")

    # Daily runs on later days around two clients' due dates, where states turn: the day
    # before the due-soon window, its first day, the due date, the day after.
    dues = sorted(due for *_case, due in expected.values() if due is not None and due > today)
    edges = (-15, -14, 0, 1)
    days = {
        due + dt.timedelta(days=edge)
        for due in rng.sample(dues, min(2, len(dues)))
        for edge in edges
    }
    for later in sorted(day for day in days if day > today):
        due_states_refresh(today=later)
        states = dict(Client.objects.filter(pk__in=expected).values_list("pk", "due_state"))
        wrong = [
            f"{_show(*case)} due {due}: Python {rules.due_state(due, later)}, stored {states[pk]}"
            for pk, (*case, due) in expected.items()
            if states[pk] != rules.due_state(due, later)
        ]
        what = f"clients (daily run {later})"
        assert wrong == [], _differences(wrong, seed, len(expected), what)


# --- Re-entry: random status histories ----------------------------------------------------

# Gaps between status changes: the same day (a tie, ordered by id), short breaks, and the
# six-month edge of the re-entry rule (182–184 days, and whole months from month ends).
GAPS = [0, 1, 14, 31, 60, 120, 150, 181, 182, 183, 184, 185, 200, 400]


def _history(rng: random.Random, schedule: rulesets.Schedule) -> rules.StatusHistory:
    """One to five status changes, each to another status, oldest first."""
    day = _near_a_change(rng, _any_day(rng), schedule)
    changes: rules.StatusHistory = []
    for _index in range(rng.choice([1, 2, 2, 3, 3, 4, 5])):
        status = _status(rng)
        while changes and status == changes[-1][1]:
            status = _status(rng)
        changes.append((day, status))
        if rng.random() < 0.4:  # a break of whole months: the six-month edge
            day = rules.add_months(day, rng.choice([5, 6, 6, 6, 7]))
        else:
            day = day + dt.timedelta(days=rng.choice(GAPS))
        day = _near_a_change(rng, day, schedule) if rng.random() < 0.2 else day
        if day > END:
            break
        day = max(day, changes[-1][0])
    return changes


@pytest.mark.parametrize("seed", SEEDS)
def test_due_engine_and_history_follow_re_entries_in_random_status_histories(seed, adviser):
    """Clients with random status histories (returns within and after six months, moves
    between required statuses, ties on one day) and random interviews of every kind: the
    full run stores the Python rule's cycle start and due date, and coverage from the
    history on random days equals the Python rule's figures."""
    rng = random.Random(seed)
    offices = _offices(rng, seed)
    cases = {}
    rows, interviews = [], []
    for _index in range(ENGINE_CLIENTS * 2):
        team, schedule = rng.choice(offices)
        changes = _history(rng, schedule)
        (first, _s), (since, status) = changes[0], changes[-1]
        client = make_client(team, status=status, status_since=since, registered_on=first)
        previous = ""
        for on, new in changes:
            rows.append(
                StatusChange(client=client, old_status=previous, new_status=new, effective_on=on)
            )
            previous = new
        held = []
        for _interview in range(rng.choice([0, 1, 2, 3, 4])):
            anchor = rng.choice(changes)[0]
            day = _clamp(anchor + dt.timedelta(days=rng.choice([-20, 0, 3, 10, 40, 95, 200])))
            kind, held_at = rng.choice(InterviewKind.values), _at(day, rng)
            outcome = rng.choice([Outcome.HELD, Outcome.HELD, Outcome.NO_SHOW])
            interviews.append(
                Interview(
                    client=client,
                    adviser=adviser,
                    recorded_by=adviser,
                    held_at=held_at,
                    recorded_at=held_at,
                    channel=Channel.PHONE,
                    kind=kind,
                    outcome=outcome,
                )
            )
            if outcome == Outcome.HELD:
                held.append((timezone.localdate(held_at), kind))
        cases[client.pk] = (team, schedule, changes, held)
    StatusChange.objects.bulk_create(rows)  # in order: ids follow the history
    Interview.objects.bulk_create(interviews)

    def rule_set_on(schedule):
        return lambda day: rulesets.in_force(schedule, day)

    today = END
    due_states_refresh(today=today, full=True)
    stored = {c.pk: c for c in Client.objects.filter(pk__in=cases)}
    wrong, restarts = [], 0
    for pk, (_team, schedule, changes, held) in cases.items():
        cycle = rules.cycle_start(changes, rule_set_on(schedule))
        last = rules.last_clock_day(held, rule_set_on(schedule))
        status, since = changes[-1][1], changes[-1][0]
        due = rules.next_due_date(
            status=status, status_since=cycle, last_held_on=last, schedule=schedule or None
        )
        want = (None if cycle == since or due is None else cycle, last, due)
        client = stored[pk]
        got = (client.cycle_since, client.last_held_on, client.next_due_date)
        if got != want:
            wrong.append(f"{changes} held {held} schedule {schedule}: Python {want}, SQL {got}")
        restarts += cycle != since and due is not None
    assert wrong == [], _differences(wrong, seed, len(cases), "clients (full run)")
    assert restarts > 5, seed  # the draw reaches continued cycles

    # Coverage from the history on random days: the same rule as of each day.
    for day in sorted({_any_day(rng, D(2022, 1, 1)) for _ in range(4)} | {D(2026, 6, 30)}):
        expected: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for _team, schedule, changes, held in cases.values():
            known = [change for change in changes if change[0] <= day]
            if not known or not rules.required_on(known[-1][1], day, schedule or None):
                continue
            cycle = rules.cycle_start(changes, rule_set_on(schedule), day)
            last = rules.last_clock_day([h for h in held if h[0] <= day], rule_set_on(schedule))
            due = rules.next_due_date(
                status=known[-1][1], status_since=cycle, last_held_on=last, schedule=schedule
            )
            figures = expected[_team.pk]
            figures[0] += 1
            figures[1] += rules.covered_on(last, day, schedule or None)
            figures[2] += due is not None and due < day
        got: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (team_id, _adviser), figures in coverage_from_history(day).items():
            got[team_id][0] += figures.required
            got[team_id][1] += figures.covered
            got[team_id][2] += figures.overdue
        assert dict(got) == dict(expected), (seed, day)
