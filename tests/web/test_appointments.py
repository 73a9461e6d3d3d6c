from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews import rules
from interviews.choices import AppointmentStatus, Channel, Outcome
from interviews.models import Appointment
from interviews.services import appointment_book
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def book(client_obj, adviser, *, hours: float = 24, channel=Channel.PHONE) -> Appointment:
    return appointment_book(
        client=client_obj,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() + dt.timedelta(hours=hours),
        channel=channel,
    )


def past(client_obj, adviser, *, hours: float = 1) -> Appointment:
    return Appointment.objects.create(
        client=client_obj,
        adviser=adviser,
        booked_by=adviser,
        starts_at=timezone.now() - dt.timedelta(hours=hours),
        channel=Channel.PHONE,
    )


def office_slot(days: int, hour: int = 10) -> dt.datetime:
    """A time within office hours: the first working day from `days` days ahead at `hour`."""
    day = rules.next_working_day(timezone.localdate() + dt.timedelta(days=days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def booking_data(adviser, **overrides) -> dict:
    data = {
        "starts_at": local(office_slot(10)),
        "duration_minutes": "30",
        "channel": Channel.FACE_TO_FACE,
        "place": "Room 3, Main street 1",
        "video_link": "",
        "adviser": str(adviser.pk),
    }
    data.update(overrides)
    return data


def test_booking_page_suggests_a_time_around_the_due_date(client, adviser, client_a):
    client.force_login(adviser)
    response = client.get(reverse("interviews:appointment_book", args=[client_a.pk]))
    starts_at = response.context["form"].initial["starts_at"]
    assert starts_at > timezone.now() and starts_at.weekday() < 5
    assert ">Time</label>" in response.content.decode()


def test_book_an_appointment_for_a_teammate(client, adviser, teammate, client_a):
    client.force_login(adviser)
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    response = client.post(url, booking_data(teammate))
    assert response["Location"] == reverse("clients:detail", args=[client_a.pk])
    appointment = Appointment.objects.get(client=client_a)
    assert appointment.adviser == teammate and appointment.booked_by == adviser
    assert appointment.place == "Room 3, Main street 1"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"starts_at": "yesterday"}, "Enter a valid date/time."),
        ({"starts_at": "2024-01-01T10:00"}, "An appointment cannot be in the past."),
        ({"place": ""}, "Say where you meet the client."),
        ({"channel": Channel.VIDEO, "video_link": ""}, "Give the link to the video meeting."),
        ({"video_link": "not a link"}, "Enter a valid URL."),
        ({"duration_minutes": "2"}, "Ensure this value is greater than or equal to 5."),
    ],
)
def test_invalid_booking_is_refused_with_input_kept(client, adviser, client_a, overrides, message):
    client.force_login(adviser)
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    data = booking_data(adviser, **overrides)
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert 'aria-invalid="true"' in html
    if data["place"]:
        assert data["place"] in html
    assert not Appointment.objects.exists()


def test_an_outsider_is_not_an_adviser_choice(client, adviser, outsider, client_a):
    client.force_login(adviser)
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    response = client.post(url, booking_data(outsider))
    assert "Select a valid choice." in response.content.decode()


def test_move_an_appointment(client, adviser, client_a):
    appointment = book(client_a, adviser)
    client.force_login(adviser)
    url = reverse("interviews:appointment_move", args=[appointment.pk])
    assert client.get(url).status_code == 200
    new_time = office_slot(5)
    data = booking_data(adviser, starts_at=local(new_time), channel=Channel.VIDEO, place="")
    data["video_link"] = "https://meet.example/abc"
    assert client.post(url, data).status_code == 302
    appointment.refresh_from_db()
    assert appointment.channel == Channel.VIDEO
    assert local(appointment.starts_at) == local(new_time)


def test_move_to_the_past_is_refused(client, adviser, client_a):
    appointment = book(client_a, adviser)
    client.force_login(adviser)
    url = reverse("interviews:appointment_move", args=[appointment.pk])
    response = client.post(url, booking_data(adviser, starts_at="2020-05-05T10:00"))
    assert "An appointment cannot be in the past." in response.content.decode()


def test_cancel_asks_for_confirmation_and_a_reason_and_is_idempotent(client, adviser, client_a):
    appointment = book(client_a, adviser)
    client.force_login(adviser)
    url = reverse("interviews:appointment_cancel", args=[appointment.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="reason"' in page.content
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # opening the page cancels nothing
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why the appointment is cancelled." in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert client.post(url, {"reason": "The client is ill"}).status_code == 302
    assert client.post(url, {"reason": "The client is ill"}).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == (
        AppointmentStatus.CANCELLED,
        "The client is ill",
    )


def test_a_cancelled_appointment_is_booked_again_with_its_details(client, adviser, client_a):
    appointment = book(client_a, adviser, channel=Channel.VIDEO)
    type(appointment).objects.filter(pk=appointment.pk).update(
        video_link="https://video.example.fi/r/1", duration_minutes=45
    )
    client.force_login(adviser)
    client.post(
        reverse("interviews:appointment_cancel", args=[appointment.pk]), {"reason": "Moved away"}
    )
    detail = client.get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    again_url = (
        f"{reverse('interviews:appointment_book', args=[client_a.pk])}?again={appointment.pk}"
    )
    assert again_url in detail and "Moved away" in detail
    initial = client.get(again_url).context["form"].initial
    assert (initial["channel"], initial["duration_minutes"], initial["video_link"]) == (
        Channel.VIDEO,
        45,
        "https://video.example.fi/r/1",
    )
    assert initial["starts_at"] > timezone.now()


def test_no_show_with_one_action(client, adviser, client_a):
    appointment = past(client_a, adviser)
    client.force_login(adviser)
    url = reverse("interviews:appointment_no_show", args=[appointment.pk])
    assert client.get(url).status_code == 405
    next_url = reverse("interviews:appointments")
    response = client.post(url, {"next": next_url})
    assert response["Location"] == next_url
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW
    assert appointment.interview.outcome == Outcome.NO_SHOW


def test_no_show_before_the_time_is_refused(client, adviser, client_a):
    appointment = book(client_a, adviser)
    client.force_login(adviser)
    client.post(reverse("interviews:appointment_no_show", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_redirect_after_an_action_never_leaves_the_site(client, adviser, client_a):
    appointment = book(client_a, adviser)
    client.force_login(adviser)
    url = reverse("interviews:appointment_cancel", args=[appointment.pk])
    response = client.post(url, {"next": "https://evil.example/", "reason": "Ill"})
    assert response["Location"] == reverse("clients:detail", args=[client_a.pk])


def test_outsider_gets_404_for_every_appointment_action(client, adviser, outsider, client_a):
    appointment = book(client_a, adviser)
    client.force_login(outsider)
    for name in ("appointment_move", "appointment_cancel", "appointment_no_show"):
        assert client.post(reverse(f"interviews:{name}", args=[appointment.pk])).status_code == 404
    assert (
        client.get(reverse("interviews:appointment_move", args=[appointment.pk])).status_code == 404
    )
    book_url = reverse("interviews:appointment_book", args=[client_a.pk])
    assert client.post(book_url, booking_data(outsider)).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_upcoming_page_shows_mine_and_the_teams(
    client, adviser, teammate, outsider, team_a, team_b
):
    mine = book(make_client(team_a, last_name="Minun"), adviser, hours=2)
    theirs = book(make_client(team_a, last_name="Tiimin"), teammate, hours=30)
    book(make_client(team_b, last_name="Muiden"), outsider, hours=3)
    book(make_client(team_a, last_name="Myohemmin"), adviser, hours=24 * 20)
    client.force_login(adviser)
    response = client.get(reverse("interviews:appointments"))
    assert response.context["mine"] == [mine]
    assert response.context["team"] == [mine, theirs]
    html = response.content.decode()
    assert "Muiden" not in html and "Myohemmin" not in html
    later = client.get(reverse("interviews:appointments"), {"days": 30})
    assert len(later.context["team"]) == 3


def test_todays_started_appointment_offers_no_show(client, adviser, client_a):
    appointment = past(client_a, adviser, hours=0.1)
    client.force_login(adviser)
    html = client.get(reverse("interviews:appointments"), {"days": "bad"}).content.decode()
    assert reverse("interviews:appointment_no_show", args=[appointment.pk]) in html


def test_upcoming_page_query_count_is_constant(client, adviser, teammate, team_a):
    book(make_client(team_a), adviser)
    client.force_login(adviser)
    client.get(reverse("interviews:appointments"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("interviews:appointments"))
    for i in range(20):
        book(make_client(team_a), teammate if i % 2 else adviser, hours=i + 2)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("interviews:appointments"))
    assert len(many) == len(one)
