"""The job-search obligation by review period: a period of one or three months and the
day the periods run from (the constraints follow in 0008, after 0007 fits the old rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0005_version_created_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='planversion',
            name='planversion_applications_range',
        ),
        migrations.AddField(
            model_name='planversion',
            name='job_search_from',
            field=models.DateField(blank=True, help_text="The first day of the first review period (a month's first day). Empty: nothing is followed up until a start is set.", null=True, verbose_name='job-search obligation from'),
        ),
        migrations.AddField(
            model_name='planversion',
            name='job_search_period_months',
            field=models.PositiveSmallIntegerField(choices=[(1, 'One month'), (3, 'Three months')], db_default=1, default=1, verbose_name='review period'),
        ),
        migrations.AlterField(
            model_name='planversion',
            name='applications_per_month',
            field=models.PositiveSmallIntegerField(default=4, verbose_name='job applications per review period'),
        ),
    ]
