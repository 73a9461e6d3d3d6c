"""A plan action's outcome and its link to a partner referral.

On SQLite, adding a column with a default or a constraint rebuilds the table, which drops
the trigger that refuses UPDATEs (0002); it is created again here. PostgreSQL keeps it.
"""

import django.db.models.deletion
from django.db import migrations, models


def recreate_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS plans_planaction_immutable "
            "BEFORE UPDATE ON plans_planaction "
            "BEGIN SELECT RAISE(ABORT, 'rows of plans_planaction are immutable'); END"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("plans", "0003_job_search_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="planaction",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("open_market", "Employed on the open market"),
                    ("subsidised", "Subsidised work"),
                    ("study", "Study"),
                    ("work_trial", "Work trial"),
                    ("other_service", "Other service"),
                    ("no_change", "No change"),
                ],
                db_default="",
                default="",
                max_length=16,
                verbose_name="outcome",
            ),
        ),
        migrations.AddField(
            model_name="planaction",
            name="referral",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="plan_actions",
                to="partners.referral",
                verbose_name="referral",
            ),
        ),
        migrations.AddConstraint(
            model_name="planaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("outcome", ""),
                    models.Q(
                        (
                            "outcome__in",
                            [
                                "open_market",
                                "subsidised",
                                "study",
                                "work_trial",
                                "other_service",
                                "no_change",
                            ],
                        ),
                        ("status", "done"),
                    ),
                    _connector="OR",
                ),
                name="planaction_outcome_valid",
            ),
        ),
        migrations.RunPython(recreate_sqlite_trigger, migrations.RunPython.noop),
    ]
