"""The shared client-row builder: the demo seed and the import derive the due fields with
the rule code, under the rule sets the client's office chose."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from clients.models import Client, Status
from clients.rows import CLIENT_COLUMNS, ClientRowBuilder
from clients.selectors import office_schedule
from importing.services import import_check, import_run
from interviews import rules
from interviews.models import OfficeRuleSet
from interviews.services import due_states_refresh
from teams.models import Office
from tests.conftest import make_code
from tools.demo.office import seed_demo

TODAY = dt.date(2026, 11, 25)
SWITCH = dt.date(2026, 3, 2)  # the office moves to the Nordic model in the seeded history

SCHEDULES = [
    [],
    [(dt.date(2022, 5, 2), "nordic_2022")],
    [(SWITCH, "nordic_2022")],
    [(dt.date(2025, 1, 1), "reform_2026"), (SWITCH, "nordic_2022")],
    [(SWITCH, "nordic_2022"), (dt.date(2026, 9, 1), "periodic_2017")],
]


def _expected(client: Client, schedule) -> tuple[dt.date | None, str]:
    due = rules.next_due_date(
        status=client.status,
        status_since=client.status_since,
        last_held_on=client.last_held_on,
        schedule=schedule,
    )
    return due, rules.due_state(due, TODAY).value


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_builder_agrees_with_the_rule_for_every_schedule(schedule):
    builder = ClientRowBuilder(today=TODAY, schedules={7: schedule})
    rng = random.Random(11)
    for _ in range(3000):
        status = rng.choice(list(Status.values))
        since = SWITCH + dt.timedelta(days=rng.randint(-500, 250))
        held = since + dt.timedelta(days=rng.randint(-60, 300)) if rng.random() < 0.8 else None
        args = {"status": status, "status_since": since, "last_held_on": held}
        assert builder.next_due_date(7, **args) == rules.next_due_date(**args, schedule=schedule), (
            args
        )


def test_builder_row_has_the_derived_fields():
    builder = ClientRowBuilder(today=TODAY, schedules={1: [(SWITCH, "nordic_2022")]})
    code = make_code()
    since = dt.date(2026, 11, 2)
    row = dict(
        zip(
            CLIENT_COLUMNS,
            builder.row(
                office_id=1,
                pk=5,
                code=code,
                first_name="Aino",
                last_name="Ärrä",
                language="fi",
                email="",
                phone="",
                address="",
                status=Status.UNEMPLOYED,
                status_since=since,
                registered_on=since,
                team_id=3,
                responsible_adviser_id=None,
                last_held_on=None,
                last_channel="phone",
                created_at="c",
                updated_at="u",
            ),
            strict=True,
        )
    )
    # Five working days after Monday 2.11.2026 (periodic_2017 would say 16.11.).
    assert (row["next_due_date"], row["due_state"]) == (dt.date(2026, 11, 9), "overdue")
    assert row["last_channel"] == ""  # no interview, no channel
    assert row["birth_date"].strftime("%d%m%y") == code[:6]


@pytest.mark.django_db
def test_seed_for_an_office_on_the_nordic_model_derives_due_fields_by_its_rule():
    seed_demo(clients=400, seed=5, today=TODAY, rule_sets=[(SWITCH, "nordic_2022")])
    office = Office.objects.get(code="demo")
    schedule = office_schedule(office_id=office.pk)
    assert schedule == [(SWITCH, "nordic_2022")]
    clients = list(Client.objects.all())
    differs_from_default = 0
    for client in clients:
        expected = _expected(client, schedule)
        assert (client.next_due_date, client.due_state) == expected, client.pk
        differs_from_default += _expected(client, None) != expected
    assert differs_from_default > 50  # the office's rule set is what decided them
    # The due engine's SQL form agrees: a full run right after the seed changes nothing.
    assert due_states_refresh(today=TODAY, full=True).changed == 0


@pytest.mark.django_db
def test_import_into_an_office_on_the_nordic_model_derives_due_fields_by_its_rule(
    manager, team_a, office, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC))
    OfficeRuleSet.objects.create(office=office, code="nordic_2022", effective_from=SWITCH)
    rng = random.Random(5)
    header = "personal_identity_code;first_name;last_name;team;status;registered_on;"
    header += "status_since;last_interview_on;last_interview_channel"
    lines = [header]
    for _ in range(300):
        since = SWITCH + dt.timedelta(days=rng.randint(-300, 260))
        held = since + dt.timedelta(days=rng.randint(0, 80))
        held_text, channel = (held.isoformat(), "phone") if held <= TODAY else ("", "")
        status = rng.choice(["unemployed", "laid_off", "employed"])
        lines.append(
            f"{make_code()};Aino;Ärrä;{team_a.name};{status};{since};{since};{held_text};{channel}"
        )
    record = import_check(
        user=manager,
        content="\r\n".join(lines).encode(),
        file_name="clients.csv",
        source="command",
    )
    assert record.rows_accepted == 300, record.report
    import_run(record=record, user=manager)

    schedule = office_schedule(office_id=office.pk)
    differs_from_default = 0
    for client in Client.objects.all():
        expected = _expected(client, schedule)
        assert (client.next_due_date, client.due_state) == expected, client.pk
        differs_from_default += _expected(client, None) != expected
    assert differs_from_default > 50
    assert due_states_refresh(today=TODAY, full=True).changed == 0
