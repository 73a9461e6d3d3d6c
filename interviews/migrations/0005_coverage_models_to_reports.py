"""CoverageDay and CoverageSnapshot now live in reports (reports.0005): forget them here.

State only: the tables and their rows stay, owned by the reports models (same db_table).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("interviews", "0004_fill_working_calendar"),
        ("reports", "0005_coverage_models_from_interviews"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CoverageSnapshot"),
                migrations.DeleteModel(name="CoverageDay"),
            ],
            database_operations=[],
        ),
    ]
