"""The database keeps the invariants even when the ORM is bypassed (raw SQL as the app's role)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.models import Client
from interviews.models import Appointment, Interview
from plans.models import PlanAction, PlanVersion
from plans.services import ActionInput, PlanInput, plan_revise
from teams.models import Membership
from tests.conftest import make_client, make_interview


def _refused(sql: str, params: list) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def test_an_identity_code_is_unique(team_a, client_a):
    other = make_client(team_a)
    _refused(
        f"UPDATE {_table(Client)} SET personal_identity_code = %s WHERE id = %s",
        [client_a.personal_identity_code, other.pk],
    )


@pytest.mark.parametrize(
    "code",
    [
        "131052-308X",  # wrong check character
        "131052-308t",  # lower case
        "131052X308T",  # unknown century sign
        "1310523-08T",  # wrong shape
        "131052-000T",  # individual number not in use
    ],
)
def test_an_invalid_identity_code_is_refused(client_a, code):
    _refused(
        f"UPDATE {_table(Client)} SET personal_identity_code = %s WHERE id = %s",
        [code, client_a.pk],
    )


def test_the_identity_code_must_match_the_birth_date(client_a):
    _refused(
        f"UPDATE {_table(Client)} SET birth_date = %s WHERE id = %s",
        [dt.date(1901, 1, 1), client_a.pk],
    )


@pytest.mark.parametrize(
    "column", ["status", "language", "due_state", "last_channel"], ids=lambda c: c
)
def test_client_enumerations_are_enforced(client_a, column):
    _refused(f"UPDATE {_table(Client)} SET {column} = %s WHERE id = %s", ["bogus", client_a.pk])


@pytest.mark.parametrize("column", ["channel", "kind", "outcome"])
def test_interview_enumerations_are_enforced(client_a, adviser, column):
    interview = make_interview(client_a, adviser, held_on=timezone.localdate())
    _refused(f"UPDATE {_table(Interview)} SET {column} = %s WHERE id = %s", ["bogus", interview.pk])


@pytest.mark.parametrize("column", ["channel", "status"])
def test_appointment_enumerations_are_enforced(client_a, adviser, column):
    appointment = Appointment.objects.create(
        client=client_a,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=3),
        channel="phone",
    )
    _refused(
        f"UPDATE {_table(Appointment)} SET {column} = %s WHERE id = %s",
        ["bogus", appointment.pk],
    )


def test_a_membership_role_is_enforced(adviser):
    _refused(f"UPDATE {_table(Membership)} SET role = %s WHERE user_id = %s", ["boss", adviser.pk])


def test_an_interview_cannot_be_held_in_the_future(client_a, adviser):
    interview = make_interview(client_a, adviser, held_on=timezone.localdate())
    _refused(
        f"UPDATE {_table(Interview)} SET held_at = %s WHERE id = %s",
        [timezone.now() + dt.timedelta(days=1), interview.pk],
    )


def test_an_interview_inserted_with_a_future_time_is_refused(client_a, adviser):
    """recorded_at defaults to now in the database; held_at may not be after it."""
    future = timezone.now() + dt.timedelta(hours=2)
    _refused(
        f"INSERT INTO {_table(Interview)} "
        "(client_id, adviser_id, recorded_by_id, held_at, channel, kind, outcome, notes) "
        "VALUES (%s, %s, %s, %s, 'phone', 'periodic', 'held', '')",
        [client_a.pk, adviser.pk, adviser.pk, future],
    )


@pytest.fixture
def version(client_a, adviser) -> PlanVersion:
    return plan_revise(
        client=client_a,
        author=adviser,
        data=PlanInput(
            goal="work",
            applications_per_month=4,
            actions=[ActionInput(kind="coaching", description="Coaching", status="planned")],
        ),
        based_on=None,
    )


@pytest.mark.parametrize(
    "assignment", ["goal = 'training'", "applications_per_month = 1", "goal_details = 'edited'"]
)
def test_a_plan_version_cannot_be_changed(version, assignment):
    _refused(f"UPDATE {_table(PlanVersion)} SET {assignment} WHERE id = %s", [version.pk])
    version.refresh_from_db()
    assert (version.goal, version.applications_per_month) == ("work", 4)


def test_a_plan_versions_actions_cannot_be_changed(version):
    action = version.actions.get()
    _refused(f"UPDATE {_table(PlanAction)} SET status = 'done' WHERE id = %s", [action.pk])


@pytest.mark.parametrize(
    "assignment", ["goal = 'bogus'", "applications_per_month = 31", "number = 0"]
)
def test_a_plan_version_inserted_with_bad_values_is_refused(version, adviser, assignment):
    """Plan versions are written only as new rows: bad ones are refused on INSERT too."""
    column, value = (part.strip() for part in assignment.split("="))
    values = {"goal": "'work'", "applications_per_month": "4", "number": "2"} | {column: value}
    _refused(
        f"INSERT INTO {_table(PlanVersion)} (plan_id, number, goal, goal_details, "
        "applications_per_month, follow_up, strengths, needs, author_id, created_at) "
        f"VALUES (%s, {values['number']}, {values['goal']}, '', "
        f"{values['applications_per_month']}, '', '', '', %s, %s)",
        [version.plan_id, adviser.pk, timezone.now()],
    )
