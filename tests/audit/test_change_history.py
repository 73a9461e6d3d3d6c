"""Change history: who changed what about a client, with old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import ChangeEvent, ChangeEventKind
from clients.services import client_create, client_status_change, clients_reassign
from interviews.choices import Channel, Outcome
from interviews.services import (
    appointment_book,
    appointment_cancel,
    appointment_move,
    interview_log,
)
from plans.services import ActionInput, PlanInput, plan_revise
from tests.conftest import make_client, make_code


def _changes(event: ChangeEvent) -> dict[str, tuple[str, str]]:
    return {c["field"]: (c["old"], c["new"]) for c in event.changes}


def test_creating_a_client_is_recorded_without_the_identity_code(team_a, adviser):
    code = make_code()
    client = client_create(
        personal_identity_code=code,
        first_name="Aino",
        last_name="Virtanen",
        team=team_a,
        created_by=adviser,
    )
    event = ChangeEvent.objects.get(client=client)
    assert event.kind == ChangeEventKind.CLIENT_CREATED and event.changed_by == adviser
    assert _changes(event)["last_name"] == ("", "Virtanen")
    assert _changes(event)["team"] == ("", "Team A")
    assert code not in str(event.changes)


def test_a_status_change_keeps_the_old_and_new_status(client_a, adviser):
    client_status_change(
        client=client_a, status="employed", effective_on=timezone.localdate(), changed_by=adviser
    )
    event = ChangeEvent.objects.get(client=client_a, kind=ChangeEventKind.STATUS_CHANGED)
    assert _changes(event)["status"] == ("unemployed", "employed")  # keys, worded when read
    assert event.changed_by == adviser


def test_moving_clients_records_one_event_each_in_one_insert(
    team_a, team_b, adviser, lead, outsider
):
    clients = [make_client(team_a, responsible_adviser=adviser) for _ in range(5)]
    clients_reassign(
        client_ids=[c.pk for c in clients], to_adviser=outsider, to_team=team_b, moved_by=lead
    )
    events = ChangeEvent.objects.filter(kind=ChangeEventKind.CLIENT_MOVED)
    assert events.count() == 5
    changes = _changes(events.first())
    assert changes["team"] == ("Team A", "Team B")
    assert changes["responsible_adviser"] == ("Alice Tester", "Charlie Tester")


def test_the_moves_history_does_not_grow_the_query_count(team_a, team_b, adviser, lead, outsider):
    """1 client vs 20 clients: the same number of queries."""
    counts = []
    for n in (1, 20):
        ids = [make_client(team_a, responsible_adviser=adviser).pk for _ in range(n)]
        mover = get_user_model().objects.get(pk=lead.pk)  # no policy cache from round one
        with CaptureQueriesContext(connection) as captured:
            clients_reassign(client_ids=ids, to_adviser=outsider, to_team=team_b, moved_by=mover)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_interviews_and_appointments_are_in_the_history(client_a, adviser):
    start = timezone.now() + dt.timedelta(days=2)
    appointment = appointment_book(
        client=client_a, adviser=adviser, booked_by=adviser, starts_at=start, channel=Channel.PHONE
    )
    appointment_move(
        appointment=appointment,
        starts_at=start + dt.timedelta(days=1),
        channel=Channel.VIDEO,
        duration_minutes=45,
        moved_by=adviser,
    )
    appointment_cancel(appointment=appointment, cancelled_by=adviser)
    appointment_cancel(appointment=appointment, cancelled_by=adviser)  # idempotent: no event
    interview_log(
        client=client_a,
        adviser=adviser,
        held_at=timezone.now() - dt.timedelta(hours=1),
        channel=Channel.FACE_TO_FACE,
        outcome=Outcome.HELD,
        duration_minutes=30,
    )
    kinds = list(
        ChangeEvent.objects.filter(client=client_a).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == [
        ChangeEventKind.APPOINTMENT_BOOKED,
        ChangeEventKind.APPOINTMENT_MOVED,
        ChangeEventKind.APPOINTMENT_CANCELLED,
        ChangeEventKind.INTERVIEW_RECORDED,
    ]
    moved = ChangeEvent.objects.get(kind=ChangeEventKind.APPOINTMENT_MOVED)
    assert set(_changes(moved)) == {"starts_at", "channel", "duration_minutes"}
    assert _changes(moved)["channel"] == ("phone", "video")


def _plan(goal="work", applications=4, actions=()) -> PlanInput:
    return PlanInput(goal=goal, applications_per_month=applications, actions=list(actions))


def test_a_plan_revision_records_what_changed_from_the_previous_version(client_a, adviser):
    plan_revise(client=client_a, author=adviser, data=_plan(), based_on=None)
    plan_revise(
        client=client_a,
        author=adviser,
        data=_plan(
            goal="training",
            applications=2,
            actions=[ActionInput(kind="study", description="Welding course", status="planned")],
        ),
        based_on=1,
    )
    latest = ChangeEvent.objects.filter(kind=ChangeEventKind.PLAN_REVISED).first()
    changes = _changes(latest)
    assert changes["number"] == ("1", "2")
    assert changes["goal"] == ("work", "training")
    assert changes["applications_per_month"] == ("4", "2")
    assert changes["actions"][0] == "" and '"kind": "study"' in changes["actions"][1]
    assert "Alice Tester set agreed actions to Study: Welding course (Planned)" in _lines(
        client_a, "en"
    )
    assert "Alice Tester angav avtalade åtgärder: Studier: Welding course (Planerad)" in (
        _lines(client_a, "sv")
    )
    assert "strengths" not in changes  # unchanged fields are left out


def test_a_change_event_cannot_be_rewritten(client_a, adviser):
    client_status_change(
        client=client_a, status="employed", effective_on=timezone.localdate(), changed_by=adviser
    )
    event = ChangeEvent.objects.get(client=client_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        ChangeEvent.objects.filter(pk=event.pk).update(changes=[])
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_changeevent SET changed_by_id = NULL")
    event.refresh_from_db()
    assert event.changes and event.changed_by == adviser


def test_a_clients_history_goes_with_the_client_when_erased(client_a, adviser):
    client_status_change(
        client=client_a, status="employed", effective_on=timezone.localdate(), changed_by=adviser
    )
    client_a.delete()
    assert not ChangeEvent.objects.exists()


def test_the_client_page_part_shows_the_history_in_one_query(
    client_a, adviser, django_assert_num_queries
):
    for status in ("employed", "unemployed", "employed"):
        client_status_change(
            client=client_a, status=status, effective_on=timezone.localdate(), changed_by=adviser
        )
    with django_assert_num_queries(1):
        html = Template("{% load audit %}{% client_history client %}").render(
            Context({"client": client_a})
        )
    assert html.count("Job-seeker status changed") == 3
    assert "Alice Tester" in html


# --- Read in the reader's language ------------------------------------------------------------


def _lines(client_obj, language: str) -> list[str]:
    from django.utils import translation

    from audit.templatetags.history import event_lines

    with translation.override(language):
        return [
            str(line)
            for event in ChangeEvent.objects.filter(client=client_obj).order_by("id")
            for line in event_lines(event)
        ]


def test_a_change_reads_as_one_sentence_in_the_readers_language(client_a, adviser):
    plan_revise(client=client_a, author=adviser, data=_plan(goal="rehabilitation"), based_on=None)
    plan_revise(client=client_a, author=adviser, data=_plan(goal="work"), based_on=1)
    english = _lines(client_a, "en")
    assert "Alice Tester changed goal from Rehabilitation to Work" in english
    assert "Alice Tester changed plan version from 1 to 2" in english
    assert "Alice Tester muutti kohtaa ”tavoite”: Kuntoutus → Työ" in _lines(client_a, "fi")
    assert "Alice Tester ändrade mål från Rehabilitering till Arbete" in _lines(client_a, "sv")


def test_an_older_event_with_labels_in_the_writers_language_reads_in_the_readers(client_a, adviser):
    ChangeEvent.objects.create(
        client=client_a,
        kind=ChangeEventKind.STATUS_CHANGED,
        changed_by=adviser,
        changes=[
            {
                "field": "status",
                "label": "työnhakijan tila",
                "old": "Työtön",
                "new": "Työllistynyt",
            },
            {"field": "status_since", "label": "status since", "old": "", "new": "2026-11-30"},
        ],
    )
    assert _lines(client_a, "en") == [
        "Alice Tester changed job-seeker status from Unemployed to Employed",
        "Alice Tester set status since to 30.11.2026",
    ]
    assert _lines(client_a, "sv")[0].endswith("från Arbetslös till Sysselsatt")


def test_times_in_the_history_are_local_and_localized(client_a, adviser):
    start = dt.datetime(2026, 12, 15, 8, 0, tzinfo=dt.UTC)  # 10.00 in Helsinki
    ChangeEvent.objects.create(
        client=client_a,
        kind=ChangeEventKind.APPOINTMENT_MOVED,
        changed_by=None,
        changes=[
            {
                "field": "starts_at",
                "label": "starts at",
                "old": "2026-12-14T10:00+02:00",
                "new": start.isoformat(),
            },
            {"field": "channel", "label": "channel", "old": "phone", "new": "video"},
        ],
    )
    fi = _lines(client_a, "fi")
    assert "14.12.2026 klo 10.00 → 15.12.2026 klo 10.00" in fi[0] and "T10" not in fi[0]
    assert fi[0].startswith("Järjestelmä ")
    assert _lines(client_a, "en")[1] == "The system changed channel from Phone to Video"


def test_history_lines_escape_what_people_typed(client_a, adviser):
    ChangeEvent.objects.create(
        client=client_a,
        kind=ChangeEventKind.CLIENT_CHANGED,
        changed_by=adviser,
        changes=[{"field": "address", "label": "address", "old": "", "new": "<b>x</b>"}],
    )
    assert _lines(client_a, "en") == ["Alice Tester set address to &lt;b&gt;x&lt;/b&gt;"]
