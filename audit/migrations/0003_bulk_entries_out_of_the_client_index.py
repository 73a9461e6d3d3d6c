"""The GIN index over client ids covers ordinary entries only (client_count <= 5000); bulk
entries get a small partial index of their own. An export of a million clients then writes
one row and no million index entries; "who viewed client N" reads both (AccessLog.objects
.for_client). PostgreSQL only: SQLite has no such index."""

from django.db import migrations

FORWARDS = [
    "DROP INDEX IF EXISTS audit_accesslog_clients",
    "CREATE INDEX audit_accesslog_clients ON audit_accesslog "
    "USING gin (client_ids jsonb_path_ops) WHERE client_count <= 5000",
    "CREATE INDEX audit_accesslog_bulk ON audit_accesslog (id) WHERE client_count > 5000",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS audit_accesslog_bulk",
    "DROP INDEX IF EXISTS audit_accesslog_clients",
    "CREATE INDEX audit_accesslog_clients ON audit_accesslog "
    "USING gin (client_ids jsonb_path_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [migrations.RunPython(_run(FORWARDS), _run(BACKWARDS))]
