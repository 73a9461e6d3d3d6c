"""Extended statistics on (due_state, next_due_date), PostgreSQL only.

The daily due run asks for rows whose stored state disagrees with their due date, e.g.
"state ok and due within 14 days". The two columns are strongly correlated; without these
statistics the planner assumes independence, expects most of the table and scans all of it.
With them it uses the (due_state, next_due_date) index and reads only the rows that change.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS client_due_stats (mcv, dependencies) "
            "ON due_state, next_due_date FROM clients_client",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS client_due_stats", params=None)


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_importrecord")]

    operations = [migrations.RunPython(forwards, backwards)]
