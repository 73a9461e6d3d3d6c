"""The reports' SQL counts local dates in the project's time zone, read from settings."""

from __future__ import annotations

from django.test import override_settings

from reports.periods import LOCAL_ZONE
from reports.sql import local_date_sql


def test_local_dates_in_sql_are_in_the_time_zone_of_the_settings(settings):
    assert LOCAL_ZONE.key == settings.TIME_ZONE
    assert f"'{settings.TIME_ZONE}'" in local_date_sql("i.held_at")
    with override_settings(TIME_ZONE="Europe/Stockholm"):
        sql = local_date_sql("i.held_at")
    assert "'Europe/Stockholm'" in sql and "Helsinki" not in sql
