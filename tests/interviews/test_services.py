from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from interviews.choices import AppointmentStatus, Channel, DueState, Outcome
from interviews.models import Interview
from interviews.services import (
    AppointmentNotBooked,
    appointment_book,
    appointment_cancel,
    appointment_no_show,
    interview_log,
)
from plans.models import PlanVersion
from plans.services import ActionInput, PlanConflict, PlanInput
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

PLAN = PlanInput(
    goal="work",
    applications_per_month=4,
    actions=[ActionInput(kind="coaching", description="Job-search coaching", status="planned")],
)


@pytest.fixture
def overdue_client(team_a, adviser):
    today = timezone.localdate()
    return make_client(
        team_a,
        registered_on=today - dt.timedelta(days=400),
        last_held_on=today - dt.timedelta(days=120),
    )


def test_held_interview_resets_the_cycle_and_saves_the_plan(overdue_client, adviser):
    assert overdue_client.due_state == DueState.OVERDUE
    interview, created = interview_log(
        client=overdue_client,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(minutes=5),
        channel=Channel.FACE_TO_FACE,
        outcome=Outcome.HELD,
        plan=PLAN,
        plan_based_on=None,
    )
    assert created
    overdue_client.refresh_from_db()
    assert overdue_client.due_state == DueState.OK
    assert overdue_client.last_channel == Channel.FACE_TO_FACE
    version = PlanVersion.objects.get(plan__client=overdue_client)
    assert version.number == 1 and version.interview == interview
    assert [a.kind for a in version.actions.all()] == ["coaching"]


@pytest.mark.parametrize("outcome", [Outcome.NO_SHOW, Outcome.CANCELLED])
def test_only_a_held_interview_resets_the_cycle(overdue_client, adviser, outcome):
    interview_log(
        client=overdue_client,
        adviser=adviser,
        held_at=timezone.now(),
        channel=Channel.PHONE,
        outcome=outcome,
    )
    overdue_client.refresh_from_db()
    assert overdue_client.due_state == DueState.OVERDUE


def test_a_double_submit_creates_one_interview(overdue_client, adviser):
    key = uuid.uuid4()
    kwargs = dict(
        client=overdue_client,
        adviser=adviser,
        held_at=timezone.now(),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        submission_key=key,
    )
    first, created = interview_log(**kwargs)
    second, created_again = interview_log(**kwargs)
    assert created and not created_again and first == second
    assert Interview.objects.count() == 1


def test_an_interview_cannot_be_in_the_future(overdue_client, adviser):
    with pytest.raises(ValidationError):
        interview_log(
            client=overdue_client,
            adviser=adviser,
            held_at=timezone.now() + dt.timedelta(hours=1),
            channel=Channel.PHONE,
            outcome=Outcome.HELD,
        )
    assert Interview.objects.count() == 0


def test_database_refuses_a_future_interview_even_past_the_service(overdue_client, adviser):
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.create(
            client=overdue_client,
            adviser=adviser,
            recorded_by=adviser,
            held_at=timezone.now() + dt.timedelta(days=1),
            channel="phone",
            outcome="held",
        )


def test_a_failed_plan_leaves_no_interview(overdue_client, adviser):
    interview_log(
        client=overdue_client,
        adviser=adviser,
        held_at=timezone.now(),
        channel="phone",
        outcome="held",
        plan=PLAN,
        plan_based_on=None,
    )
    with pytest.raises(PlanConflict):
        interview_log(
            client=overdue_client,
            adviser=adviser,
            held_at=timezone.now(),
            channel="phone",
            outcome="held",
            plan=PLAN,
            plan_based_on=None,
        )
    assert Interview.objects.count() == 1
    assert PlanVersion.objects.count() == 1


def test_plan_versions_are_immutable_in_the_database(overdue_client, adviser):
    interview_log(
        client=overdue_client,
        adviser=adviser,
        held_at=timezone.now(),
        channel="phone",
        outcome="held",
        plan=PLAN,
        plan_based_on=None,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanVersion.objects.update(goal="study")
    assert PlanVersion.objects.get().goal == "work"


def test_appointment_book_cancel_and_no_show(overdue_client, adviser):
    start = timezone.now() + dt.timedelta(days=2)
    appointment = appointment_book(
        client=overdue_client,
        adviser=adviser,
        booked_by=adviser,
        starts_at=start,
        channel=Channel.VIDEO,
        video_link="https://video.example.com/x",
    )
    appointment_cancel(appointment=appointment)
    appointment_cancel(appointment=appointment)  # idempotent
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED

    other = appointment_book(
        client=overdue_client,
        adviser=adviser,
        booked_by=adviser,
        starts_at=start,
        channel=Channel.PHONE,
    )
    interview = appointment_no_show(appointment=other, adviser=adviser)
    other.refresh_from_db()
    assert other.status == AppointmentStatus.NO_SHOW
    assert interview.outcome == Outcome.NO_SHOW and interview.appointment == other
    with pytest.raises(ValidationError):
        appointment_no_show(appointment=other, adviser=adviser)


def test_an_appointment_cannot_be_booked_in_the_past(overdue_client, adviser):
    with pytest.raises(ValidationError):
        appointment_book(
            client=overdue_client,
            adviser=adviser,
            booked_by=adviser,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            channel="phone",
        )


def test_an_appointment_with_an_outcome_cannot_be_recorded_again(client_a, adviser):
    appointment = appointment_book(
        client=client_a,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(hours=1),
        channel=Channel.PHONE,
    )
    appointment_cancel(appointment=appointment, cancelled_by=adviser)
    with pytest.raises(AppointmentNotBooked) as refused:
        interview_log(
            client=client_a,
            adviser=adviser,
            held_at=timezone.now() - dt.timedelta(minutes=5),
            channel=Channel.PHONE,
            outcome=Outcome.HELD,
            appointment=appointment,
        )
    assert refused.value.message_dict == {
        "appointment": ["Only a booked appointment can be recorded."]
    }
    assert not Interview.objects.exists()


def test_an_appointment_is_booked_only_with_an_adviser_of_the_clients_team(
    client_a, adviser, outsider
):
    with pytest.raises(ValidationError) as refused:
        appointment_book(
            client=client_a,
            adviser=outsider,
            booked_by=adviser,
            starts_at=timezone.now() + dt.timedelta(hours=1),
            channel=Channel.PHONE,
        )
    assert refused.value.message_dict == {
        "adviser": ["The adviser is not a member of the client's team."]
    }
