"""Finnish formats: Django's, with the office's short forms (d.m.yyyy, 24-hour H.MM)."""

from django.conf.locale.fi.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y \\k\\l\\o G.i"
TIME_FORMAT = "G.i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
