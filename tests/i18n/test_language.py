"""The interface language: profile setting, then Accept-Language, then the office default
(Finnish); the header's switcher; Swedish everywhere, including errors, exports and the API."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from teams.models import UserProfile
from teoffice.i18n import profile_language_set
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db
CASELOAD = reverse("clients:caseload")
LOGIN = reverse("login")


def test_without_a_preference_or_accept_language_the_office_default_is_finnish(client, settings):
    settings.LANGUAGE_CODE = "fi"
    page = client.get(LOGIN).content.decode()
    assert '<html lang="fi">' in page
    assert "Kirjaudu sisään" in page and "Saavutettavuusseloste" in page


@pytest.mark.parametrize(
    ("header", "lang", "text"),
    [
        ("sv-FI,sv;q=0.9", "sv", "Logga in"),
        ("en-GB,en;q=0.8", "en", "Sign in"),
        ("fi", "fi", "Kirjaudu"),
    ],
)
def test_accept_language_chooses_the_language_when_the_user_has_none(
    client, settings, header, lang, text
):
    settings.LANGUAGE_CODE = "fi"
    page = client.get(LOGIN, headers={"accept-language": header}).content.decode()
    assert f'<html lang="{lang}">' in page and text in page


def test_the_profile_language_beats_the_browser(client, adviser, client_a):
    profile_language_set(user=adviser, language="sv")
    client.force_login(adviser)
    page = client.get(CASELOAD, headers={"accept-language": "en"}).content.decode()
    assert '<html lang="sv">' in page
    assert "Kunder" in page and "Ansvarig sakkunnig" in page and "Caseload" not in page


def test_the_switcher_saves_the_signed_in_users_choice(client, adviser):
    client.force_login(adviser)
    response = client.post(reverse("set_language"), {"language": "sv", "next": CASELOAD})
    assert response.status_code == 302 and response["Location"] == CASELOAD
    assert UserProfile.objects.get(user=adviser).language == "sv"
    assert '<html lang="sv">' in client.get(CASELOAD).content.decode()
    # A new session (another browser) starts in the saved language too.
    other = type(client)()
    assert other.login(username=adviser.username, password=PASSWORD)
    page = other.get(CASELOAD, headers={"accept-language": "fi"}).content.decode()
    assert '<html lang="sv">' in page


def test_the_switcher_works_before_sign_in_with_a_cookie(client, settings):
    settings.LANGUAGE_CODE = "fi"
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert "Sign in" in client.get(LOGIN).content.decode()
    assert not UserProfile.objects.exists()


def test_an_unknown_language_changes_nothing(client, adviser):
    client.force_login(adviser)
    client.post(reverse("set_language"), {"language": "de", "next": CASELOAD})
    assert not UserProfile.objects.filter(user=adviser).exists()
    with pytest.raises(ValueError):
        profile_language_set(user=adviser, language="de")


def test_the_header_has_a_labelled_switcher_and_the_footer_links_the_statement(client, adviser):
    client.force_login(adviser)
    page = client.get(CASELOAD).content.decode()
    assert '<label for="language-select">Language</label>' in page
    assert 'lang="sv" >Svenska</option>' in page or 'lang="sv">Svenska' in page or "Svenska" in page
    assert f'href="{reverse("accessibility")}"' in page


def test_the_profile_language_costs_no_query_per_request(client, adviser, client_a):
    client.force_login(adviser)
    client.get(CASELOAD)
    with CaptureQueriesContext(connection) as plain:
        client.get(CASELOAD)
    profile_language_set(user=adviser, language="sv")
    client.force_login(adviser)
    client.get(CASELOAD)
    with CaptureQueriesContext(connection) as swedish:
        page = client.get(CASELOAD).content.decode()
    assert '<html lang="sv">' in page
    assert len(swedish) == len(plain)


def test_form_errors_are_in_swedish(client, adviser, team_a):
    profile_language_set(user=adviser, language="sv")
    client.force_login(adviser)
    overdue = make_client(
        team_a,
        responsible_adviser=adviser,
        last_held_on=timezone.localdate() - dt.timedelta(days=120),
    )
    url = reverse("interviews:log", args=[overdue.pk])
    page = client.post(url, {"channel": "", "outcome": "", "held_at": ""}).content.decode()
    assert "Rätta felen nedan." in page
    assert "Det här fältet är obligatoriskt." in page  # Django's own catalog
    assert "Please correct" not in page


def test_enumerations_are_translated_on_pages(client, adviser, team_a):
    profile_language_set(user=adviser, language="fi")
    client.force_login(adviser)
    make_client(
        team_a,
        responsible_adviser=adviser,
        last_held_on=timezone.localdate() - dt.timedelta(days=120),
        last_channel="phone",
    )
    page = client.get(CASELOAD).content.decode()
    assert "Erääntynyt" in page and "Työtön" in page


def test_the_client_export_is_in_swedish(client, manager, team_a, adviser):
    make_client(
        team_a,
        responsible_adviser=adviser,
        last_channel="phone",
        last_held_on=timezone.localdate() - dt.timedelta(days=120),
    )
    manager.user_permissions.add(
        Permission.objects.get(codename="export_clients", content_type__app_label="reports")
    )
    profile_language_set(user=manager, language="sv")
    client.force_login(manager)
    response = client.get(reverse("reports:client_export"), {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff")  # a Swedish Excel: UTF-8 with a mark, `;` between fields
    assert "kunder_" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Kund-id", "Födelseår", "Arbetssökandestatus"]
    assert "Arbetslös" in rows[1] and "Telefon" in rows[1] and "Försenad" in rows[1]


def test_the_apis_display_labels_follow_accept_language(adviser, client_a):
    api = APIClient()
    api.force_login(adviser)
    body = api.get("/api/v1/clients/", headers={"accept-language": "sv"}).json()
    row = body["results"][0] if "results" in body else body[0]
    assert row["status_display"] == "Arbetslös"
    assert row["status"] == "unemployed"  # the codes themselves never change
