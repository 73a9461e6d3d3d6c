"""My work: the start page of advisers and team leads (what to do today)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from clients.models import Client
from interviews.choices import Channel, Outcome
from interviews.models import Appointment, ContactResult
from interviews.selectors import my_work_counts, my_work_querysets, my_work_section
from interviews.services import contact_attempt_record, interview_log
from plans.models import ActionKind, ActionStatus
from plans.services import ActionInput, PlanInput
from tests.conftest import make_client

pytestmark = pytest.mark.django_db

URL = reverse("my_work")


def _work(team, adviser, partner_org=None, partner_user=None, *, name="Work"):
    """A client with one thing of each kind to do."""
    today = timezone.localdate()
    subject = make_client(
        team,
        last_name=name,
        responsible_adviser=adviser,
        last_held_on=today - dt.timedelta(days=100),
    )
    interview_log(
        client=subject,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(days=100),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        plan=PlanInput(
            goal="work",
            applications_per_month=4,
            actions=[
                ActionInput(
                    kind=ActionKind.WORK_TRIAL,
                    description="Work trial at the library",
                    status=ActionStatus.PLANNED,
                    due_date=today + dt.timedelta(days=3),
                ),
                ActionInput(
                    kind=ActionKind.STUDY,
                    description="Later course",
                    status=ActionStatus.PLANNED,
                    due_date=today + dt.timedelta(days=60),
                ),
            ],
        ),
    )
    Client.objects.filter(pk=subject.pk).update(
        last_held_on=today - dt.timedelta(days=100),
        due_state="overdue",
        next_due_date=today - dt.timedelta(days=8),
    )
    tomorrow_ten = timezone.make_aware(
        dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10))
    )
    Appointment.objects.create(
        client=subject,
        adviser=adviser,
        booked_by=adviser,
        starts_at=tomorrow_ten,
        channel=Channel.PHONE,
    )
    contact_attempt_record(
        client=subject,
        adviser=adviser,
        attempted_at=timezone.now() - dt.timedelta(hours=2),
        channel=Channel.PHONE,
        result=ContactResult.NO_ANSWER,
    )
    if partner_org is not None:
        from partners.services import closing_report_file, referral_transition
        from tests.partners.conftest import make_referral

        referral = make_referral(subject, partner_org, adviser)
        referral = referral_transition(referral=referral, status="accepted", by=partner_user)
        closing_report_file(
            referral=referral,
            filed_by=partner_user,
            work_done="w",
            results="r",
            outcome="study",
            next_steps="n",
            further_support_needed=False,
        )
    return subject


def test_signing_in_lands_an_adviser_on_my_work_and_a_manager_on_the_caseload(
    client, adviser, lead, manager
):
    for user, landing in ((adviser, URL), (lead, URL), (manager, reverse("clients:caseload"))):
        client.force_login(user)
        assert client.get("/")["Location"] == landing
    user = adviser
    user.set_password("pw-for-the-test-1")
    user.save()
    client.logout()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-for-the-test-1"}, follow=True
    )
    assert response.redirect_chain[-1][0] == URL
    assert response.templates[0].name == "interviews/my_work.html"


def test_a_manager_asking_for_my_work_keeps_the_caseload(client, manager):
    client.force_login(manager)
    assert client.get(URL)["Location"] == reverse("clients:caseload")


def test_every_section_shows_its_row_with_a_link_to_its_action(
    client, adviser, team_a, partner_org, partner_user
):
    subject = _work(team_a, adviser, partner_org, partner_user)
    appointment = Appointment.objects.get(client=subject)
    client.force_login(adviser)
    response = client.get(URL)
    html = response.content.decode()
    for name in ("interviews", "appointments", "actions", "reviews", "missed"):
        assert response.context[name].total == 1, name
    log = reverse("interviews:log", args=[subject.pk])
    assert f'href="{log}"' in html
    assert f'href="{log}?appointment={appointment.pk}"' in html
    assert f'href="{reverse("interviews:appointment_book", args=[subject.pk])}"' in html
    assert f'href="{reverse("partners:client_panel", args=[subject.pk])}"' in html
    assert f'href="{reverse("interviews:contact_attempts", args=[subject.pk])}"' in html
    assert "Work trial at the library" in html and "Later course" not in html
    assert "Tomorrow 10" in html
    # The menu's count is the sum of the sections.
    assert '<span class="count" aria-hidden="true">5</span>' in html
    # The page is a look at the clients: one access-log row covering them.
    entry = AccessLog.objects.filter(user=adviser).latest("at")
    assert entry.client_ids == [subject.pk] and entry.path == URL


def test_done_work_leaves_the_page(client, adviser, team_a, partner_org, partner_user):
    subject = _work(team_a, adviser, partner_org, partner_user)
    from partners.models import Referral
    from partners.services import referral_mark_reviewed

    referral_mark_reviewed(referral=Referral.objects.get(client=subject), by=adviser)
    interview_log(
        client=subject,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(minutes=5),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
    )
    client.force_login(adviser)
    response = client.get(URL)
    assert response.context["interviews"].total == 0  # held: not due this week any more
    assert response.context["missed"].total == 0  # an interview since the missed call
    assert response.context["reviews"].total == 0


def test_my_work_shows_the_team_and_only_mine_on_request(client, adviser, teammate, team_a):
    _work(team_a, adviser, name="Mine")
    _work(team_a, teammate, name="Teammates")
    client.force_login(adviser)
    team = client.get(URL)
    assert [c.last_name for c in team.context["interviews"].rows] == ["Mine", "Teammates"]
    mine = client.get(URL, {"whose": "mine"})
    assert [c.last_name for c in mine.context["interviews"].rows] == ["Mine"]
    assert mine.context["appointments"].total == 1


def test_my_work_never_shows_another_teams_clients(client, outsider, adviser, team_a):
    _work(team_a, adviser, name="Secret")
    client.force_login(outsider)
    response = client.get(URL)
    assert "Secret" not in response.content.decode()
    for name in ("interviews", "appointments", "actions", "reviews", "missed"):
        assert response.context[name].total == 0, name
    assert '<span class="count" aria-hidden="true">0</span>' in response.content.decode()


def test_each_section_is_one_query_and_all_counts_are_one(
    adviser, team_a, partner_org, partner_user, django_assert_max_num_queries
):
    for i in range(3):
        _work(team_a, adviser, partner_org, partner_user, name=f"W{i}")
    querysets = my_work_querysets(
        clients=Client.objects.visible_to(adviser), today=timezone.localdate()
    )
    for name, queryset in querysets.items():
        with django_assert_max_num_queries(1):
            section = my_work_section(queryset, rows=2)
            # the rows' related objects the page shows come with them
            for row in section.rows:
                str(getattr(row, "client", None) or row)
                if name == "actions":
                    str(row.version.plan.client)
        # _work makes no job-search shortfall (tests/rules/test_job_search_periods.py has them)
        expected = (0, 0) if name == "shortfalls" else (3, 2)
        assert (section.total, len(section.rows)) == expected, name
    with django_assert_max_num_queries(1):
        counts = my_work_counts(querysets=querysets, user=adviser)
    assert counts == {**dict.fromkeys(querysets, 3), "shortfalls": 0}


def test_my_work_query_count_does_not_grow_with_the_work(
    client, adviser, team_a, partner_org, partner_user
):
    _work(team_a, adviser, partner_org, partner_user, name="First")
    client.force_login(adviser)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for i in range(4):
        _work(team_a, adviser, partner_org, partner_user, name=f"More{i}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(one) == len(many)
    # Session; user with membership; six sections; the access-log row. The menu's count is
    # the sections' sum: no query of its own here.
    assert len(many) == 9, [q["sql"][:80] for q in many]


def test_the_menu_count_costs_one_query_on_other_pages(client, adviser, team_a):
    _work(team_a, adviser)
    client.force_login(adviser)
    client.get(reverse("interviews:appointments"))
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("interviews:appointments")).content.decode()
    assert '<span class="count" aria-hidden="true">4</span>' in html  # no review here
    counting = [q for q in queries if "OVER ()" in q["sql"] and "auth_user" in q["sql"]]
    assert len(counting) == 1


def test_the_menu_has_no_count_for_a_manager(client, manager):
    client.force_login(manager)
    html = client.get(reverse("clients:caseload")).content.decode()
    assert ">My work" not in html
