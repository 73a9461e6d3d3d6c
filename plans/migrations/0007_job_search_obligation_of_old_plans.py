"""Today's plans under the review periods: each version's obligation becomes one-month
periods from the first month that begins on or after the day it was agreed (Helsinki time;
interviews.rules.job_search_default_start), and an amount above 4 a month, which
the old rule already counted as 4, is written as 4 (0008's constraint allows no more).

Plan versions are immutable (0002's triggers refuse UPDATE): the trigger is set aside for
this one statement and put back. Reversible: backwards writes nothing (0006's reverse drops
the new columns; a clamped amount stays 4, which is what it always counted as).
"""

from django.db import migrations

TABLE = "plans_planversion"
TRIGGER = f"{TABLE}_immutable"
SQLITE_TRIGGER = (
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGER} BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, 'rows of {TABLE} are immutable'); END"
)

POSTGRES_UPDATE = f"""
UPDATE {TABLE} SET
    job_search_period_months = 1,
    job_search_from = (date_trunc('month', (created_at AT TIME ZONE 'Europe/Helsinki')::date - 1)
                       + interval '1 month')::date,
    applications_per_month = LEAST(applications_per_month, 4)
WHERE job_search_from IS NULL OR applications_per_month > 4
"""
# SQLite keeps UTC text; Helsinki is UTC+2 or +3, so a version agreed in the last hours of a
# month's last day (UTC) belongs to the next month: +3 hours is exact but for one hour a year.
SQLITE_UPDATE = f"""
UPDATE {TABLE} SET
    job_search_period_months = 1,
    job_search_from = date(created_at, '+3 hours', '-1 day', 'start of month', '+1 month'),
    applications_per_month = min(applications_per_month, 4)
WHERE job_search_from IS NULL OR applications_per_month > 4
"""


def forwards(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        execute(POSTGRES_UPDATE)
        execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
    elif schema_editor.connection.vendor == "sqlite":
        execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        execute(SQLITE_UPDATE)
        execute(SQLITE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("plans", "0006_job_search_review_periods")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
