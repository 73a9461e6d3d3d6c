"""Fill the working-day calendar (weekends and Finnish public holidays) for 2000–2050."""

import datetime as dt

from django.db import migrations


def fill(apps, schema_editor):
    from interviews.rules import is_working_day, next_working_day

    CalendarDay = apps.get_model("interviews", "CalendarDay")
    day, end, seq, rows = dt.date(2000, 1, 1), dt.date(2050, 12, 31), 0, []
    while day <= end:
        working = is_working_day(day)
        seq += working
        rows.append(
            CalendarDay(day=day, working=working, seq=seq, next_working=next_working_day(day))
        )
        day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, batch_size=2000)


def empty(apps, schema_editor):
    apps.get_model("interviews", "CalendarDay").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("interviews", "0003_rule_sets_contact_attempts")]

    operations = [migrations.RunPython(fill, empty)]
