from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from interviews.choices import AppointmentStatus, Channel, DueState, Outcome
from interviews.models import Appointment, Interview
from interviews.services import appointment_book, interview_log
from plans.models import ActionKind, ActionStatus, Goal, PlanVersion
from plans.services import ActionInput, PlanInput
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(team_a, adviser):
    return make_client(
        team_a,
        responsible_adviser=adviser,
        last_name="Overdue",
        last_held_on=timezone.localdate() - dt.timedelta(days=120),
    )


def url(client_obj) -> str:
    return reverse("interviews:log", args=[client_obj.pk])


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(**overrides) -> dict:
    data = {
        "channel": Channel.FACE_TO_FACE,
        "outcome": Outcome.HELD,
        "held_at": local(timezone.now() - dt.timedelta(minutes=30)),
        "duration_minutes": "45",
        "notes": "Talked about a work trial.",
        "submission_key": str(uuid.uuid4()),
        "plan_based_on": "",
        "appointment": "",
        "plan-goal": Goal.WORK,
        "plan-goal_details": "Warehouse work",
        "plan-applications_per_month": "4",
        "plan-job_search_period_months": "1",
        "plan-job_search_from": "2026-12",
        "plan-follow_up": "",
        "plan-strengths": "",
        "plan-needs": "",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "40",
        "actions-0-kind": ActionKind.WORK_TRIAL,
        "actions-0-description": "Work trial at a warehouse",
        "actions-0-status": ActionStatus.PLANNED,
        "actions-0-due_date": "",
        "actions-1-kind": "",
        "actions-1-description": "",
        "actions-1-status": ActionStatus.PLANNED,
        "actions-1-due_date": "",
    }
    data.update(overrides)
    return data


def test_form_has_the_labelled_controls(client, adviser, overdue):
    client.force_login(adviser)
    html = client.get(url(overdue)).content.decode()
    for label in ("Channel", "Outcome", "Held at", "Duration (minutes)", "Notes"):
        assert f">{label}</label>" in html
    for option in ("Phone", "Face to face", "Video"):
        assert f">{option}</option>" in html
    assert ">Save interview</button>" in html
    assert 'name="submission_key"' in html and 'type="datetime-local"' in html


def test_held_interview_with_a_plan_saves_both_and_recomputes_due_state(client, adviser, overdue):
    client.force_login(adviser)
    response = client.post(url(overdue), form_data())
    interview = Interview.objects.get(client=overdue)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("interviews:appointment_book", args=[overdue.pk]) + f"?after={interview.pk}"
    )
    overdue.refresh_from_db()
    assert overdue.due_state == DueState.OK
    assert overdue.last_channel == Channel.FACE_TO_FACE
    version = PlanVersion.objects.get(plan__client=overdue)
    assert version.interview == interview and version.goal == Goal.WORK
    assert [a.description for a in version.actions.all()] == ["Work trial at a warehouse"]
    booking = client.get(response["Location"])
    assert "The next interview is due on" in booking.content.decode()


def test_htmx_submit_redirects_the_browser_on_success(client, adviser, overdue):
    client.force_login(adviser)
    response = client.post(url(overdue), form_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(
        reverse("interviews:appointment_book", args=[overdue.pk])
    )


def test_double_submit_creates_one_interview(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data()
    first = client.post(url(overdue), data)
    second = client.post(url(overdue), data)
    assert first["Location"] == second["Location"]
    assert Interview.objects.filter(client=overdue).count() == 1
    assert PlanVersion.objects.filter(plan__client=overdue).count() == 1


def test_revision_edits_closes_and_removes_existing_actions(client, adviser, overdue):
    interview_log(
        client=overdue,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(days=5),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        plan=PlanInput(
            goal=Goal.WORK,
            applications_per_month=4,
            actions=[
                ActionInput(ActionKind.COACHING, "Coaching", ActionStatus.IN_PROGRESS),
                ActionInput(ActionKind.STUDY, "Evening course", ActionStatus.PLANNED),
            ],
        ),
        plan_based_on=None,
    )
    client.force_login(adviser)
    page = client.get(url(overdue))
    assert page.context["form"]["plan_based_on"].value() == 1
    assert page.context["actions"].initial_form_count() == 2
    data = form_data(
        plan_based_on="1",
        **{
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "2",
            "actions-0-kind": ActionKind.COACHING,
            "actions-0-description": "Coaching",
            "actions-0-status": ActionStatus.DONE,
            "actions-1-kind": ActionKind.STUDY,
            "actions-1-description": "Evening course",
            "actions-1-status": ActionStatus.PLANNED,
            "actions-1-DELETE": "on",
            "actions-2-kind": ActionKind.WAGE_SUBSIDY,
            "actions-2-description": "Wage subsidy at a shop",
            "actions-2-status": ActionStatus.PLANNED,
            "actions-2-due_date": "",
        },
    )
    assert client.post(url(overdue), data).status_code == 302
    latest = PlanVersion.objects.filter(plan__client=overdue).order_by("-number").first()
    assert latest.number == 2
    assert [(a.description, a.status) for a in latest.actions.all()] == [
        ("Coaching", ActionStatus.DONE),
        ("Wage subsidy at a shop", ActionStatus.PLANNED),
    ]


def assert_rerendered_with_input(response, data):
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the errors below" in html
    assert data["notes"] in html
    assert data["submission_key"] in html
    assert 'aria-invalid="true"' in html
    return html


def test_future_time_is_refused_and_input_kept(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data(held_at=local(timezone.now() + dt.timedelta(hours=2)))
    html = assert_rerendered_with_input(client.post(url(overdue), data), data)
    assert "An interview cannot be held in the future." in html
    assert 'aria-describedby="id_held_at_error"' in html
    assert Interview.objects.count() == 0


def test_bad_date_is_refused_and_input_kept(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data(held_at="2025-02-30T10:00")
    html = assert_rerendered_with_input(client.post(url(overdue), data), data)
    assert "Enter a valid date/time." in html
    assert 'value="2025-02-30T10:00"' in html


def test_missing_outcome_is_refused_and_input_kept(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data(outcome="")
    html = assert_rerendered_with_input(client.post(url(overdue), data), data)
    assert 'id="id_outcome_error"' in html
    assert Interview.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "error_id"),
    [
        ("plan-goal", "", "id_plan-goal_error"),
        ("plan-applications_per_month", "31", "id_plan-applications_per_month_error"),
        ("plan-applications_per_month", "many", "id_plan-applications_per_month_error"),
        # 4 a month at most: 5 in a one-month period is too many (12 in three months is not)
        ("plan-applications_per_month", "5", "id_plan-applications_per_month_error"),
        ("plan-job_search_period_months", "2", "id_plan-job_search_period_months_error"),
        ("plan-job_search_from", "soon", "id_plan-job_search_from_error"),
        ("plan-job_search_from", "", "id_plan-job_search_from_error"),
        ("actions-0-description", "", "id_actions-0-description_error"),
        ("actions-0-due_date", "next week", "id_actions-0-due_date_error"),
    ],
)
def test_invalid_plan_fields_are_refused_and_nothing_saved(
    client, adviser, overdue, field, value, error_id
):
    client.force_login(adviser)
    data = form_data(**{field: value})
    html = assert_rerendered_with_input(client.post(url(overdue), data), data)
    assert f'id="{error_id}"' in html
    assert "Work trial at a warehouse" in html or field == "actions-0-description"
    assert Interview.objects.count() == 0 and PlanVersion.objects.count() == 0


def test_htmx_error_returns_the_form_fragment(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data(outcome="")
    response = client.post(url(overdue), data, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<form id="interview-form"')
    assert "<html" not in html and data["notes"] in html


def test_no_show_ignores_the_plan_and_does_not_reset_the_cycle(client, adviser, overdue):
    client.force_login(adviser)
    data = form_data(outcome=Outcome.NO_SHOW, **{"plan-goal": "", "actions-0-description": ""})
    assert client.post(url(overdue), data).status_code == 302
    overdue.refresh_from_db()
    assert overdue.due_state == DueState.OVERDUE
    assert PlanVersion.objects.count() == 0


def test_plan_conflict_keeps_the_input_and_says_so(client, adviser, teammate, overdue):
    client.force_login(adviser)
    page = client.get(url(overdue))
    assert page.context["form"]["plan_based_on"].value() is None
    interview_log(
        client=overdue,
        adviser=teammate,
        held_at=timezone.now() - dt.timedelta(hours=3),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        plan=PlanInput(goal=Goal.TRAINING, applications_per_month=2),
        plan_based_on=None,
    )
    data = form_data()
    data["second_today"] = "on"  # the teammate's interview may be the same day
    response = client.post(url(overdue), data)
    html = response.content.decode()
    assert "The plan was revised by" in html
    assert data["notes"] in html and "Work trial at a warehouse" in html
    assert str(response.context["form"]["plan_based_on"].value()) == "1"
    assert Interview.objects.filter(client=overdue).count() == 1  # only the teammate's
    # Saving again, now based on the newer version, goes through.
    data["plan_based_on"] = "1"
    assert client.post(url(overdue), data).status_code == 302
    assert PlanVersion.objects.filter(plan__client=overdue).count() == 2


def test_logging_from_an_appointment_marks_it_held(client, adviser, overdue):
    appointment = Appointment.objects.create(
        client=overdue,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        channel=Channel.VIDEO,
    )
    client.force_login(adviser)
    page = client.get(url(overdue), {"appointment": appointment.pk})
    assert page.context["form"]["channel"].value() == Channel.VIDEO
    data = form_data(appointment=str(appointment.pk), channel=Channel.VIDEO)
    assert client.post(url(overdue), data).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.HELD
    assert appointment.interview.outcome == Outcome.HELD
    again = form_data(appointment=str(appointment.pk))
    response = client.post(url(overdue), again)
    assert "This appointment already has an outcome." in response.content.decode()


def test_another_clients_appointment_is_404(client, adviser, overdue, team_a):
    other = make_client(team_a)
    appointment = appointment_book(
        client=other,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=1),
        channel=Channel.PHONE,
    )
    client.force_login(adviser)
    assert client.get(url(overdue), {"appointment": appointment.pk}).status_code == 404


def test_outsider_gets_404_and_saves_nothing(client, outsider, overdue):
    client.force_login(outsider)
    assert client.get(url(overdue)).status_code == 404
    assert client.post(url(overdue), form_data()).status_code == 404
    assert Interview.objects.count() == 0


def test_manager_may_not_log_interviews(client, manager, overdue):
    client.force_login(manager)
    assert client.get(url(overdue)).status_code == 403
    assert client.post(url(overdue), form_data()).status_code == 403


def test_interview_form_refuses_other_methods(client, adviser, overdue):
    client.force_login(adviser)
    assert client.put(url(overdue)).status_code == 405
