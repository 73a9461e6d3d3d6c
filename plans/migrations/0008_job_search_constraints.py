"""The job-search obligation's limits in the database: a review period of one or three
months, 0..4 applications a month of the period, periods from a month's first day."""

import django.db.models.expressions
from django.db import migrations, models


def recreate_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        table = "plans_planversion"
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_immutable BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'rows of {table} are immutable'); END"
        )


class Migration(migrations.Migration):
    dependencies = [("plans", "0007_job_search_obligation_of_old_plans")]

    # SQLite rebuilds the table to add a constraint, which drops 0002's trigger: put it back.
    operations = [
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('job_search_period_months__in', (1, 3))), name='planversion_period_months_valid'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('applications_per_month__gte', 0), ('applications_per_month__lte', django.db.models.expressions.CombinedExpression(models.F('job_search_period_months'), '*', models.Value(4)))), name='planversion_applications_per_period_range'),
        ),
        migrations.AddConstraint(
            model_name='planversion',
            constraint=models.CheckConstraint(condition=models.Q(('job_search_from__isnull', True), ('job_search_from__day', 1), _connector='OR'), name='planversion_job_search_from_month_start'),
        ),
            migrations.RunPython(recreate_sqlite_trigger, migrations.RunPython.noop),
    ]
