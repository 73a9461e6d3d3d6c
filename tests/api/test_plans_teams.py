from __future__ import annotations

import pytest

from plans.models import EmploymentPlan, PlanAction, PlanVersion

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"


def _state():
    return (EmploymentPlan.objects.count(), PlanVersion.objects.count(), PlanAction.objects.count())


def test_first_plan_then_a_revision_then_the_history(api, adviser, teammate, client_a):
    created = api(adviser, token=True).post(
        PLANS,
        {
            "client": client_a.pk,
            "goal": "training",
            "applications_per_month": 2,
            "strengths": "Languages",
            "actions": [
                {"kind": "coaching", "description": "Coaching by Partner Oy"},
                {"kind": "study", "description": "Vocational course", "due_date": "2027-01-31"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    plan = created.json()
    assert plan["current_version"]["number"] == 1
    assert [a["kind_display"] for a in plan["current_version"]["actions"]] == [
        "Coaching by a partner",
        "Study",
    ]
    revised = api(teammate).post(
        f"{PLANS}{plan['id']}/versions/",
        {"based_on": 1, "goal": "work", "applications_per_month": 4},
        format="json",
    )
    assert revised.status_code == 201
    assert (revised.json()["number"], revised.json()["author"]) == (2, teammate.pk)
    history = api(adviser).get(f"{PLANS}{plan['id']}/versions/").json()
    assert [v["number"] for v in history["results"]] == [2, 1]
    assert api(adviser).get(f"{PLANS}{plan['id']}/").json()["current_version"]["number"] == 2
    assert api(adviser).get(PLANS, {"client": client_a.pk}).json()["count"] == 1


def test_a_stale_revision_is_a_409_and_writes_nothing(api, adviser, world):
    c = api(adviser)
    url = f"{PLANS}{world.plan.pk}/versions/"
    payload = {"based_on": 1, "goal": "work", "applications_per_month": 4}
    assert c.post(url, payload, format="json").status_code == 201
    before = _state()
    stale = c.post(url, payload, format="json")
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert _state() == before


def test_a_second_first_plan_is_a_409(api, adviser, world):
    before = _state()
    response = api(adviser).post(
        PLANS,
        {"client": world.client.pk, "goal": "work", "applications_per_month": 4},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["current_version"] == 1
    assert _state() == before


@pytest.mark.parametrize(
    "change,field",
    [
        ({"goal": "retire"}, "goal"),
        ({"applications_per_month": -1}, "applications_per_month"),
        ({"applications_per_month": 31}, "applications_per_month"),
        ({"applications_per_month": "four"}, "applications_per_month"),
        # The job-search obligation: 4 a month of the review period at most.
        ({"applications_per_month": 5, "job_search_period_months": 1}, "applications_per_month"),
        ({"applications_per_month": 5}, "applications_per_month"),  # the plan's period: 1
        ({"applications_per_month": 13, "job_search_period_months": 3}, "applications_per_month"),
        ({"job_search_period_months": 2}, "job_search_period_months"),
        ({"job_search_period_months": "quarter"}, "job_search_period_months"),
        ({"job_search_from": "soon"}, "job_search_from"),
        ({"job_search_from": "2026-13"}, "job_search_from"),
        ({"follow_up": "x" * 301}, "follow_up"),
        ({"actions": [{"kind": "coaching", "description": ""}]}, "actions"),
        ({"actions": [{"kind": "magic", "description": "x"}]}, "actions"),
        ({"actions": [{"kind": "coaching", "description": "x" * 301}]}, "actions"),
        ({"actions": "coaching"}, "actions"),
        ({"actions": [{"kind": "study", "description": "x"}] * 51}, "actions"),
        ({"based_on": 0}, "based_on"),
        ({"based_on": "latest"}, "based_on"),
        ({"interview": 999_999}, "interview"),
    ],
)
def test_invalid_revision_answers_400_and_changes_nothing(api, adviser, world, change, field):
    payload = {"based_on": 1, "goal": "work", "applications_per_month": 4, **change}
    before = _state()
    response = api(adviser).post(f"{PLANS}{world.plan.pk}/versions/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert _state() == before


def test_the_obligation_is_set_by_period_and_kept_when_left_out(api, adviser, world):
    c = api(adviser)
    url = f"{PLANS}{world.plan.pk}/versions/"
    part_time = {
        "based_on": 1,
        "goal": "work",
        "applications_per_month": 12,
        "job_search_period_months": 3,
        "job_search_from": "2027-02-14",  # any day: periods are whole months
    }
    created = c.post(url, part_time, format="json")
    assert created.status_code == 201, created.json()
    assert (
        created.json()["applications_per_month"],
        created.json()["job_search_period_months"],
        created.json()["job_search_from"],
    ) == (12, 3, "2027-02-01")
    # A revision that leaves the period out keeps it (and its start).
    kept = c.post(
        url, {"based_on": 2, "goal": "work", "applications_per_month": 1}, format="json"
    ).json()
    assert (kept["job_search_period_months"], kept["job_search_from"]) == (3, "2027-02-01")
    # ... and so 12 in three months stays allowed; 13 does not.
    over = c.post(url, {"based_on": 3, "goal": "work", "applications_per_month": 13}, format="json")
    assert over.status_code == 400 and "applications_per_month" in over.json()


def test_the_obligation_errors_speak_finnish(api, adviser, world):
    response = api(adviser).post(
        f"{PLANS}{world.plan.pk}/versions/",
        {"based_on": 1, "goal": "work", "applications_per_month": 5, "job_search_period_months": 1},
        format="json",
        headers={"accept-language": "fi"},
    )
    assert response.json()["applications_per_month"] == [
        "Anna 0–4 hakemusta: enintään 4 jakson kutakin kuukautta kohden."
    ]


def test_a_version_can_name_the_interview_where_it_was_agreed(api, adviser, world):
    ok = api(adviser).post(
        f"{PLANS}{world.plan.pk}/versions/",
        {
            "based_on": 1,
            "goal": "work",
            "applications_per_month": 4,
            "interview": world.interview.pk,
        },
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["interview"] == world.interview.pk
    # Another client's interview is refused.
    wrong = api(adviser).post(
        PLANS,
        {
            "client": world.client_without_plan.pk,
            "goal": "work",
            "applications_per_month": 4,
            "interview": world.interview.pk,
        },
        format="json",
    )
    assert wrong.status_code == 400
    assert "interview" in wrong.json()


def test_teams_show_members_and_follow_the_policy(api, adviser, manager, world):
    own = api(adviser).get("/api/v1/teams/").json()
    assert [t["id"] for t in own["results"]] == [world.team_a.pk]
    members = {m["username"]: m["role"] for m in own["results"][0]["members"]}
    assert members == {"alice": "adviser", "bob": "adviser", "lena": "lead"}
    both = api(manager).get("/api/v1/teams/").json()
    assert {t["id"] for t in both["results"]} == {world.team_a.pk, world.team_b.pk}
    office = world.team_a.service_line.office_id
    assert api(manager).get("/api/v1/teams/", {"office": office}).json()["count"] == 2
    assert api(manager).get("/api/v1/teams/", {"office": office + 1}).json()["count"] == 0
    assert api(manager).get("/api/v1/teams/", {"office": "x"}).status_code == 400
