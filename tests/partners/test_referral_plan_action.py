"""A referral is an action in the client's employment plan: added in a new immutable version
linked to the referral; what the partner later reports shows on the plan at once and is
recorded in the plan at the next held interview."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import timezone

from audit.models import ChangeEvent, ChangeEventKind
from interviews.choices import Channel, Outcome
from interviews.services import interview_log
from partners import services
from partners.models import PartnerService, ReferralOutcome, ServiceType
from plans.forms import ActionForm
from plans.models import ActionKind, ActionStatus, Goal, PlanAction, PlanVersion
from plans.services import ActionInput, PlanInput, plan_revise
from tests.conftest import make_client
from tests.web.test_interview_log import form_data

from .conftest import make_consent, make_referral

pytestmark = pytest.mark.django_db

COACHING = ActionInput(ActionKind.STUDY, "Evening course in Finnish", ActionStatus.IN_PROGRESS)


def agree_plan(client_obj, adviser, *actions: ActionInput) -> PlanVersion:
    interview, _created = interview_log(
        client=client_obj,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(days=3),
        channel=Channel.PHONE,
        outcome=Outcome.HELD,
        plan=PlanInput(
            goal=Goal.WORK, applications_per_month=3, follow_up="Monthly", actions=list(actions)
        ),
        plan_based_on=None,
    )
    return interview.plan_versions.get()


def current(client_obj) -> PlanVersion:
    return PlanVersion.objects.filter(plan__client=client_obj).order_by("-number").first()


def end_with_report(referral, partner_user, outcome=ReferralOutcome.WORK_TRIAL):
    services.referral_transition(referral=referral, status="accepted", by=partner_user)
    services.closing_report_file(
        referral=referral,
        filed_by=partner_user,
        work_done="Six meetings",
        results="A work trial",
        outcome=outcome,
        next_steps="Trial next month",
        further_support_needed=False,
    )


def test_a_referral_adds_a_new_version_that_keeps_the_plan_and_adds_the_action(
    client_a, adviser, teammate, partner_org
):
    first = agree_plan(client_a, adviser, COACHING)
    referral = make_referral(client_a, partner_org, teammate)

    version = current(client_a)
    assert version.number == first.number + 1
    assert (version.author, version.interview) == (teammate, None)
    kept = ("goal", "goal_details", "applications_per_month", "follow_up", "strengths", "needs")
    assert [getattr(version, f) for f in kept] == [getattr(first, f) for f in kept]
    actions = [(a.kind, a.description, a.status, a.referral_id) for a in version.actions.all()]
    assert actions == [
        (ActionKind.STUDY, "Evening course in Finnish", ActionStatus.IN_PROGRESS, None),
        (ActionKind.COACHING, "Valmennus Oy – Job coaching", ActionStatus.PLANNED, referral.pk),
    ]
    # The first version is untouched, and the revision is in the change history.
    assert [a.description for a in first.actions.all()] == ["Evening course in Finnish"]
    event = ChangeEvent.objects.get(kind=ChangeEventKind.PLAN_REVISED, subject_id=version.pk)
    assert event.changed_by == teammate


def test_a_referral_before_any_plan_makes_no_plan(client_a, adviser, partner_org):
    referral = make_referral(client_a, partner_org, adviser)
    assert referral.status == "sent"
    assert not PlanVersion.objects.filter(plan__client=client_a).exists()


def test_a_refused_referral_adds_nothing_to_the_plan(client_a, adviser, partner_org):
    agree_plan(client_a, adviser, COACHING)
    with pytest.raises(services.ReferralRefused):
        make_referral(client_a, partner_org, adviser, consent=False)
    assert current(client_a).number == 1


def test_the_action_type_follows_the_service_type(client_a, adviser, partner_org):
    agree_plan(client_a, adviser)
    service = PartnerService.objects.create(
        partner=partner_org, name="Work-ability check", service_type=ServiceType.HEALTH
    )
    make_consent(client_a, partner_org, adviser)
    services.referral_send(
        client=client_a,
        service=service,
        reason="Back pain",
        shared_information="Plan",
        created_by=adviser,
    )
    action = current(client_a).actions.get()
    assert (action.kind, action.description) == (
        ActionKind.ASSESSMENT,
        "Valmennus Oy – Work-ability check",
    )


def test_the_plan_shows_the_partners_outcome_at_once_and_the_next_interview_records_it(
    client, client_a, adviser, partner_org, partner_user
):
    agree_plan(client_a, adviser, COACHING)
    referral = make_referral(client_a, partner_org, adviser)
    end_with_report(referral, partner_user)

    # No version is written for the partner's report: the plan is agreed with the client.
    assert current(client_a).number == 2
    client.force_login(adviser)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert "Referral ended" in page and "Work trial (partner's report)" in page

    # The next interview form starts from the partner's report, for the adviser to confirm.
    form_page = client.get(reverse("interviews:log", args=[client_a.pk]))
    initial = form_page.context["actions"].initial
    assert [(a["status"], a["outcome"], a["referral"]) for a in initial] == [
        (ActionStatus.IN_PROGRESS, "", None),
        (ActionStatus.DONE, ReferralOutcome.WORK_TRIAL, referral.pk),
    ]
    html = form_page.content.decode()
    assert "A referral to Valmennus Oy, now ended." in html
    assert "The partner reported the outcome: Work trial." in html

    data = form_data(
        plan_based_on="2",
        **{
            "actions-TOTAL_FORMS": "2",
            "actions-INITIAL_FORMS": "2",
            "actions-0-kind": ActionKind.STUDY,
            "actions-0-description": "Evening course in Finnish",
            "actions-0-status": ActionStatus.IN_PROGRESS,
            "actions-0-outcome": "",
            "actions-0-referral": "",
            "actions-1-kind": ActionKind.COACHING,
            "actions-1-description": "Valmennus Oy – Job coaching",
            "actions-1-status": ActionStatus.DONE,
            "actions-1-outcome": ReferralOutcome.WORK_TRIAL,
            "actions-1-referral": str(referral.pk),
        },
    )
    assert client.post(reverse("interviews:log", args=[client_a.pk]), data).status_code == 302
    version = current(client_a)
    assert version.number == 3 and version.interview is not None
    action = version.actions.get(referral=referral)
    assert (action.status, action.outcome) == (ActionStatus.DONE, ReferralOutcome.WORK_TRIAL)
    page = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert "Work trial (partner's report)" not in page  # recorded in the plan now


def test_a_declined_referral_starts_the_next_revision_as_cancelled(
    client, client_a, adviser, partner_org, partner_user
):
    agree_plan(client_a, adviser)
    referral = make_referral(client_a, partner_org, adviser)
    services.referral_transition(referral=referral, status="declined", by=partner_user, note="Full")
    client.force_login(adviser)
    initial = client.get(reverse("interviews:log", args=[client_a.pk])).context["actions"].initial
    assert [(a["status"], a["outcome"]) for a in initial] == [(ActionStatus.CANCELLED, "")]


def test_a_revision_without_links_keeps_the_link_of_the_same_action(
    client_a, adviser, partner_org, team_b
):
    agree_plan(client_a, adviser)
    referral = make_referral(client_a, partner_org, adviser)
    other = make_referral(make_client(team_b), partner_org, adviser)
    # As the API sends it: no link, the same type and description (any case and spacing).
    revised = PlanInput(
        goal=Goal.WORK,
        applications_per_month=4,
        actions=[
            ActionInput(
                ActionKind.COACHING, " valmennus oy – job coaching ", ActionStatus.IN_PROGRESS
            ),
            # A link to another client's referral is not kept.
            ActionInput(ActionKind.OTHER, "Borrowed", ActionStatus.PLANNED, referral_id=other.pk),
        ],
    )
    version = plan_revise(client=client_a, author=adviser, data=revised, based_on=2)
    assert [a.referral_id for a in version.actions.all()] == [referral.pk, None]


def test_only_a_done_action_has_an_outcome(client_a, adviser):
    form = ActionForm(
        {
            "kind": ActionKind.COACHING,
            "description": "Coaching",
            "status": ActionStatus.IN_PROGRESS,
            "outcome": ReferralOutcome.STUDY,
        }
    )
    assert not form.is_valid() and list(form.errors) == ["outcome"]
    version = agree_plan(client_a, adviser)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAction.objects.create(
            version=version,
            kind=ActionKind.COACHING,
            description="Coaching",
            status=ActionStatus.PLANNED,
            outcome=ReferralOutcome.STUDY,
        )


def test_plan_actions_stay_immutable_in_the_database(client_a, adviser):
    agree_plan(client_a, adviser, COACHING)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAction.objects.update(status=ActionStatus.DONE)
    assert PlanAction.objects.get().status == ActionStatus.IN_PROGRESS


def test_a_referral_in_a_plan_cannot_be_deleted_on_its_own(client_a, adviser, partner_org):
    agree_plan(client_a, adviser)
    referral = make_referral(client_a, partner_org, adviser)
    with pytest.raises(RestrictedError), transaction.atomic():
        referral.delete()
    assert PlanAction.objects.get().referral == referral
