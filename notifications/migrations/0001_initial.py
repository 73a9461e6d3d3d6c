# The Notification model moves here from partners without touching its table: this migration
# only adds it to the notifications app's state (partners 0002 removes it from partners'
# state), and renames its content type so admin history and permissions follow it.

import django.db.models.deletion
from django.db import migrations, models


def content_type_move(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="notification").exists():
        ContentType.objects.using(db).filter(app_label=old, model="notification").update(
            app_label=new
        )


def forwards(apps, schema_editor) -> None:
    content_type_move(apps, schema_editor, old="partners", new="notifications")


def backwards(apps, schema_editor) -> None:
    content_type_move(apps, schema_editor, old="notifications", new="partners")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("interviews", "0001_initial"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("confirmation", "Booking confirmation"), ("reminder", "Reminder the day before")], max_length=16, verbose_name="kind")),
                        ("channel", models.CharField(choices=[("email", "E-mail"), ("sms", "Text message")], max_length=8, verbose_name="channel")),
                        ("status", models.CharField(choices=[("pending", "Waiting to be sent"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed, will be retried"), ("gave_up", "Failed"), ("skipped", "Skipped")], default="pending", max_length=8, verbose_name="status")),
                        ("recipient", models.CharField(blank=True, max_length=254, verbose_name="recipient")),
                        ("language", models.CharField(blank=True, max_length=8, verbose_name="language")),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                        ("appointment", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to="interviews.appointment")),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "db_table": "partners_notification",
                        "ordering": ["created_at", "id"],
                        "constraints": [models.UniqueConstraint(fields=("appointment", "kind", "channel"), name="notification_once"), models.CheckConstraint(condition=models.Q(("kind__in", ["confirmation", "reminder"])), name="notification_kind_valid"), models.CheckConstraint(condition=models.Q(("channel__in", ["email", "sms"])), name="notification_channel_valid"), models.CheckConstraint(condition=models.Q(("status__in", ["pending", "sending", "sent", "failed", "gave_up", "skipped"])), name="notification_status_valid"), models.CheckConstraint(condition=models.Q(models.Q(("status", "sent"), _negated=True), ("sent_at__isnull", False), _connector="OR"), name="notification_sent_has_time")],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
