"""CoverageDay and CoverageSnapshot move here from interviews, keeping their tables and rows.

Only Django's idea of the models moves (state operations): the tables keep their names
(db_table) and every row, ActivityMonth's foreign key keeps pointing at the same table, and
the content types (with their permissions) are relabelled rather than recreated.
interviews.0005 then forgets the models there; it depends on this migration, so the models
never vanish from the state while ActivityMonth refers to them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["coverageday", "coveragesnapshot"]


def relabel(from_app: str, to_app: str):
    def run(apps, schema_editor):
        types = apps.get_model("contenttypes", "ContentType").objects.using(
            schema_editor.connection.alias
        )
        for model in MODELS:
            # A type already there under the new label is left as it is (the old one stays
            # stale), so a database in any state migrates.
            if not types.filter(app_label=to_app, model=model).exists():
                types.filter(app_label=from_app, model=model).update(app_label=to_app)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("interviews", "0004_fill_working_calendar"),
        ("reports", "0004_activity_count_month_team"),
        ("teams", "0002_userprofile"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CoverageDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField(unique=True)),
                        ("computed_at", models.DateTimeField()),
                        ("stale", models.BooleanField(default=False)),
                    ],
                    options={
                        "verbose_name": "coverage day",
                        "verbose_name_plural": "coverage days",
                        "db_table": "interviews_coverageday",
                        "ordering": ["-day"],
                    },
                ),
                migrations.CreateModel(
                    name="CoverageSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("required", models.PositiveIntegerField()),
                        ("covered", models.PositiveIntegerField()),
                        ("overdue", models.PositiveIntegerField()),
                        (
                            "adviser",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "day",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rows",
                                to="reports.coverageday",
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="teams.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "coverage snapshot",
                        "verbose_name_plural": "coverage snapshots",
                        "db_table": "interviews_coveragesnapshot",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("day", "team", "adviser"), name="coveragesnapshot_unique"
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("adviser__isnull", True)),
                                fields=("day", "team"),
                                name="coveragesnapshot_unique_unassigned",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("covered__lte", models.F("required")),
                                    ("overdue__lte", models.F("required")),
                                ),
                                name="coveragesnapshot_counts_consistent",
                            ),
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="activitymonth",
                    name="day",
                    field=models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="activity",
                        to="reports.coverageday",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel("interviews", "reports"), relabel("reports", "interviews"), elidable=True
        ),
    ]
