"""Issue 20: no English left on Finnish and Swedish pages from Django's defaults; the error pages
in the app's layout and the user's language with the reason; required fields and error
summaries rendered by the one field template for every form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.views.defaults import server_error

from interviews.models import Appointment
from notifications.choices import NotificationChannel, NotificationKind, NotificationStatus
from notifications.models import Notification
from notifications.services import NOTE_UNREACHABLE
from partners.forms import ConsentForm
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
FI = {"accept-language": "fi"}


@pytest.mark.parametrize(("lang", "label"), [("fi", "– Valitse –"), ("sv", "– Välj –")])
def test_the_empty_choice_is_translated_not_djangos_english(partner_org, lang, label):
    with translation.override(lang):
        html = str(ConsentForm()["partner"])
    assert f">{label}</option>" in html
    assert "Select an option" not in html and "---------" not in html


def test_required_fields_say_so_in_text_and_with_aria_required(partner_org):
    with translation.override("fi"):
        form = ConsentForm()
        group = form["purpose"].as_field_group()
    assert 'aria-required="true"' in group
    assert '</label> <span class="required-mark" aria-hidden="true">(pakollinen)</span>' in group
    assert '<label for="id_purpose">' in group


def test_the_error_summary_lists_every_error_as_a_link_to_its_field(partner_org):
    form = ConsentForm(data={"purpose": "Coaching"})
    html = Template("{% load form_errors %}{% error_summary form %}").render(
        Context({"form": form})
    )
    assert 'role="alert"' in html and 'class="errors card alert error-summary"' in html
    for field in ("partner", "scope", "valid_from", "valid_until", "method"):
        assert f'<a href="#id_{field}">' in html, field
    assert 'href="#id_purpose"' not in html
    assert (
        Template("{% load form_errors %}{% error_summary form %}")
        .render(Context({"form": ConsentForm()}))
        .strip()
        == ""
    )


def test_the_403_page_is_in_the_layout_and_language_with_the_apps_reason(client, adviser):
    client.force_login(adviser)
    response = client.get(reverse("audit:access_log"), headers=FI)
    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="fi">' in page and 'class="site-header"' in page
    assert "Ei sallittu" in page and "Vain esihenkilöt voivat hakea käyttölokista." in page


def test_the_404_page_is_in_the_users_language(client, adviser):
    client.force_login(adviser)
    response = client.get("/clients/999999999/", headers={"accept-language": "sv"})
    assert response.status_code == 404
    assert '<html lang="sv">' in response.content.decode()


def test_a_partner_user_outside_the_portal_gets_the_403_page_with_the_reason(client, partner_user):
    client.post(reverse("login"), {"username": partner_user.username, "password": PASSWORD})
    response = client.get(reverse("clients:caseload"), headers=FI)
    page = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="fi">' in page
    assert "Kumppanin käyttäjät voivat käyttää vain kumppaniportaalia." in page


@pytest.mark.parametrize(("lang", "text"), [("fi", "Jokin meni vikaan"), ("sv", "Något gick fel")])
def test_the_500_page_speaks_the_users_language_without_a_request_context(lang, text):
    request = RequestFactory().get("/")
    with translation.override(lang):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{lang}">' in page and text in page
    assert 'class="site-header"' in page and "/accessibility/" in page


def test_the_api_docs_mark_swagger_uis_english_and_the_page_in_the_users_language(client):
    page = client.get("/api/docs/", headers=FI).content.decode()
    assert '<html lang="fi">' in page
    assert '<div id="swagger-ui" lang="en"' in page


def test_the_language_switcher_marks_each_option_with_its_own_language(client):
    page = client.get(reverse("login"), headers=FI).content.decode()
    for code in ("fi", "sv", "en"):
        assert f'value="{code}" lang="{code}"' in page


def test_a_stored_message_note_is_shown_in_the_readers_language(client, adviser, client_a):
    appointment = Appointment.objects.create(
        client=client_a,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(days=3),
        channel="phone",
    )
    Notification.objects.create(
        appointment=appointment,
        kind=NotificationKind.CONFIRMATION,
        channel=NotificationChannel.EMAIL,
        status=NotificationStatus.SKIPPED,
        note=NOTE_UNREACHABLE,
    )
    client.force_login(adviser)
    page = client.get(f"/partners/clients/{client_a.pk}/", headers=FI).content.decode()
    assert "Asiakkaalla ei ole sähköpostiosoitetta eikä puhelinnumeroa" in page
    assert NOTE_UNREACHABLE not in page
