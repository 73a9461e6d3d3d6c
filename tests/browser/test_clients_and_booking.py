"""Registering and editing a client, and a refused double booking, in real Chromium: each
bad input answered with a clear message and nothing written; in Finnish and Swedish, at
320 and 1280 pixels."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import ChangeEvent, ChangeEventKind
from clients.models import Client
from interviews import rules
from interviews.choices import Channel
from interviews.models import Appointment
from tests.conftest import PASSWORD, make_client

pytestmark = pytest.mark.django_db(transaction=True)

LOCALES = {"fi": "fi-FI", "sv": "sv-FI"}
CODE = "131052-308T"

# What the pages say, per language (the catalogs' own translations).
SAYS = {
    "fi": {
        "checksum": "Henkilötunnuksen tarkistusmerkki on väärä.",
        "other_team": "Henkilö on jo toisen tiimin asiakas.",
        "phone": "Anna puhelinnumero numeroina",
        "clash": "on jo aika",
        "off_hours": "virka-ajan",
        "weekend": "viikonloppupäivä",
        "book_anyway": "Varaa silti",
    },
    "sv": {
        "checksum": "Personbeteckningens kontrolltecken är fel.",
        "other_team": "Personen är redan kund hos ett annat team.",
        "phone": "Ange telefonnumret med siffror",
        "clash": "har redan en tid",
        "off_hours": "tjänstetiden",
        "weekend": "veckoslutsdag",
        "book_anyway": "Boka ändå",
    },
}


@pytest.fixture
def shots(screenshot):
    """Screenshots as CI artifacts, and a copy under /tmp/h18c for a look."""
    out = Path("/tmp/h18c")
    out.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        shutil.copy(screenshot(page, name), out / f"{name}.png")

    return take


def open_page(browser, live_server, user, lang: str, width: int):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale=LOCALES[lang],
        extra_http_headers={"Accept-Language": lang},
        timezone_id="Europe/Helsinki",
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == lang
    return context, page


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize(("lang", "width"), [("fi", 320), ("sv", 1280), ("fi", 1280), ("sv", 320)])
def test_register_and_edit_a_client_with_bad_input_first(
    browser, live_server, adviser, team_b, lang, width, shots
):
    make_client(team_b, personal_identity_code="010190-123M", first_name="Salainen")
    says = SAYS[lang]
    context, page = open_page(browser, live_server, adviser, lang, width)
    page.goto(f"{live_server.url}/clients/")
    page.locator("a[href='/clients/new/']").click()
    form = page.locator("form#client-form")
    expect(form).to_be_visible()

    # A wrong check character: said next to the code, nothing written.
    form.locator("#id_personal_identity_code").fill("131052-308X")
    form.locator("#id_first_name").fill("Helmi")
    form.locator("#id_last_name").fill("Niemi")
    form.locator("#id_phone").fill("+358 40 123 4567")
    form.locator("button[type=submit]").click()
    expect(page.get_by_text(says["checksum"])).to_be_visible()
    assert Client.objects.count() == 1
    shots(page, f"register-bad-code-{lang}-{width}")
    no_sideways_scroll(page)

    # A person who is already another team's client: said so, not whose.
    page.locator("#id_personal_identity_code").fill("010190-123M")
    page.locator("form#client-form button[type=submit]").click()
    expect(page.get_by_text(says["other_team"])).to_be_visible()
    expect(page.get_by_text("Salainen")).to_have_count(0)
    assert Client.objects.count() == 1

    # What was typed is kept; a valid code registers the client and opens the page.
    expect(page.locator("#id_first_name")).to_have_value("Helmi")
    page.locator("#id_personal_identity_code").fill(CODE)
    page.locator("form#client-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Helmi Niemi", level=1)).to_be_visible()
    new = Client.objects.get(personal_identity_code=CODE)
    assert new.team_id == adviser.membership.team_id and new.phone == "+358 40 123 4567"
    shots(page, f"client-registered-{lang}-{width}")

    # Edit: a bad phone number is refused and nothing changes; then the language.
    page.locator(f"a[href='/clients/{new.pk}/edit/']").click()
    page.locator("#id_phone").fill("soita minulle")
    page.locator("form#client-form button[type=submit]").click()
    expect(page.get_by_text(says["phone"])).to_be_visible()
    shots(page, f"client-edit-bad-phone-{lang}-{width}")
    no_sideways_scroll(page)
    new.refresh_from_db()
    assert new.phone == "+358 40 123 4567"
    page.locator("#id_phone").fill("040 765 4321")
    page.locator("#id_language").select_option("sv")
    page.locator("#id_email").fill("helmi@example.fi")
    page.locator("form#client-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Helmi Niemi", level=1)).to_be_visible()
    expect(page.get_by_text("040 765 4321").first).to_be_visible()
    new.refresh_from_db()
    assert (new.language, new.phone, new.email) == ("sv", "040 765 4321", "helmi@example.fi")
    assert ChangeEvent.objects.filter(client=new, kind=ChangeEventKind.CLIENT_CHANGED).count() == 1
    context.close()


def working_day(days: int) -> dt.date:
    return rules.next_working_day(timezone.localdate() + dt.timedelta(days=days))


def next_saturday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)


@pytest.mark.parametrize(("lang", "width"), [("fi", 1280), ("sv", 320)])
def test_a_double_booking_is_refused_and_a_saturday_asks_first(
    browser, live_server, adviser, team_a, client_a, lang, width, shots
):
    says = SAYS[lang]
    day = working_day(7)
    taken = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    Appointment.objects.create(
        client=client_a, adviser=adviser, booked_by=adviser, starts_at=taken, channel="phone"
    )
    other = make_client(team_a, first_name="Helmi", last_name="Niemi", responsible_adviser=adviser)
    context, page = open_page(browser, live_server, adviser, lang, width)
    page.goto(f"{live_server.url}/interviews/clients/{other.pk}/appointments/new/")
    form = page.locator("form#appointment-form")
    form.locator("#id_starts_at").fill(f"{day:%Y-%m-%d}T10:15")
    form.locator("#id_channel").select_option(Channel.PHONE)
    form.locator("button[type=submit]").click()
    error = page.locator("#id_starts_at_error").get_by_text(says["clash"])
    expect(error).to_be_visible()
    expect(error).to_contain_text(client_a.full_name)  # a client the adviser may see
    assert Appointment.objects.filter(client=other).count() == 0
    shots(page, f"booking-clash-{lang}-{width}")
    no_sideways_scroll(page)

    # A Saturday: a warning with "book anyway"; booked only once it is ticked.
    saturday = next_saturday()
    page.locator("#id_starts_at").fill(f"{saturday:%Y-%m-%d}T10:00")
    page.locator("form#appointment-form button[type=submit]").click()
    expect(page.locator("#id_starts_at_error").get_by_text(says["weekend"])).to_be_visible()
    assert Appointment.objects.filter(client=other).count() == 0
    shots(page, f"booking-weekend-{lang}-{width}")
    page.get_by_label(says["book_anyway"]).check()
    page.locator("form#appointment-form button[type=submit]").click()
    expect(page.get_by_role("heading", name="Helmi Niemi", level=1)).to_be_visible()
    booked = Appointment.objects.get(client=other)
    assert timezone.localtime(booked.starts_at).date() == saturday

    # The adviser's week shows the taken slot with its client.
    page.goto(f"{live_server.url}/interviews/appointments/")
    page.locator("a[href='/interviews/appointments/week/']").click()
    page.goto(page.url + f"?week={day:%G-W%V}")
    expect(page.get_by_text(re.compile(r"10[.:]00–10[.:]30")).first).to_be_visible()
    expect(page.get_by_role("link", name=client_a.full_name)).to_be_visible()
    shots(page, f"adviser-week-{lang}-{width}")
    no_sideways_scroll(page)
    context.close()
