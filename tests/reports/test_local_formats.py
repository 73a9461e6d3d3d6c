"""The report's numbers, dates, months, file names and CSV follow the user's language."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports.exports import report_file_name
from reports.periods import period_month, period_parse, period_quarter
from reports.selectors.report import coverage_report
from teoffice import l10n
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
Q3 = {"period": "quarter", "quarter": "2026-Q3", "level": "team"}
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def office(db):
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        seed_demo(clients=300, seed=5, today=TODAY)


def _as(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.login(username="manager", password="demo")
    return client


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


@pytest.mark.parametrize(
    ("language", "pct", "big", "month", "quarter"),
    [
        ("fi", "84,0\xa0%", "1\xa0917", "marraskuu 2026", "3. neljännes 2026"),
        ("sv", "84,0\xa0%", "1\xa0917", "november 2026", "kvartal 3 2026"),
        ("en", "84.0\xa0%", "1,917", "November 2026", "Q3 2026"),
    ],
)
def test_helpers_write_numbers_and_months_as_the_language_does(language, pct, big, month, quarter):
    with translation.override(language):
        assert l10n.percent(84) == pct and l10n.share(0.84) == pct
        assert l10n.number(1917) == big
        assert l10n.day(dt.date(2026, 12, 1)) == "1.12.2026"
        assert period_month("2026-11").display == month
        assert period_quarter("2026-Q3").display == quarter
        assert l10n.month_short(dt.date(2026, 11, 1)) == "11/2026"


def test_finnish_report_page_has_finnish_numbers_dates_and_month_picker(client, office):
    _as(client, "fi")
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        html = client.get(reverse("reports:coverage"), Q3).content.decode()
        manager = client.session["_auth_user_id"]
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=manager)
        with translation.override("fi"):
            report = coverage_report(user=user, start=Q3_START, end=Q3_END, level="team")
    assert "1.7.2026" in html and "30.9.2026" in html and "2026-09-30" not in html
    assert "lokakuu 2026</option>" in html, html[html.find("id_month") :][:400]
    assert "3. neljännes 2026" in html
    total = report.total.figures
    assert f"{total.coverage_pct:.1f}".replace(".", ",") + "\xa0%" in html
    # the chart's months are numbers (never "Mar 26", which is both March and November)
    assert ">9/2026</text>" in html and "Mar 26" not in html
    # with few rows the chart draws each row: its lines are in a table too
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        html = client.get(reverse("reports:coverage"), {**Q3, "level": "service_line"})
    html = html.content.decode()
    table = html[html.index('id="chart-table"') : html.index("</table>", html.index("chart-table"))]
    assert '<th scope="col">30.9.2026</th>' in table and "\xa0%</td>" in table
    assert table.count("<tr>") == 1 + html.count('class="series series-') // 2  # drawn + key


Q3_START, Q3_END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_nordic_csv_opens_split_in_excel(client, office, language):
    _as(client, language)
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("reports:coverage_csv"), Q3)
    stem = {"fi": "kattavuus_tiimi", "sv": "t%C3%A4ckning_team"}[language]
    assert f"{stem}_2026-Q3.csv" in response["Content-Disposition"]
    text = _body(response)
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert len(rows[0]) > 10 and len({len(r) for r in rows}) == 1
    coverage = rows[0].index(next(h for h in rows[0] if h.endswith("(%)")))
    values = [r[coverage] for r in rows[1:] if r[coverage]]
    assert values and all("," in v and "." not in v for v in values)  # 84,0


def test_english_csv_keeps_commas_and_points(client, office):
    _as(client, "en")
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("reports:coverage_csv"), Q3)
    text = _body(response)
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][4] == "Coverage (%)" and "." in rows[1][4]


def test_file_names_are_in_the_language():
    period = period_parse(kind="month", month="2026-11", today=TODAY)

    class Built:
        level = "service_line"

    Built.period = period
    with translation.override("fi"):
        assert report_file_name(Built, "xlsx") == "kattavuus_palvelulinja_2026-11.xlsx"
    with translation.override("sv"):
        assert report_file_name(Built, "csv") == "täckning_servicelinje_2026-11.csv"


def test_finnish_dashboard_months_are_unambiguous_and_its_chart_values_are_in_the_table(
    client, office
):
    from teams.models import Team

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"
    assert client.login(username="teamlead", password="demo")
    team = Team.objects.get(memberships__user__username="teamlead")
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        html = client.get(reverse("teams:dashboard", args=[team.pk])).content.decode()
    assert ">11/2026</text>" in html and ">Mar 26<" not in html and ">Nov 26<" not in html
    assert "Poissaolot marraskuu / lokakuu" in html
    # the "interviews held per adviser" chart's values are in the trend table too
    table = html[html.index('id="trend-table"') :]
    assert table.count('class="n-per-adviser"') == 12
