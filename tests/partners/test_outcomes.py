from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners import services
from partners.models import Referral, ReferralOutcome
from tests.conftest import make_client

from .conftest import make_referral

pytestmark = pytest.mark.django_db


def _end(referral, partner_user, outcome: str, *, ended_on: dt.date | None = None) -> None:
    services.referral_transition(referral=referral, status="accepted", by=partner_user)
    services.closing_report_file(
        referral=referral,
        filed_by=partner_user,
        work_done="w",
        results="r",
        outcome=outcome,
        next_steps="n",
        further_support_needed=False,
    )
    if ended_on:
        at = timezone.make_aware(dt.datetime.combine(ended_on, dt.time(23, 30)))
        Referral.objects.filter(pk=referral.pk).update(ended_at=at)


def test_outcome_counts_count_ended_referrals_in_the_period_by_outcome(
    team_a, team_b, adviser, outsider, partner_org, partner_user
):
    today = timezone.localdate()
    last_month = today - dt.timedelta(days=40)
    for outcome in ["open_market", "study", "study", "work_trial"]:
        _end(make_referral(make_client(team_a), partner_org, adviser), partner_user, outcome)
    _end(make_referral(make_client(team_b), partner_org, outsider), partner_user, "subsidised")
    _end(
        make_referral(make_client(team_a), partner_org, adviser),
        partner_user,
        "no_change",
        ended_on=last_month,
    )
    make_referral(make_client(team_a), partner_org, adviser)  # still open: not counted

    with CaptureQueriesContext(connection) as ctx:
        counts = services.outcome_counts(start=today - dt.timedelta(days=7), end=today)
    assert len(ctx) == 1
    assert counts == {
        "open_market": 1,
        "subsidised": 1,
        "study": 2,
        "work_trial": 1,
        "other_service": 0,
        "no_change": 0,
        "total": 5,
    }
    team = services.outcome_counts(
        start=today - dt.timedelta(days=7), end=today, team_ids=[team_a.pk]
    )
    assert (team["subsidised"], team["total"]) == (0, 4)
    whole = services.outcome_counts(start=last_month, end=last_month)
    assert (whole["no_change"], whole["total"]) == (1, 1)


def test_outcome_counts_list_every_outcome_even_with_none(db):
    today = timezone.localdate()
    counts = services.outcome_counts(start=today, end=today, team_ids=[])
    assert set(counts) == {*ReferralOutcome.values, "total"}
    assert sum(counts.values()) == 0
