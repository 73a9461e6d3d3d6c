"""Issue 8: the team dashboard counts the outcomes of its clients' partner referrals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Referral, ReferralOutcome, ReferralStatus
from reports.dashboard.team import team_dashboard
from tests.conftest import make_client
from tests.partners.conftest import make_referral

pytestmark = pytest.mark.django_db


def _ended(referral: Referral, on: dt.datetime, outcome: str) -> None:
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.ENDED, ended_at=on, outcome=outcome
    )


def test_outcomes_of_the_teams_referrals_this_month_and_last(
    client, team_a, team_b, adviser, outsider, lead, partner_org
):
    now = timezone.now()
    month_start = timezone.localdate().replace(day=1)
    last_month = dt.datetime.combine(
        month_start - dt.timedelta(days=3), dt.time(12), timezone.get_current_timezone()
    )
    ours = [make_client(team_a, responsible_adviser=adviser) for _ in range(3)]
    theirs = make_client(team_b, responsible_adviser=outsider)
    _ended(make_referral(ours[0], partner_org, adviser), now, ReferralOutcome.WORK_TRIAL)
    _ended(make_referral(ours[1], partner_org, adviser), now, ReferralOutcome.WORK_TRIAL)
    _ended(make_referral(ours[2], partner_org, adviser), last_month, ReferralOutcome.STUDY)
    _ended(make_referral(theirs, partner_org, outsider), now, ReferralOutcome.OPEN_MARKET)
    make_referral(make_client(team_a), partner_org, adviser)  # not ended: not an outcome

    d = team_dashboard(team=team_a, today=timezone.localdate())
    rows = {label: (now_n, before_n) for label, now_n, before_n in d.referral_outcomes}
    assert rows[str(ReferralOutcome.WORK_TRIAL.label)] == (2, 0)
    assert rows[str(ReferralOutcome.STUDY.label)] == (0, 1)
    assert rows[str(ReferralOutcome.OPEN_MARKET.label)] == (0, 0)  # team B's client
    assert d.referral_totals == (2, 1)

    client.force_login(lead)
    page = client.get(reverse("teams:dashboard", args=[team_a.pk])).content.decode()
    assert "Outcomes of partner referrals" in page and "Work trial" in page
