"""The coverage models moved from interviews to reports without losing a row.

A database migrated as on main before the move (interviews.0004, reports.0004) is given
kept days, snapshots and an activity month through the old models; migrating forward, the
same rows are read through reports' models.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.utils import timezone

from reports.models import ActivityMonth, CoverageDay, CoverageSnapshot

BEFORE = [
    ("interviews", "0004_fill_working_calendar"),
    ("reports", "0004_activity_count_month_team"),
]
AFTER = [
    ("interviews", "0005_coverage_models_to_reports"),
    ("reports", "0005_coverage_models_from_interviews"),
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_kept_coverage_rows_are_read_through_the_reports_models_after_the_move():
    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    office = old.get_model("teams", "Office").objects.create(name="Old office", code="old")
    line = old.get_model("teams", "ServiceLine").objects.create(office=office, name="Line")
    team = old.get_model("teams", "Team").objects.create(service_line=line, name="Team")
    adviser = old.get_model("auth", "User").objects.create(username="old-adviser")
    types = ContentType.objects  # its table is as today's
    types.filter(model__in=["coverageday", "coveragesnapshot"]).delete()
    types.create(app_label="interviews", model="coverageday")
    computed = timezone.now().replace(microsecond=0)
    OldDay = old.get_model("interviews", "CoverageDay")
    october = OldDay.objects.create(day=dt.date(2026, 10, 31), computed_at=computed)
    september = OldDay.objects.create(day=dt.date(2026, 9, 30), computed_at=computed, stale=True)
    OldSnapshot = old.get_model("interviews", "CoverageSnapshot")
    OldSnapshot.objects.create(
        day=october, team=team, adviser=adviser, required=10, covered=7, overdue=2
    )
    OldSnapshot.objects.create(
        day=october, team=team, adviser=None, required=3, covered=1, overdue=0
    )
    OldSnapshot.objects.create(
        day=september, team=team, adviser=adviser, required=9, covered=9, overdue=0
    )
    old.get_model("reports", "ActivityMonth").objects.create(day=october, computed_at=computed)

    _migrate(AFTER)
    ContentType.objects.clear_cache()
    _migrate(executor.loader.graph.leaf_nodes())  # the rest, as the other tests expect it

    assert list(
        CoverageDay.objects.order_by("day").values_list("pk", "day", "computed_at", "stale")
    ) == [
        (september.pk, dt.date(2026, 9, 30), computed, True),
        (october.pk, dt.date(2026, 10, 31), computed, False),
    ]
    rows = CoverageSnapshot.objects.order_by("day__day", F("adviser").asc(nulls_last=True))
    assert [
        (r.day_id, r.team_id, r.adviser_id, r.required, r.covered, r.overdue) for r in rows
    ] == [
        (september.pk, team.pk, adviser.pk, 9, 9, 0),
        (october.pk, team.pk, adviser.pk, 10, 7, 2),
        (october.pk, team.pk, None, 3, 1, 0),
    ]
    assert ActivityMonth.objects.get().day == CoverageDay.objects.get(pk=october.pk)
    assert CoverageDay.objects.get(pk=october.pk).rows.count() == 2
    assert ContentType.objects.get_for_model(CoverageDay).app_label == "reports"
