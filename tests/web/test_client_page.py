from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from audit.models import AccessAction, AccessLog
from clients.models import Status
from interviews.choices import Channel, Outcome
from interviews.services import appointment_book, interview_log
from plans.models import ActionKind, ActionStatus, Goal
from plans.services import ActionInput, PlanInput
from teoffice.i18n import profile_language_set
from tests.conftest import make_client, make_interview

pytestmark = pytest.mark.django_db


def detail(client_obj) -> str:
    return reverse("clients:detail", args=[client_obj.pk])


def plan(goal=Goal.WORK, apps=4, actions=()) -> PlanInput:
    return PlanInput(goal=goal, applications_per_month=apps, actions=list(actions))


def hold(client_obj, adviser, *, days_ago: int, data: PlanInput, based_on):
    return interview_log(
        client=client_obj,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(days=days_ago),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        plan=data,
        plan_based_on=based_on,
    )


def test_client_page_shows_profile_due_state_and_actions(client, adviser, client_a):
    client.force_login(adviser)
    html = client.get(detail(client_a)).content.decode()
    assert client_a.masked_identity_code in html
    assert client_a.personal_identity_code not in html
    assert f'class="due due-{client_a.due_state}"' in html
    assert ">Log interview</a>" in html
    assert reverse("interviews:log", args=[client_a.pk]) in html


def test_reveal_shows_the_full_code_in_a_fragment_and_records_it(client, adviser, client_a, caplog):
    client.force_login(adviser)
    url = reverse("clients:identity_code_reveal", args=[client_a.pk])
    with caplog.at_level(logging.INFO, logger="teoffice.access"):
        response = client.post(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert client_a.personal_identity_code in html
    assert "<html" not in html
    record = next(r for r in caplog.records if r.name == "teoffice.access")
    assert (record.user_id, record.client_id) == (adviser.pk, client_a.pk)
    entry = AccessLog.objects.get(action=AccessAction.IDENTITY_REVEAL)
    assert (entry.user, entry.client_ids) == (adviser, [client_a.pk])


def test_reveal_without_javascript_returns_the_whole_page(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:identity_code_reveal", args=[client_a.pk])
    html = client.post(url).content.decode()
    assert "<html" in html and client_a.personal_identity_code in html


def test_reveal_is_post_only(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:identity_code_reveal", args=[client_a.pk])
    assert client.get(url).status_code == 405


def test_outsider_cannot_see_or_reveal_or_change_another_teams_client(client, outsider, client_a):
    client.force_login(outsider)
    assert client.get(detail(client_a)).status_code == 404
    reveal = reverse("clients:identity_code_reveal", args=[client_a.pk])
    assert client.post(reveal).status_code == 404
    status = reverse("clients:status_change", args=[client_a.pk])
    assert client.post(status, {"status": "employed"}).status_code == 404


def test_manager_sees_the_client_but_cannot_act(client, manager, client_a):
    client.force_login(manager)
    html = client.get(detail(client_a)).content.decode()
    assert "Log interview" not in html
    status = reverse("clients:status_change", args=[client_a.pk])
    today = timezone.localdate().isoformat()
    assert client.post(status, {"status": "employed", "effective_on": today}).status_code == 403


def test_timeline_lists_interviews_and_appointments_newest_first(client, adviser, client_a):
    make_interview(client_a, adviser, held_on=timezone.localdate() - dt.timedelta(days=30))
    make_interview(
        client_a,
        adviser,
        held_on=timezone.localdate() - dt.timedelta(days=10),
        outcome=Outcome.NO_SHOW,
    )
    appointment_book(
        client=client_a,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=3),
        channel=Channel.VIDEO,
        video_link="https://meet.example/x",
    )
    client.force_login(adviser)
    response = client.get(detail(client_a))
    kinds = [(e["kind"], getattr(e["item"], "outcome", None)) for e in response.context["timeline"]]
    assert kinds == [("appointment", None), ("interview", "no_show"), ("interview", "held")]
    assert "Client did not attend" in response.content.decode()
    assert len(response.context["booked"]) == 1


def test_plan_versions_show_what_changed(client, adviser, client_a):
    coaching = ActionInput(ActionKind.COACHING, "Coaching at Provider", ActionStatus.PLANNED)
    hold(client_a, adviser, days_ago=40, data=plan(actions=[coaching]), based_on=None)
    closed = ActionInput(ActionKind.COACHING, "Coaching at Provider", ActionStatus.DONE)
    trial = ActionInput(ActionKind.WORK_TRIAL, "Work trial at a bakery", ActionStatus.PLANNED)
    hold(
        client_a,
        adviser,
        days_ago=1,
        data=plan(goal=Goal.TRAINING, apps=2, actions=[closed, trial]),
        based_on=1,
    )
    client.force_login(adviser)
    response = client.get(detail(client_a))
    html = response.content.decode()
    assert response.context["current_plan"].number == 2
    assert "Work → Training or study" in html
    assert "4 → 2" in html
    assert "Added</span> Work trial: <span data-stored-text>Work trial at a bakery</span>" in html
    assert (
        "Changed</span> Coaching by a partner: <span data-stored-text>Coaching at Provider</span> — Planned → Done"
        in html
    )
    assert "First version of the plan." in html


def test_status_change_from_the_client_page(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:status_change", args=[client_a.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"status": Status.EMPLOYED, "effective_on": today})
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.status == Status.EMPLOYED and client_a.due_state == "not_required"
    html = client.get(detail(client_a)).content.decode()
    assert "Employed" in html


def test_status_change_in_the_future_is_refused_next_to_the_field(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:status_change", args=[client_a.pk])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(url, {"status": Status.EMPLOYED, "effective_on": tomorrow})
    assert response.status_code == 200
    assert "cannot start in the future" in response.content.decode()
    assert 'id="id_effective_on_error"' in response.content.decode()
    client_a.refresh_from_db()
    assert client_a.status == Status.UNEMPLOYED


def test_status_change_with_a_bad_date_is_refused(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("clients:status_change", args=[client_a.pk])
    response = client.post(url, {"status": Status.EMPLOYED, "effective_on": "31.2.2024"})
    assert "Enter a valid date." in response.content.decode()


def test_client_page_query_count_does_not_grow_with_history(client, adviser, teammate, team_a):
    subject = make_client(team_a, responsible_adviser=adviser)
    hold(subject, adviser, days_ago=2, data=plan(), based_on=None)
    client.force_login(adviser)
    client.get(detail(subject))
    with CaptureQueriesContext(connection) as one:
        assert client.get(detail(subject)).status_code == 200
    for i in range(15):
        make_interview(
            subject,
            teammate if i % 2 else adviser,
            held_on=timezone.localdate() - dt.timedelta(days=30 + i),
        )
        appointment_book(
            client=subject,
            adviser=teammate if i % 2 else adviser,
            booked_by=adviser,
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            channel=Channel.PHONE,
        )
    for n in range(2, 8):
        actions = [
            ActionInput(ActionKind.OTHER, f"Action {k}", ActionStatus.PLANNED) for k in range(n)
        ]
        hold(subject, teammate, days_ago=1, data=plan(apps=n % 5, actions=actions), based_on=n - 1)
    for _ in range(40):
        make_client(team_a)
    with CaptureQueriesContext(connection) as many:
        assert client.get(detail(subject)).status_code == 200
    assert len(many) == len(one)


def _referral(client_obj, partner, adviser):
    from tests.partners.conftest import make_referral

    return make_referral(client_obj, partner, adviser)


def test_timeline_shows_referrals_with_status_and_dates(
    client, adviser, client_a, partner_org, partner_user
):
    from partners.services import referral_transition

    make_interview(client_a, adviser, held_on=timezone.localdate() - dt.timedelta(days=30))
    referral = _referral(client_a, partner_org, adviser)
    referral = referral_transition(referral=referral, status="accepted", by=partner_user)
    client.force_login(adviser)
    response = client.get(detail(client_a))
    kinds = [e["kind"] for e in response.context["timeline"]]
    assert kinds == ["referral", "interview"]
    html = response.content.decode()
    assert "Referral · Valmennus Oy – Job coaching · Accepted" in html
    sent_at = formats.date_format(timezone.localtime(referral.sent_at), "SHORT_DATETIME_FORMAT")
    accepted_on = formats.date_format(timezone.localtime(referral.accepted_at), "SHORT_DATE_FORMAT")
    assert f"<strong>{sent_at}</strong> · Referral" in html
    assert f"· accepted {accepted_on}" in html


def test_client_page_reads_referrals_in_one_query_however_many(
    client, adviser, teammate, team_a, partner_org, partner_user
):
    from partners.services import closing_report_file, referral_transition

    subject = make_client(team_a, responsible_adviser=adviser)
    hold(subject, adviser, days_ago=2, data=plan(), based_on=None)
    _referral(subject, partner_org, adviser)
    client.force_login(adviser)
    client.get(detail(subject))
    with CaptureQueriesContext(connection) as one:
        assert client.get(detail(subject)).status_code == 200
    for i in range(6):
        referral = _referral(subject, partner_org, teammate if i % 2 else adviser)
        if i % 3 == 0:
            continue
        referral = referral_transition(referral=referral, status="accepted", by=partner_user)
        if i % 3 == 2:
            closing_report_file(
                referral=referral,
                filed_by=partner_user,
                work_done="w",
                results="r",
                outcome="study",
                next_steps="n",
                further_support_needed=False,
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(detail(subject))
    assert len([e for e in response.context["timeline"] if e["kind"] == "referral"]) == 7
    assert len(many) == len(one)
    # (the menu's count of my work reads referrals too, inside its one query of counts)
    reads = [
        q["sql"] for q in many.captured_queries if q["sql"].startswith('SELECT "partners_referral"')
    ]
    assert len(reads) == 1


def _explained_client(team_a, adviser):
    """Under the 2026 reform (the law on 14.12.2026): due 14.3.2027, a Sunday, so 15.3.2027."""
    return make_client(
        team_a,
        responsible_adviser=adviser,
        status_since=dt.date(2026, 1, 5),
        last_held_on=dt.date(2026, 12, 14),
    )


def test_client_page_says_why_the_next_interview_is_due_then(client, adviser, team_a):
    subject = _explained_client(team_a, adviser)
    client.force_login(adviser)
    html = client.get(detail(subject), headers={"accept-language": "en"}).content.decode()
    assert (
        '<p class="due-why">Job-search discussion due 15.3.2027: 3 months after the discussion on'
        " 14.12.2026 (Employment services reform (2026)); moved from 14.3.2027 to the next"
        " working day.</p>"
    ) in html


def test_client_page_explains_the_due_date_in_finnish(client, adviser, team_a):
    subject = _explained_client(team_a, adviser)
    profile_language_set(user=adviser, language="fi")
    client.force_login(adviser)
    html = client.get(detail(subject)).content.decode()
    assert (
        "Työnhakukeskustelu viimeistään 15.3.2027: 3 kuukautta keskustelusta 14.12.2026"
        " (Työvoimapalvelujen uudistus (2026)); siirretty päivästä 14.3.2027 seuraavaan"
        " arkipäivään."
    ) in html


def test_client_page_says_when_no_discussions_are_required(client, adviser, team_a):
    subject = make_client(team_a, responsible_adviser=adviser, status=Status.EMPLOYED)
    client.force_login(adviser)
    html = client.get(detail(subject), headers={"accept-language": "en"}).content.decode()
    assert "No job-search discussions are required for this status." in html


def test_a_long_note_is_collapsed_with_show_all(client, adviser, client_a):
    long_note = "Keskusteltiin työnhausta. " * 260  # about 6,600 characters
    today = timezone.localdate()
    interview = make_interview(client_a, adviser, held_on=today - dt.timedelta(days=1))
    interview.notes = long_note
    interview.save(update_fields=["notes"])
    make_interview(client_a, adviser, held_on=today - dt.timedelta(days=2))
    client.force_login(adviser)
    html = client.get(detail(client_a)).content.decode()
    assert html.count('<div class="long-note">') == 1
    note = html[html.index('<div class="long-note">') :]
    preview, rest = note.split("<details>", 1)
    assert len(preview) < 600 and "…" in preview
    assert "<summary>" in rest and "Show all" in rest and long_note.strip() in rest
