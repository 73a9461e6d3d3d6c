"""Every model in the admin opens for an administrator: its list and, with a row, its page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.invalid", "pw-root-1")


@pytest.mark.parametrize(
    "model",
    sorted(admin.site._registry, key=lambda m: m._meta.label),
    ids=lambda m: m._meta.label,
)
def test_every_admin_list_opens(client, superuser, model):
    client.force_login(superuser)
    meta = model._meta
    response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200


def test_the_kept_days_list_their_staleness(client, superuser):
    import datetime as dt

    from django.utils import timezone

    from reports.models import ActivityMonth, CoverageDay

    day = CoverageDay.objects.create(day=dt.date(2026, 10, 31), computed_at=timezone.now())
    ActivityMonth.objects.create(day=day, computed_at=timezone.now())
    CoverageDay.objects.filter(pk=day.pk).update(stale=True)
    client.force_login(superuser)
    for name in ("reports_coverageday", "reports_activitymonth"):
        page = client.get(reverse(f"admin:{name}_changelist")).content.decode()
        assert "31" in page and 'alt="True"' in page  # the stale mark
