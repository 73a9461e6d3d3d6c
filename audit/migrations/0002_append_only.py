"""The access log is append-only and change events are never rewritten, in the database.

PostgreSQL also gets a GIN index over the access log's client ids ("who viewed client N").
"""

from django.db import migrations

from audit import db


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in db.install_sql(vendor):
        schema_editor.execute(statement, params=None)
    index = db.client_index_sql(vendor)
    if index:
        schema_editor.execute(index[0], params=None)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in db.remove_sql(vendor):
        schema_editor.execute(statement, params=None)
    index = db.client_index_sql(vendor)
    if index:
        schema_editor.execute(index[1], params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
