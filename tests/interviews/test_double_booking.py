"""No double booking: an adviser's overlapping appointment is refused with the clashing one
named; times outside office hours, weekends and public holidays ask for confirmation; the
adviser's week shows the booked slots."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from interviews import rules
from interviews.choices import AppointmentStatus, Channel
from interviews.models import Appointment
from interviews.services import (
    AppointmentClash,
    OffHoursUnconfirmed,
    appointment_book,
    appointment_cancel,
    appointment_move,
)
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def slot(days: int = 7, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A working day from `days` ahead at hour:minute (Helsinki)."""
    day = rules.next_working_day(timezone.localdate() + dt.timedelta(days=days))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def book(client_obj, adviser, starts_at, *, by=None, **extra) -> Appointment:
    return appointment_book(
        client=client_obj,
        adviser=adviser,
        booked_by=by or adviser,
        starts_at=starts_at,
        channel=Channel.PHONE,
        **extra,
    )


def test_an_overlapping_appointment_is_refused_with_the_clash_named(adviser, team_a, client_a):
    first = book(client_a, adviser, slot(hour=10))
    other = make_client(team_a, first_name="Helmi", last_name="Niemi")
    with pytest.raises(AppointmentClash) as refused:
        book(other, adviser, slot(hour=10, minute=15))
    message = refused.value.message_dict["starts_at"][0]
    assert "10:00–10:30" in message
    assert client_a.full_name in message  # the booker may see that client
    assert refused.value.clash == first
    assert Appointment.objects.count() == 1


def test_back_to_back_appointments_do_not_clash(adviser, team_a, client_a):
    book(client_a, adviser, slot(hour=10))
    book(make_client(team_a), adviser, slot(hour=10, minute=30))
    book(make_client(team_a), adviser, slot(hour=9, minute=30))
    assert Appointment.objects.count() == 3


def test_a_cancelled_appointment_frees_its_time(adviser, team_a, client_a):
    appointment_cancel(appointment=book(client_a, adviser, slot()))
    book(make_client(team_a), adviser, slot())
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_another_advisers_time_is_free(adviser, teammate, team_a, client_a):
    book(client_a, adviser, slot())
    book(make_client(team_a), teammate, slot())
    assert Appointment.objects.count() == 2


def test_the_clash_hides_the_client_from_a_user_who_may_not_see_it(
    adviser, outsider, team_a, team_b, client_a
):
    # The same person in two teams' work is rare, but the message must not leak a name.
    book(client_a, adviser, slot())
    Appointment.objects.update(adviser=outsider)
    theirs = make_client(team_b)
    with pytest.raises(AppointmentClash) as refused:
        book(theirs, outsider, slot(), by=outsider)
    assert client_a.full_name not in refused.value.message_dict["starts_at"][0]


def test_a_move_onto_another_appointment_is_refused(adviser, team_a, client_a):
    book(client_a, adviser, slot(hour=10))
    second = book(make_client(team_a), adviser, slot(hour=12))
    with pytest.raises(AppointmentClash):
        appointment_move(
            appointment=second,
            starts_at=slot(hour=10, minute=20),
            channel=Channel.PHONE,
            duration_minutes=30,
        )
    # Moving within its own time is no clash with itself.
    appointment_move(
        appointment=second,
        starts_at=slot(hour=12, minute=10),
        channel=Channel.VIDEO,
        duration_minutes=30,
        video_link="https://meet.example/x",
    )


@pytest.mark.parametrize(
    ("starts", "expected"),
    [
        (dt.datetime(2030, 12, 14, 10, 0), rules.OffHours.WEEKEND),  # a Saturday
        (dt.datetime(2030, 12, 6, 10, 0), rules.OffHours.HOLIDAY),  # Independence Day
        (dt.datetime(2030, 12, 24, 10, 0), rules.OffHours.HOLIDAY),  # Christmas Eve
        (dt.datetime(2030, 12, 16, 3, 0), rules.OffHours.HOURS),
        (dt.datetime(2030, 12, 16, 15, 45), rules.OffHours.HOURS),  # runs past 16:00
        (dt.datetime(2030, 12, 16, 7, 59), rules.OffHours.HOURS),
        (dt.datetime(2030, 12, 16, 8, 0), None),
        (dt.datetime(2030, 12, 16, 15, 30), None),
    ],
)
def test_office_hours_are_working_days_from_eight_to_four(starts, expected):
    reason = rules.off_hours(starts, starts + dt.timedelta(minutes=30))
    assert (reason[0] if reason else None) == expected


def test_an_unconfirmed_time_outside_office_hours_is_refused_and_a_confirmed_one_booked(
    adviser, client_a
):
    saturday = timezone.make_aware(dt.datetime(2030, 12, 14, 10, 0))
    with pytest.raises(OffHoursUnconfirmed) as refused:
        book(client_a, adviser, saturday, off_hours_confirmed=False)
    assert "weekend" in refused.value.message_dict["starts_at"][0]
    assert not Appointment.objects.exists()
    book(client_a, adviser, saturday, off_hours_confirmed=True)
    assert Appointment.objects.count() == 1


def test_a_holiday_is_named_in_the_warning(adviser, client_a):
    with pytest.raises(OffHoursUnconfirmed) as refused:
        book(
            client_a,
            adviser,
            timezone.make_aware(dt.datetime(2030, 12, 6, 10, 0)),
            off_hours_confirmed=False,
        )
    assert "Independence Day" in refused.value.message_dict["starts_at"][0]


# --- The pages ----------------------------------------------------------------------------


def form(adviser, starts_at: dt.datetime, **extra) -> dict:
    return {
        "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": "30",
        "channel": Channel.PHONE,
        "adviser": str(adviser.pk),
        **extra,
    }


def test_the_booking_form_refuses_a_clash_next_to_the_time_and_writes_nothing(
    client, adviser, team_a, client_a
):
    book(client_a, adviser, slot())
    other = make_client(team_a)
    client.force_login(adviser)
    response = client.post(
        reverse("interviews:appointment_book", args=[other.pk]), form(adviser, slot())
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["starts_at"]
    assert "already has an appointment" in errors[0] and client_a.full_name in errors[0]
    assert Appointment.objects.filter(client=other).count() == 0


def test_the_booking_form_asks_book_anyway_outside_office_hours(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    late = slot(hour=18)
    response = client.post(url, form(adviser, late))
    html = response.content.decode()
    assert "outside office hours" in html and 'name="book_anyway"' in html
    assert not Appointment.objects.exists()
    response = client.post(url, form(adviser, late, book_anyway="on"))
    assert response.status_code == 302
    assert Appointment.objects.get().starts_at == late


def test_a_double_click_on_book_makes_one_appointment(client, adviser, client_a):
    client.force_login(adviser)
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    key = client.get(url).context["form"].initial["submission_key"]
    data = form(adviser, slot(), submission_key=str(key))
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # not a clash with itself
    assert Appointment.objects.count() == 1


def test_the_api_refuses_an_overlap_with_a_field_error(adviser, team_a, client_a):
    book(client_a, adviser, slot())
    other = make_client(team_a)
    api_client = APIClient()
    api_client.force_login(adviser)
    response = api_client.post(
        "/api/v1/appointments/",
        {"client": other.pk, "starts_at": slot(minute=10).isoformat(), "channel": "phone"},
        format="json",
    )
    assert response.status_code == 400
    assert "already has an appointment" in response.json()["starts_at"][0]
    assert Appointment.objects.count() == 1


def test_the_adviser_week_lists_the_booked_slots_per_day(client, adviser, team_a, client_a):
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    at = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=1), dt.time(9)))
    Appointment.objects.create(
        client=client_a, adviser=adviser, booked_by=adviser, starts_at=at, channel=Channel.PHONE
    )
    client.force_login(adviser)
    url = reverse("interviews:adviser_week") + f"?week={monday:%G-W%V}"
    response = client.get(url)
    days = response.context["days"]
    assert [len(d.appointments) for d in days] == [0, 1, 0, 0, 0, 0, 0]
    html = response.content.decode()
    assert "09:00–09:30" in html and client_a.full_name in html
    assert (
        reverse("interviews:adviser_week")
        in client.get(reverse("interviews:appointments")).content.decode()
    )


def test_the_week_of_an_adviser_shows_another_teams_client_without_a_name(
    client, adviser, teammate, team_b, client_a
):
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    at = timezone.make_aware(dt.datetime.combine(monday, dt.time(9)))
    stranger = make_client(team_b, first_name="Salainen", last_name="Asiakas")
    Appointment.objects.create(
        client=stranger, adviser=teammate, booked_by=teammate, starts_at=at, channel="phone"
    )
    client.force_login(adviser)
    html = client.get(
        reverse("interviews:adviser_week") + f"?adviser={teammate.pk}&week={monday:%G-W%V}"
    ).content.decode()
    assert "Salainen" not in html and "a client of another team" in html


def test_the_week_reads_its_slots_in_one_query_however_many(client, adviser, team_a):
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    client.force_login(adviser)
    url = reverse("interviews:adviser_week") + f"?week={monday:%G-W%V}"

    def add(i: int) -> None:
        Appointment.objects.create(
            client=make_client(team_a),
            adviser=adviser,
            booked_by=adviser,
            starts_at=timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=i % 5), dt.time(8 + i))
            ),
            channel=Channel.PHONE,
        )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(0)
    client.get(url)
    one = count()
    for i in range(1, 8):
        add(i)
    assert count() == one


# --- Concurrency: real threads on PostgreSQL ------------------------------------------------


def _at_once(*posts) -> list:
    """Run the callables in threads released together; each closes its own connection."""
    barrier = threading.Barrier(len(posts))
    results: list = [None] * len(posts)

    def run(i, post):
        try:
            barrier.wait()
            results[i] = post()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_slot_at_once_book_one(adviser, team_a, client_a):
    other = make_client(team_a)
    http = []
    for _ in range(2):
        c = HttpClient()
        c.force_login(adviser)
        http.append(c)
    urls = [reverse("interviews:appointment_book", args=[c.pk]) for c in (client_a, other)]
    codes = _at_once(
        *(
            (lambda c=c, u=u: c.post(u, form(adviser, slot())).status_code)
            for c, u in zip(http, urls, strict=True)
        )
    )
    assert sorted(codes) == [200, 302]  # one booked, one shown the clash
    assert Appointment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_of_one_booking_form_book_once(adviser, client_a):
    url = reverse("interviews:appointment_book", args=[client_a.pk])
    data = form(adviser, slot(), submission_key="6f1c1c3e-0c4e-4c52-9a53-1d6ce0a5b001")
    http = []
    for _ in range(3):
        c = HttpClient()
        c.force_login(adviser)
        http.append(c)
    codes = _at_once(*((lambda c=c: c.post(url, data).status_code) for c in http))
    assert codes == [302, 302, 302]
    assert Appointment.objects.count() == 1
