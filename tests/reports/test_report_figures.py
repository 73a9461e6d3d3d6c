"""The coverage report's figures against hand-computed cases and independent SQL."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections import Counter, defaultdict

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Assignment, Client, Status, StatusChange
from interviews import rules
from interviews.choices import AppointmentStatus, Channel, Outcome
from interviews.models import Appointment, Interview
from plans.models import ActionKind, ActionStatus, EmploymentPlan, PlanAction, PlanVersion
from reports.models import CoverageDay
from reports.periods import LOCAL_ZONE as HELSINKI
from reports.periods import Period, period_parse, previous_quarter
from reports.selectors.report import coverage_report, report_build
from teams.models import Team
from tests.conftest import make_client, make_interview, make_user
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
D = dt.date
Q3 = (D(2026, 7, 1), D(2026, 9, 30))


def _status(client, new, on, old=""):
    StatusChange.objects.create(client=client, old_status=old, new_status=new, effective_on=on)


def _interview_at(client, adviser, at: dt.datetime, outcome=Outcome.HELD, channel=Channel.PHONE):
    return Interview.objects.create(
        client=client,
        adviser=adviser,
        recorded_by=adviser,
        held_at=at,
        channel=channel,
        outcome=outcome,
    )


def _plan_version(client, author, number, on: dt.date, actions):
    """A plan version agreed on `on` (created_at is auto_now_add and the table is
    append-only, so the clock is moved instead)."""
    plan, _ = EmploymentPlan.objects.get_or_create(client=client)
    with time_machine.travel(dt.datetime.combine(on, dt.time(12), HELSINKI), tick=False):
        version = PlanVersion.objects.create(plan=plan, number=number, goal="work", author=author)
    for kind, status in actions:
        PlanAction.objects.create(version=version, kind=kind, description="x", status=status)
    return version


# --- The period -------------------------------------------------------------------------


def test_periods_parse_and_validate():
    today = D(2026, 11, 25)
    assert period_parse(kind="month", month="2026-02", today=today) == Period(
        D(2026, 2, 1), D(2026, 2, 28), "month"
    )
    q = period_parse(kind="quarter", quarter="2026-Q3", today=today)
    assert (q.start, q.end, q.label) == (D(2026, 7, 1), D(2026, 9, 30), "2026-Q3")
    # A period running past today ends today.
    assert period_parse(kind="quarter", quarter="2026-Q4", today=today).end == today
    r = period_parse(kind="range", start="2026-01-15", end="2026-03-10", today=today)
    assert (r.start, r.end, r.months) == (D(2026, 1, 15), D(2026, 3, 10), 3)
    assert previous_quarter(D(2026, 2, 3)).label == "2025-Q4"
    for kwargs, field in [
        ({"kind": "month", "month": "2026-13"}, "month"),
        ({"kind": "quarter", "quarter": "2026-Q5"}, "quarter"),
        ({"kind": "range", "start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"kind": "range", "start": "nonsense", "end": "2026-02-01"}, "start"),
        ({"kind": "range", "start": "2020-01-01", "end": "2026-02-01"}, "end"),  # > 36 months
        ({"kind": "month", "month": "2027-01"}, "month"),  # not started
        ({"kind": "week"}, "period"),
    ]:
        with pytest.raises(ValidationError) as error:
            period_parse(today=today, **kwargs)
        assert field in error.value.message_dict, kwargs


# --- Hand-computed edge cases -----------------------------------------------------------


def test_hand_computed_activity_and_outcomes(team_a, team_b, adviser, outsider, manager):
    """Q3 2026: channels, the period's edges in Helsinki time, no-shows, cancellations,
    median interval, outcomes, and a client moved between teams."""
    # c1: held 1.4. (before the period), 10.7. phone and 15.9. face to face: gaps 100, 67.
    c1 = make_client(team_a, registered_on=D(2025, 1, 1), responsible_adviser=adviser)
    _status(c1, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c1, adviser, held_on=D(2026, 4, 1))
    make_interview(c1, adviser, held_on=D(2026, 7, 10))
    make_interview(c1, adviser, held_on=D(2026, 9, 15), channel=Channel.FACE_TO_FACE)
    # c2: first ever interview 1.7. at 00:30 Helsinki (30.6. in UTC): in the period, no gap.
    #     A no-show, a cancelled interview whose appointment is cancelled too (counted once),
    #     a cancelled appointment without an interview (counted), one in October (not).
    c2 = make_client(team_a, registered_on=D(2026, 6, 1), responsible_adviser=adviser)
    _status(c2, Status.UNEMPLOYED, D(2026, 6, 1))
    _interview_at(c2, adviser, dt.datetime(2026, 7, 1, 0, 30, tzinfo=HELSINKI), channel="video")
    make_interview(c2, adviser, held_on=D(2026, 8, 20), outcome=Outcome.NO_SHOW)
    appointment = Appointment.objects.create(
        client=c2,
        adviser=adviser,
        booked_by=adviser,
        channel=Channel.PHONE,
        starts_at=dt.datetime(2026, 8, 25, 10, tzinfo=HELSINKI),
        status=AppointmentStatus.CANCELLED,
    )
    cancelled = make_interview(c2, adviser, held_on=D(2026, 8, 25), outcome=Outcome.CANCELLED)
    Interview.objects.filter(pk=cancelled.pk).update(appointment=appointment)
    for starts in (dt.datetime(2026, 9, 1, 9, tzinfo=HELSINKI), dt.datetime(2026, 10, 1, 9)):
        Appointment.objects.create(
            client=c2,
            adviser=adviser,
            booked_by=adviser,
            channel=Channel.PHONE,
            starts_at=starts.replace(tzinfo=HELSINKI),
            status=AppointmentStatus.CANCELLED,
        )
    # Interviews just outside the period: 30.9. 23:30 Helsinki is in, 1.10. 00:10 is out.
    _interview_at(c2, adviser, dt.datetime(2026, 9, 30, 23, 30, tzinfo=HELSINKI))
    _interview_at(c2, adviser, dt.datetime(2026, 10, 1, 0, 10, tzinfo=HELSINKI))
    # c3: unemployed → employed on 5.8. (to work); c4: unemployed → in a service on 30.9.
    #     (to another service, the last day); c5: in a service → employed (not from a
    #     required status); c6: unemployed → employed on 1.10. (after the period).
    c3 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c3, Status.UNEMPLOYED, D(2025, 1, 1))
    _status(c3, Status.EMPLOYED, D(2026, 8, 5), old=Status.UNEMPLOYED)
    c4 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c4, Status.UNEMPLOYED, D(2025, 1, 1))
    _status(c4, Status.IN_SERVICE, D(2026, 9, 30), old=Status.UNEMPLOYED)
    c5 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c5, Status.IN_SERVICE, D(2025, 1, 1))
    _status(c5, Status.EMPLOYED, D(2026, 8, 1), old=Status.IN_SERVICE)
    c6 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c6, Status.UNEMPLOYED, D(2025, 1, 1))
    _status(c6, Status.EMPLOYED, D(2026, 10, 1), old=Status.UNEMPLOYED)
    # Plans: c1 had a study from June (not new in Q3) and starts a work trial in August;
    # c3 only plans a study (not started); c4 starts a study on 30.9. (counted).
    _plan_version(c1, adviser, 1, D(2026, 6, 1), [(ActionKind.STUDY, ActionStatus.IN_PROGRESS)])
    _plan_version(
        c1,
        adviser,
        2,
        D(2026, 8, 10),
        [
            (ActionKind.STUDY, ActionStatus.IN_PROGRESS),
            (ActionKind.WORK_TRIAL, ActionStatus.IN_PROGRESS),
        ],
    )
    _plan_version(c3, adviser, 1, D(2026, 8, 10), [(ActionKind.STUDY, ActionStatus.PLANNED)])
    _plan_version(c4, adviser, 1, D(2026, 9, 30), [(ActionKind.STUDY, ActionStatus.DONE)])
    # c7: in team B until 10.9., then moved to team A: its July interview counts for B (the
    #     team that had the client at the end of July), its row on 30.9. for A.
    c7 = make_client(team_a, registered_on=D(2025, 1, 1))
    _status(c7, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c7, outsider, held_on=D(2026, 7, 20), channel=Channel.VIDEO)
    move = Assignment.objects.create(
        client=c7, from_team=team_b, to_team=team_a, moved_by=manager, batch=uuid.uuid4()
    )
    Assignment.objects.filter(pk=move.pk).update(
        moved_at=dt.datetime(2026, 9, 10, 12, tzinfo=HELSINKI)
    )

    report = coverage_report(user=manager, start=Q3[0], end=Q3[1], level="team")
    rows = {row.key: row for row in report.rows}
    a, b = rows[team_a.pk], rows[team_b.pk]
    # Held in Q3 for A: c1 ×2, c2 1.7. and 30.9.; for B: c7 20.7.
    assert a.held == {"phone": 2, "face_to_face": 1, "video": 1}
    assert a.held_total == 4 and a.share("video") == pytest.approx(1 / 4)
    assert (a.no_shows, a.cancellations) == (1, 2)
    # Gaps ending in Q3: c1 100 and 67, c2 30.9. − 1.7. = 91: median 91.
    assert a.median_interval_days == 91.0
    assert a.outcomes == {"to_work": 1, "to_study": 1, "to_work_trial": 1, "to_service": 1}
    assert b.held == {"phone": 0, "face_to_face": 0, "video": 1} and b.figures.required == 0
    assert b.median_interval_days is None  # c7's first interview: no interval
    # On 30.9.: c1 (covered), c2 (covered, held 30.9.), c6 (required, overdue: nothing held),
    # c7 (covered, held 20.7.); c3 employed, c4 in a service, c5 never required.
    assert (a.figures.required, a.figures.covered, a.figures.overdue) == (4, 3, 1)
    assert report.total.figures.required == 4 and report.total.median_interval_days == 91.0
    # The series: one point per month end; the last is the period end.
    assert [d for d, _f in report.series] == [D(2026, 7, 31), D(2026, 8, 31), D(2026, 9, 30)]
    assert report.series_total[-1][1] == report.total.figures

    # Per adviser (c7 has no responsible adviser and only one interview anyway).
    adviser_rows = {
        r.key: r
        for r in coverage_report(user=manager, start=Q3[0], end=Q3[1], level="adviser").rows
    }
    assert adviser_rows[adviser.pk].median_interval_days == 91.0
    july = coverage_report(user=manager, start=D(2026, 7, 1), end=D(2026, 7, 31), level="team")
    assert {r.key: r for r in july.rows}[team_a.pk].median_interval_days == 100.0
    sept = coverage_report(user=manager, start=D(2026, 9, 1), end=D(2026, 9, 30), level="office")
    assert sept.rows[0].median_interval_days == pytest.approx((67 + 91) / 2)


def test_who_sees_which_rows(team_a, team_b, adviser, lead, outsider, manager, service_line):
    make_client(team_a)
    make_client(team_b)
    other_line = service_line.office.service_lines.create(name="Other line")
    Team.objects.create(service_line=other_line, name="Team C")
    everyone = coverage_report(user=manager, start=Q3[0], end=Q3[1], level="team")
    assert {r.label for r in everyone.rows} == {"Team A", "Team B", "Team C"}
    own = coverage_report(user=lead, start=Q3[0], end=Q3[1], level="team")
    assert [r.key for r in own.rows] == [team_a.pk]
    lines = coverage_report(user=manager, start=Q3[0], end=Q3[1], level="service_line")
    assert {r.label for r in lines.rows} == {"Supported employment", "Other line"}
    for user in (adviser, outsider, make_user("nobody")):
        with pytest.raises(PermissionDenied):
            coverage_report(user=user, start=Q3[0], end=Q3[1], level="team")
    with pytest.raises(ValidationError):
        coverage_report(user=manager, start=Q3[0], end=Q3[1], level="planet")


def test_query_count_does_not_grow_with_teams(service_line, manager, adviser):
    def build():
        with CaptureQueriesContext(connection) as queries:
            coverage_report(user=manager, start=Q3[0], end=Q3[1], level="team")
        manager.__dict__.pop("_manager_scopes_cache", None)
        return len(queries)

    team = Team.objects.create(service_line=service_line, name="First")
    c = make_client(team, registered_on=D(2025, 1, 1), responsible_adviser=adviser)
    _status(c, Status.UNEMPLOYED, D(2025, 1, 1))
    make_interview(c, adviser, held_on=D(2026, 8, 1))
    build()  # the first call also learns that the manager has no team membership
    one = build()
    for n in range(8):
        t = Team.objects.create(service_line=service_line, name=f"Team {n}")
        for _i in range(3):
            c = make_client(t, registered_on=D(2025, 1, 1), responsible_adviser=adviser)
            _status(c, Status.UNEMPLOYED, D(2025, 1, 1))
            make_interview(c, adviser, held_on=D(2026, 8, 1))
            _status(c, Status.EMPLOYED, D(2026, 9, 1), old=Status.UNEMPLOYED)
    assert build() == one
    # A few coverage queries per month (reports.selectors.coverage), then interviews, median,
    # outcomes, all teams, labels, partners' referral outcomes, the manager's scopes, teams.
    assert one <= 3 * 3 + 8


# --- Seeded office against independent SQL ----------------------------------------------


def _dt(value: dt.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _aware(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _sql(query: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _reference(start: dt.date, end: dt.date) -> dict[int, dict]:
    """Per team, from SQL written independently of reports.services (the seed moves nobody,
    so a client's team is client.team_id)."""
    since = _dt(dt.datetime.combine(start, dt.time(0), HELSINKI))
    until = _dt(dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), HELSINKI))
    out: dict[int, dict] = defaultdict(
        lambda: {
            "held": defaultdict(int),
            "no_shows": 0,
            "cancellations": 0,
            "gaps": [],
            "to_work": 0,
            "to_service": 0,
            "to_study": 0,
            "to_work_trial": 0,
            "required": 0,
            "covered": 0,
            "overdue": 0,
        }
    )
    for team, outcome, channel, n in _sql(
        "SELECT c.team_id, i.outcome, i.channel, COUNT(*) FROM interviews_interview i "
        "JOIN clients_client c ON c.id = i.client_id "
        "WHERE i.held_at >= %s AND i.held_at < %s GROUP BY c.team_id, i.outcome, i.channel",
        [since, until],
    ):
        if outcome == "held":
            out[team]["held"][channel] += n
        elif outcome == "no_show":
            out[team]["no_shows"] += n
        else:
            out[team]["cancellations"] += n
    for team, n in _sql(
        "SELECT c.team_id, COUNT(*) FROM interviews_appointment a "
        "JOIN clients_client c ON c.id = a.client_id WHERE a.status = 'cancelled' "
        "AND a.starts_at >= %s AND a.starts_at < %s "
        "AND a.id NOT IN (SELECT appointment_id FROM interviews_interview "
        "WHERE appointment_id IS NOT NULL) GROUP BY c.team_id",
        [since, until],
    ):
        out[team]["cancellations"] += n
    # Gaps: every held interview with the client's previous held one, in Python.
    previous: dict[int, dt.date] = {}
    for client, team, held_at in _sql(
        "SELECT i.client_id, c.team_id, i.held_at FROM interviews_interview i "
        "JOIN clients_client c ON c.id = i.client_id WHERE i.outcome = 'held' AND i.held_at < %s "
        "ORDER BY i.client_id, i.held_at, i.id",
        [until],
    ):
        at = _aware(held_at)
        day = at.astimezone(HELSINKI).date()
        if client in previous and at >= _aware(since):
            out[team]["gaps"].append((day - previous[client]).days)
        previous[client] = day
    for team, new, n in _sql(
        "SELECT c.team_id, s.new_status, COUNT(DISTINCT s.client_id) FROM clients_statuschange s "
        "JOIN clients_client c ON c.id = s.client_id WHERE s.effective_on BETWEEN %s AND %s "
        "AND s.old_status IN ('unemployed', 'laid_off', 'part_time', 'threatened', "
        "'shortened_hours', 'wage_subsidy') "
        "AND s.new_status IN ('employed', 'part_time', 'in_service') "
        "GROUP BY c.team_id, s.new_status",
        [start, end],
    ):
        out[team]["to_service" if new == "in_service" else "to_work"] += n
    # A study / work trial starts with the first version that has it in progress or done.
    for team, kind, created in _sql(
        "SELECT c.team_id, a.kind, v.created_at FROM plans_planaction a "
        "JOIN plans_planversion v ON v.id = a.version_id "
        "JOIN plans_employmentplan p ON p.id = v.plan_id JOIN clients_client c ON c.id = p.client_id "
        "WHERE a.kind IN ('study', 'work_trial') AND a.status IN ('in_progress', 'done') "
        "AND v.number = (SELECT MIN(v2.number) FROM plans_planversion v2 "
        "JOIN plans_planaction a2 ON a2.version_id = v2.id WHERE v2.plan_id = v.plan_id "
        "AND a2.kind = a.kind AND a2.status IN ('in_progress', 'done'))",
        [],
    ):
        if _aware(since) <= _aware(created) < _aware(until):
            out[team]["to_study" if kind == "study" else "to_work_trial"] += 1
    # Coverage as of the end: status in force, last held interview, then the rule.
    for team, status, status_on, held_at in _sql(
        "SELECT c.team_id, "
        "(SELECT s.new_status FROM clients_statuschange s WHERE s.client_id = c.id "
        " AND s.effective_on <= %s ORDER BY s.effective_on DESC, s.id DESC LIMIT 1), "
        "(SELECT s.effective_on FROM clients_statuschange s WHERE s.client_id = c.id "
        " AND s.effective_on <= %s ORDER BY s.effective_on DESC, s.id DESC LIMIT 1), "
        # The kinds that restart the clock: the initial interview and the job-search
        # discussion always; a supplementary one before 2026; any kind before 2.5.2022.
        "(SELECT i.held_at FROM interviews_interview i WHERE i.client_id = c.id "
        " AND i.outcome = 'held' AND i.held_at < %s AND (i.kind IN ('initial', 'job_search') "
        "  OR (i.kind = 'supplementary' AND i.held_at < %s) OR i.held_at < %s) "
        " ORDER BY i.held_at DESC LIMIT 1) "
        "FROM clients_client c",
        [
            end,
            end,
            until,
            dt.datetime(2026, 1, 1, tzinfo=HELSINKI),
            dt.datetime(2022, 5, 2, tzinfo=HELSINKI),
        ],
    ):
        # Who: the unemployed (2017), and from 2.5.2022 also these (docs/rules.md).
        wider = ("part_time", "threatened", "shortened_hours", "wage_subsidy")
        if status not in ("unemployed", "laid_off", *(wider if end >= D(2022, 5, 2) else ())):
            continue
        since_day = status_on if isinstance(status_on, dt.date) else D.fromisoformat(status_on)
        last = None if held_at is None else _aware(held_at).astimezone(HELSINKI).date()
        out[team]["required"] += 1
        out[team]["covered"] += rules.covered_on(last, end)
        due = rules.next_due_date(status=status, status_since=since_day, last_held_on=last)
        out[team]["overdue"] += due < end
    return out


@pytest.fixture
def seeded(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=500, seed=7, today=D(2026, 11, 25))


@pytest.mark.parametrize("kept", [False, True], ids=["from history", "kept months"])
@pytest.mark.parametrize(
    ("start", "end"),
    [Q3, (D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 2, 14), D(2026, 11, 20))],
)
def test_seeded_office_matches_independent_sql(seeded, start, end, kept):
    """The same figures whether the closed months are read from their kept activity rows
    (the nightly job's) or computed from the history."""
    from reports.models import ActivityMonth
    from reports.services import coverage_snapshots_refresh

    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        if kept:
            coverage_snapshots_refresh(today=D(2026, 11, 25))
            assert ActivityMonth.objects.count() == 13
        report = report_build(period=Period(start, end), level="team", team_ids=None)
    reference = _reference(start, end)
    all_gaps = []
    for row in report.rows:
        ref = reference[row.key]
        all_gaps += ref["gaps"]
        assert row.held == {c: ref["held"].get(c, 0) for c in Channel.values}, row.label
        assert (row.no_shows, row.cancellations) == (ref["no_shows"], ref["cancellations"])
        median = statistics.median(ref["gaps"]) if ref["gaps"] else None
        assert row.median_interval_days == median, row.label
        assert row.outcomes == {
            k: ref[k] for k in ("to_work", "to_study", "to_work_trial", "to_service")
        }
        assert (row.figures.required, row.figures.covered, row.figures.overdue) == (
            ref["required"],
            ref["covered"],
            ref["overdue"],
        ), row.label
    assert report.total.median_interval_days == statistics.median(all_gaps)
    assert report.total.held_total == sum(r.held_total for r in report.rows) > 0


def test_kept_months_are_read_and_a_stale_month_is_computed_again(seeded):
    """A whole closed month comes from its kept rows; once history dated in it is written,
    the kept rows of the client's team (and its line's sums) are rebuilt from the data."""
    from reports.models import ActivityCount, ActivityKind, ActivityLineCount
    from reports.services import coverage_snapshots_refresh

    today = D(2026, 11, 25)
    october = Period(D(2026, 10, 1), D(2026, 10, 31))
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        computed = report_build(period=october, level="office", team_ids=None).total
        coverage_snapshots_refresh(today=today)
        phone = {"month__day__day": october.end, "kind": ActivityKind.HELD, "value": "phone"}
        kept = ActivityCount.objects.filter(**phone)
        lines = ActivityLineCount.objects.filter(**phone)
        assert sum(kept.values_list("n", flat=True)) == computed.held["phone"] > 0
        assert sum(lines.values_list("n", flat=True)) == computed.held["phone"]
        # The kept rows are what the reports read: one more phone interview in a team's
        # row shows in the team report, one in a line's sum in the office report.
        row = kept.first()
        ActivityCount.objects.filter(pk=row.pk).update(n=row.n + 1)
        teams = report_build(period=october, level="team", team_ids=None).total
        assert teams.held["phone"] == computed.held["phone"] + 1
        line = lines.get(service_line_id=row.team.service_line_id)
        ActivityLineCount.objects.filter(pk=line.pk).update(n=line.n + 1)
        read = report_build(period=october, level="office", team_ids=None).total
        assert read.held["phone"] == computed.held["phone"] + 1
        # A retroactive interview on 15.10. for a client of that team rebuilds the team's
        # kept rows and its line's sums in its transaction: what was kept is true again.
        client = Client.objects.filter(status=Status.UNEMPLOYED, team_id=row.team_id).first()
        adviser = client.responsible_adviser or make_user("late_adviser")
        from interviews.services import interview_log

        interview_log(
            client=client,
            adviser=adviser,
            held_at=dt.datetime(2026, 10, 15, 10, tzinfo=HELSINKI),
            channel=Channel.PHONE,
            outcome=Outcome.HELD,
        )
        again = report_build(period=october, level="office", team_ids=None).total
    assert again.held["phone"] == computed.held["phone"] + 1
    assert again.held_total == computed.held_total + 1


@pytest.mark.parametrize("seed", range(20))
def test_median_of_a_histogram_is_the_median_of_its_values(seed):
    import random

    from reports.selectors.activity import median_of

    rng = random.Random(seed)
    values = [rng.randint(0, 120) for _ in range(rng.randint(1, 60))]
    histogram = Counter(values)
    assert median_of(histogram) == statistics.median(values)
    assert median_of(Counter()) is None


def test_cancelling_a_past_appointment_or_a_late_no_show_reaches_a_kept_month(
    team_a, adviser, manager
):
    from interviews.services import appointment_cancel, interview_log
    from reports.models import CoverageDay
    from reports.services import coverage_snapshots_refresh

    client = make_client(team_a, registered_on=D(2026, 1, 1), responsible_adviser=adviser)
    _status(client, Status.UNEMPLOYED, D(2026, 1, 1))
    booked = Appointment.objects.create(
        client=client,
        adviser=adviser,
        booked_by=adviser,
        channel=Channel.PHONE,
        starts_at=dt.datetime(2026, 10, 20, 9, tzinfo=HELSINKI),
    )
    october = Period(D(2026, 10, 1), D(2026, 10, 31))
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        coverage_snapshots_refresh(today=D(2026, 11, 25))
        assert not CoverageDay.objects.get(day=october.end).stale
        before = report_build(period=october, level="team", team_ids=[team_a.pk]).total
        appointment_cancel(appointment=booked, cancelled_by=adviser)
        # Rebuilt for the client's team in the same transaction: fresh, and counted.
        assert not CoverageDay.objects.get(day=october.end).stale
        after = report_build(period=october, level="team", team_ids=[team_a.pk]).total
        assert after.cancellations == before.cancellations + 1
        coverage_snapshots_refresh(today=D(2026, 11, 25))
        interview_log(
            client=client,
            adviser=adviser,
            held_at=dt.datetime(2026, 10, 22, 9, tzinfo=HELSINKI),
            channel=Channel.PHONE,
            outcome=Outcome.NO_SHOW,
        )
        assert not CoverageDay.objects.get(day=october.end).stale
        late = report_build(period=october, level="team", team_ids=[team_a.pk]).total
    assert late.no_shows == before.no_shows + 1


def _activity_figures(report) -> dict:
    return {
        row.key: (
            dict(row.held),
            row.no_shows,
            row.cancellations,
            row.median_interval_days,
            dict(row.outcomes),
        )
        for row in [*report.rows, report.total]
    }


def _ids(case) -> list[int] | None:
    return None if case[1] is None else list(case[1])


def test_line_and_office_reports_read_line_sums_equal_to_the_team_rows(seeded, rf):
    """Kept months read per service line (whole lines) or per team (a line the report
    covers only in part) give what the history gives, also after a team changed line."""
    from django.contrib import admin

    from reports.models import ActivityLineCount
    from reports.services import coverage_snapshots_refresh
    from teams.admin import TeamAdmin
    from teams.models import ServiceLine

    year = Period(D(2025, 12, 1), D(2026, 10, 31))
    teams = list(Team.objects.order_by("pk"))
    some = tuple(t.pk for t in teams[:3])  # part of a line, perhaps more than one
    cases = [(level, ids) for level in ("service_line", "office") for ids in (None, some)]
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        computed = {
            case: _activity_figures(report_build(period=year, level=case[0], team_ids=_ids(case)))
            for case in cases
        }
        coverage_snapshots_refresh(today=D(2026, 11, 25))
        assert ActivityLineCount.objects.exists()
        for case in cases:
            kept = report_build(period=year, level=case[0], team_ids=_ids(case))
            assert _activity_figures(kept) == computed[case], case
        # A team moves to another line in the admin: the line sums follow it.
        team = teams[0]
        other = ServiceLine.objects.exclude(pk=team.service_line_id).first()
        team.service_line = other
        form = type("Form", (), {"changed_data": ["service_line"]})()
        TeamAdmin(Team, admin.site).save_model(rf.post("/"), team, form, change=True)
        moved = report_build(period=year, level="service_line", team_ids=None)
        CoverageDay.objects.update(stale=True)  # now from the history, for comparison
        history = report_build(period=year, level="service_line", team_ids=None)
    assert _activity_figures(moved) == _activity_figures(history)
    assert any(row.key == other.pk and row.held_total for row in history.rows)
