"""English in a Finnish office: the same day-first dates and 24-hour times as Finnish."""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y H:i"
FIRST_DAY_OF_WEEK = 1
