# The Notification model moved to the notifications app (its migration 0001 holds the model's
# state now). Only partners' state forgets it: the table partners_notification and its rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Notification")],
        ),
    ]
