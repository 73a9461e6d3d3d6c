"""Local formats: d.m.yyyy and 24-hour times in Finnish and Swedish, Helsinki time for display,
Finnish number grouping and decimal comma; enumerations translated."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format

from clients.models import Status
from interviews.choices import Channel, DueState, Outcome

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_dates_are_day_month_year_and_times_24_hour(lang):
    moment = dt.datetime(2026, 3, 5, 14, 7, tzinfo=HELSINKI)
    with translation.override(lang):
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "5.3.2026"
        assert "14" in date_format(moment, "TIME_FORMAT")
        assert "5.3.2026" in date_format(moment, "SHORT_DATETIME_FORMAT")
        assert "14.07" in date_format(moment, "SHORT_DATETIME_FORMAT")


def test_english_uses_the_same_day_first_dates_and_24_hour_clock():
    moment = dt.datetime(2026, 3, 5, 14, 7, tzinfo=HELSINKI)
    with translation.override("en"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "5.3.2026 14:07"


def test_times_stored_in_utc_show_in_helsinki_time():
    stored = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)  # 12.00 in Helsinki (summer)
    with translation.override("fi"), timezone.override("Europe/Helsinki"):
        rendered = Template('{{ t|date:"SHORT_DATETIME_FORMAT" }}').render(Context({"t": stored}))
    assert rendered == "1.7.2026 klo 12.00"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("fi", "1\xa0234\xa0567,5"), ("sv", "1\xa0234\xa0567,5"), ("en", "1,234,567.5")],
)
def test_numbers_are_grouped_in_the_ui(lang, expected):
    with translation.override(lang):
        assert number_format(1234567.5, decimal_pos=1) == expected
        assert Template("{{ n }}").render(Context({"n": 1234567})) == expected[:-2]


def test_ids_in_links_and_form_values_are_never_grouped():
    with translation.override("fi"):
        rendered = Template("{% load l10n %}{{ n|unlocalize }}").render(Context({"n": 123456}))
    assert rendered == "123456"


@pytest.mark.parametrize(
    ("value", "fi", "sv"),
    [
        (Channel.PHONE, "Puhelin", "Telefon"),
        (Channel.FACE_TO_FACE, "Kasvokkain", "Personligt möte"),
        (Channel.VIDEO, "Video", "Video"),
        (Outcome.HELD, "Pidetty", "Hållen"),
        (Outcome.NO_SHOW, "Asiakas ei saapunut", "Kunden uteblev"),
        (DueState.OVERDUE, "Erääntynyt", "Försenad"),
        (DueState.DUE_SOON, "Erääntymässä", "Förfaller snart"),
        (Status.UNEMPLOYED, "Työtön", "Arbetslös"),
        (Status.LAID_OFF, "Lomautettu", "Permitterad"),
    ],
)
def test_enumerations_are_translated(value, fi, sv):
    with translation.override("fi"):
        assert str(value.label) == fi
    with translation.override("sv"):
        assert str(value.label) == sv


def test_date_inputs_keep_iso_values_in_every_language():
    from partners.forms import DateInput
    from reports.forms import ReportForm

    day = dt.date(2026, 3, 5)
    with translation.override("fi"):
        assert DateInput().format_value(day) == "2026-03-05"
        assert ReportForm.base_fields["start"].widget.format_value(day) == "2026-03-05"
