"""The import's set-based writes through a temporary table (the stage).

Valid rows go, as they are read, into the stage (PostgreSQL's COPY, BATCH_SIZE at a time);
everything after that is a handful of set-based statements between the stage and the real
tables, so memory does not grow with the file and the number of queries does not grow with
the rows (except one COPY a batch).

An existing client (same identity code) gets UPDATE_FIELDS from the file and nothing else:
its status, team, dates, interviews and plan are owned by teoffice once the client exists
(changing them has its own event rows and services). A new client gets a StatusChange row,
and, when the file gives them, a held interview (the last one before teoffice) and a first
plan version with the goal; its derived due fields come from the interview rule under its
office's rule sets (clients.rows, the same row builder as the demo seed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import identity
from clients.models import Client, Status, StatusChange
from clients.rows import CLIENT_COLUMNS, ClientRowBuilder
from interviews.choices import InterviewKind, Outcome
from interviews.models import Interview
from interviews.rules import job_search_default_start
from plans.models import EmploymentPlan, PlanVersion
from teoffice.signals import history_changed

from .parsing import Table
from .report import MAX_REPORTED_ERRORS, PREVIEW_ROWS, ImportResult, RowError
from .validation import RowValidator, ValidRow, validated_rows

BATCH_SIZE = 2000

# The fields an import may change on a client that already exists.
UPDATE_FIELDS = ("first_name", "last_name", "language", "email", "phone")

STAGE = "clients_import_stage"
# The stage's own columns, after the new client's row (clients.rows.CLIENT_COLUMNS).
STAGE_EXTRA = ["row_number", "held_at", "plan_goal"]
# Filled in the database: the existing client with this code, and the new rows' ids.
STAGE_LATER = ["existing_id", "existing_team_id", "interview_id", "plan_id"]


def stage_create(*, cursor: CursorWrapper) -> None:
    """The stage, in this transaction only (dropped at its end, or rolled back with it)."""
    fields = [Client._meta.get_field(name) for name in CLIENT_COLUMNS]
    fields.append(Interview._meta.get_field("held_at"))
    columns = [f"{field.column} {field.db_type(connection)}" for field in fields]
    columns += ["row_number integer", "plan_goal text"]
    columns += [f"{name} bigint" for name in STAGE_LATER]
    on_commit = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} ({', '.join(columns)}){on_commit}")


# What the dry run stages: enough to find the clients that exist already.
CHECK_COLUMNS = ["row_number", "personal_identity_code", "team_id", "status"]
WRITE_COLUMNS = [Client._meta.get_field(n).column for n in CLIENT_COLUMNS] + STAGE_EXTRA


def _stage_insert(cursor, rows: list[tuple], names: list[str]) -> None:
    if not rows:
        return
    if connection.vendor != "postgresql":
        placeholders = ", ".join(["%s"] * len(names))
        cursor.executemany(
            f"INSERT INTO {STAGE} ({', '.join(names)}) VALUES ({placeholders})", rows
        )
        return
    # CSV with every value but None quoted: PostgreSQL reads an unquoted empty field as NULL
    # and "" as an empty string; the C csv writer is much faster than formatting by hand.
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    with connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {STAGE} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv)",
            buffer,
            1 << 20,  # positional: Django's debug cursor wrapper takes no keyword here
        )


def _stamp(moment: dt.datetime) -> str:
    """A timestamp as the stage takes it (formatted once: str() of an aware datetime is slow
    enough to matter a hundred thousand times)."""
    return str(connection.ops.adapt_datetimefield_value(moment))


def _new_client_rows(
    valid_rows: Iterator[ValidRow], validator: RowValidator, *, today: dt.date, now: dt.datetime
) -> Iterator[tuple]:
    """WRITE_COLUMNS of each row: the new client's row (derived due fields under its
    office's rule sets, clients.rows) and the rest a new client is made with."""
    builder = ClientRowBuilder.for_offices(
        {t.service_line.office_id for t in validator.teams_by_id.values()}, today=today
    )
    stamp = _stamp(now)
    noon = dt.time(12, 0, tzinfo=timezone.get_current_timezone())
    held_at_on: dict[dt.date, str] = {}  # the same few thousand days, formatted once each
    for r in valid_rows:
        last_on = r.last_interview_on
        client = builder.row(
            office_id=r.team.service_line.office_id,
            pk=None,
            code=r.code,
            first_name=r.first_name,
            last_name=r.last_name,
            language=r.language,
            email=r.email,
            phone=r.phone,
            address="",
            status=r.status,
            status_since=r.status_since,
            registered_on=r.registered_on,
            team_id=r.team.pk,
            responsible_adviser_id=r.adviser_id,
            last_held_on=last_on,
            last_channel=r.last_interview_channel,
            created_at=stamp,
            updated_at=stamp,
        )
        held_at = None
        if last_on:
            held_at = held_at_on.get(last_on)
            if held_at is None:
                held_at = _stamp(min(now, dt.datetime.combine(last_on, noon)))
                held_at_on[last_on] = held_at
        yield (*client, r.row, held_at, r.plan_goal)


def stage_rows(
    *,
    cursor: CursorWrapper,
    table: Table,
    validator: RowValidator,
    result: ImportResult,
    today: dt.date,
    now: dt.datetime,
    write: bool,
) -> None:
    """Validate every row and put the valid ones in the stage, BATCH_SIZE at a time: what
    the dry run needs (CHECK_COLUMNS), or all an import writes (WRITE_COLUMNS)."""
    valid_rows = validated_rows(table, validator, result)
    if write:
        rows = _new_client_rows(valid_rows, validator, today=today, now=now)
        names = WRITE_COLUMNS
    else:
        rows = ((r.row, r.code, r.team.pk, r.status) for r in valid_rows)
        names = CHECK_COLUMNS
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            _stage_insert(cursor, batch, names)
            batch = []
    _stage_insert(cursor, batch, names)


def _mark_existing(cursor) -> None:
    """Each staged row's existing client (same identity code) and its team."""
    cursor.execute(
        f"UPDATE {STAGE} SET existing_id = c.id, existing_team_id = c.team_id "
        f"FROM clients_client c WHERE c.personal_identity_code = {STAGE}.personal_identity_code"
    )


def _stage_reject(cursor, condition: str, params: list, reason: str) -> tuple[int, list[RowError]]:
    """Take the staged rows matching `condition` out of the stage: how many, and the first
    MAX_REPORTED_ERRORS of them as errors."""
    cursor.execute(f"SELECT COUNT(*) FROM {STAGE} WHERE {condition}", params)
    count = cursor.fetchone()[0]
    if not count:
        return 0, []
    cursor.execute(
        f"SELECT row_number, personal_identity_code FROM {STAGE} WHERE {condition} "
        f"ORDER BY row_number LIMIT {MAX_REPORTED_ERRORS}",
        params,
    )
    errors = [RowError(number, identity.mask(code), reason) for number, code in cursor.fetchall()]
    cursor.execute(f"DELETE FROM {STAGE} WHERE {condition}", params)
    return count, errors


def stage_check(*, cursor: CursorWrapper, validator: RowValidator, result: ImportResult) -> None:
    """Reject (and take out of the stage) the later rows of an identity code that is in the
    file more than once, and the rows of clients in teams the user cannot see; count and
    preview the rest."""
    duplicates, duplicate_errors = _stage_reject(
        cursor,
        f"row_number IN (SELECT row_number FROM (SELECT row_number, ROW_NUMBER() OVER "
        f"(PARTITION BY personal_identity_code ORDER BY row_number) AS nth FROM {STAGE}) "
        f"AS numbered WHERE nth > 1)",
        [],
        _("the same personal identity code is on an earlier row."),
    )
    _mark_existing(cursor)
    visible = sorted(t.pk for t in validator.teams_by_id.values())
    hidden_condition = "existing_id IS NOT NULL"
    if visible:
        hidden_condition += f" AND existing_team_id NOT IN ({', '.join(['%s'] * len(visible))})"
    hidden, hidden_errors = _stage_reject(
        cursor,
        hidden_condition,
        visible,
        _("a client with this identity code belongs to a team you cannot see."),
    )
    result.rows_rejected += duplicates + hidden
    listed = [*result.errors, *duplicate_errors, *hidden_errors]
    result.errors = sorted(listed, key=lambda e: e.row)[:MAX_REPORTED_ERRORS]
    cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
    result.rows_accepted = cursor.fetchone()[0]
    cursor.execute(
        f"SELECT row_number, personal_identity_code, team_id, status, existing_id "
        f"FROM {STAGE} ORDER BY row_number LIMIT {PREVIEW_ROWS}"
    )
    result.preview = [
        {
            "row": number,
            "code": identity.mask(code),
            "team": validator.teams_by_id[str(team_id)].name,
            "status": str(Status(status).label),
            "action": "update" if existing_id is not None else "create",
        }
        for number, code, team_id, status, existing_id in cursor.fetchall()
    ]


def _assign_ids(cursor, column: str, model: type[models.Model], condition: str) -> None:
    """New primary keys of `model` for the staged rows matching `condition`, so that the
    rows that refer to them can be written set-based alongside."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"UPDATE {STAGE} SET {column} = nextval(%s::regclass) WHERE {condition}", [sequence]
        )
        return
    # SQLite: the import's transaction holds the database's write lock (IMMEDIATE mode).
    cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
    start = cursor.fetchone()[0]
    cursor.execute(
        f"UPDATE {STAGE} SET {column} = %s + numbered.n FROM (SELECT row_number AS r, "
        f"ROW_NUMBER() OVER (ORDER BY row_number) AS n FROM {STAGE} WHERE {condition}) "
        f"AS numbered WHERE {STAGE}.row_number = numbered.r",
        [start],
    )


def stage_write(
    *, cursor: CursorWrapper, user: AbstractBaseUser, now: dt.datetime, result: ImportResult
) -> None:
    """Update the agreed fields of existing clients; insert the new clients with their
    status change, last interview and first plan version."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    differs = " OR ".join(f"clients_client.{f} <> s.{f}" for f in UPDATE_FIELDS)
    cursor.execute(
        f"UPDATE clients_client SET {', '.join(f'{f} = s.{f}' for f in UPDATE_FIELDS)}, "
        f"updated_at = %s FROM {STAGE} s "
        f"WHERE s.existing_id = clients_client.id AND ({differs})",
        [stamp],
    )
    result.updated = cursor.rowcount
    cursor.execute(
        f"SELECT COUNT(*), MIN(status_since), MIN(last_held_on) FROM {STAGE} "
        f"WHERE existing_id IS NULL"
    )
    created, first_since, first_held = cursor.fetchone()
    result.created = created
    result.unchanged = result.rows_accepted - created - result.updated
    if not created:
        return

    new = "existing_id IS NULL"
    _assign_ids(cursor, "id", Client, new)
    _assign_ids(cursor, "interview_id", Interview, f"{new} AND last_held_on IS NOT NULL")
    _assign_ids(cursor, "plan_id", EmploymentPlan, f"{new} AND plan_goal <> ''")
    client_columns = ", ".join(Client._meta.get_field(n).column for n in CLIENT_COLUMNS)
    cursor.execute(
        f"INSERT INTO clients_client ({client_columns}) "
        f"SELECT {client_columns} FROM {STAGE} WHERE {new}"
    )
    cursor.execute(
        f"INSERT INTO {StatusChange._meta.db_table} "
        f"(client_id, old_status, new_status, effective_on, changed_by_id, changed_at) "
        f"SELECT id, '', status, status_since, %s, %s FROM {STAGE} WHERE {new}",
        [user.pk, stamp],
    )
    cursor.execute(
        f"INSERT INTO {Interview._meta.db_table} (id, client_id, adviser_id, recorded_by_id, "
        f"held_at, channel, kind, outcome, notes, recorded_at) "
        f"SELECT interview_id, id, %s, %s, held_at, last_channel, %s, %s, %s, %s "
        f"FROM {STAGE} WHERE interview_id IS NOT NULL",
        [
            user.pk,
            user.pk,
            InterviewKind.JOB_SEARCH.value,
            Outcome.HELD.value,
            _("Last interview before teoffice, from an import."),
            stamp,
        ],
    )
    cursor.execute(
        f"INSERT INTO {EmploymentPlan._meta.db_table} (id, client_id, created_at) "
        f"SELECT plan_id, id, %s FROM {STAGE} WHERE plan_id IS NOT NULL",
        [stamp],
    )
    cursor.execute(
        f"INSERT INTO {PlanVersion._meta.db_table} (plan_id, number, goal, goal_details, "
        f"applications_per_month, job_search_from, follow_up, strengths, needs, author_id, "
        f"created_at, interview_id) SELECT plan_id, 1, plan_goal, '', 4, %s, '', '', '', %s, "
        f"%s, interview_id FROM {STAGE} WHERE plan_id IS NOT NULL",
        [job_search_default_start(timezone.localtime(now).date()), user.pk, stamp],
    )
    # The new clients' history starts in the past: kept coverage figures from then on are stale.
    days = [
        d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
        for d in (first_since, first_held)
        if d
    ]
    # SQLite's raw cursor returns ISO text. Only the new clients' teams' figures change.
    cursor.execute(f"SELECT id FROM {STAGE} WHERE existing_id IS NULL")
    new = [row[0] for row in cursor.fetchall()]
    history_changed.send(sender=Client, since=min(days), client_ids=new)
