"""Swedish as written in Finland: d.m.yyyy dates, 24-hour times (kl. 14.30), space groups."""

from django.conf.locale.sv.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j.n.Y"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = "j F Y \\k\\l. H.i"
SHORT_DATETIME_FORMAT = "j.n.Y \\k\\l. H.i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H.%M",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
