"""Bulk import of clients from CSV or XLSX: reading, row validation and the import itself.

The file format (docs/operations.md has the full table): one header row, then one client a
row. Columns, matched by name in any order and case (English or Finnish header names):

    personal_identity_code  first_name  last_name  team  status  registered_on   (required)
    status_since  language  email  phone  last_interview_on  last_interview_channel
    plan_goal                                                                     (optional)

Any other column is ignored and named in the report.

An existing client (same identity code) gets UPDATE_FIELDS from the file and nothing else:
its status, team, dates, interviews and plan are owned by teoffice once the client exists
(changing them has its own event rows and services). A new client gets a StatusChange row,
and, when the file gives them, a held interview (the last one before teoffice) and a first
plan version with the goal; its derived due fields come from the interview rule under its
office's rule sets (clients.rows, the same row builder as the demo seed).

Reading is streamed row by row; valid rows go in batches into a temporary table, and the
import is a handful of set-based statements from there, so memory does not grow with the
file (except a set of the file's identity codes, to find duplicates) and the number of
queries does not grow with the rows (except one COPY a batch).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import hashlib
import io
import logging
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interviews.choices import Channel, InterviewKind, Outcome
from teams import policy
from teams.models import Team
from teoffice.signals import history_changed

from . import identity
from .models import Client, ImportRecord, Language, Status, StatusChange
from .rows import CLIENT_COLUMNS, ClientRowBuilder

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 1000  # every rejected row is counted; the first 1,000 are listed
MAX_FILE_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 20
EMAIL_MAX_LENGTH = 254  # Client.email's column

# The fields an import may change on a client that already exists.
UPDATE_FIELDS = ("first_name", "last_name", "language", "email", "phone")

REQUIRED_COLUMNS = (
    "personal_identity_code",
    "first_name",
    "last_name",
    "team",
    "status",
    "registered_on",
)
OPTIONAL_COLUMNS = (
    "status_since",
    "language",
    "email",
    "phone",
    "last_interview_on",
    "last_interview_channel",
    "plan_goal",
)
HEADER_ALIASES = {
    "hetu": "personal_identity_code",
    "henkilötunnus": "personal_identity_code",
    "identity_code": "personal_identity_code",
    "etunimi": "first_name",
    "sukunimi": "last_name",
    "tiimi": "team",
    "tila": "status",
    "rekisteröity": "registered_on",
    "tila_alkaen": "status_since",
    "kieli": "language",
    "sähköposti": "email",
    "puhelin": "phone",
    "viimeisin_haastattelu": "last_interview_on",
    "haastattelukanava": "last_interview_channel",
    "tavoite": "plan_goal",
}
STATUS_ALIASES = {
    "työtön": Status.UNEMPLOYED,
    "lomautettu": Status.LAID_OFF,
    "osa-aikatyössä": Status.PART_TIME,
    "palvelussa": Status.IN_SERVICE,
    "työllistynyt": Status.EMPLOYED,
    "työssä": Status.EMPLOYED,
    "ei työnhakija": Status.NOT_JOB_SEEKER,
}
CHANNEL_ALIASES = {
    "puhelin": Channel.PHONE,
    "kasvokkain": Channel.FACE_TO_FACE,
    "face to face": Channel.FACE_TO_FACE,
    "video": Channel.VIDEO,
}
GOAL_ALIASES = {
    "työ": "work",
    "koulutus": "training",
    "yritystoiminta": "business",
    "kuntoutus": "rehabilitation",
    "muu": "other",
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, format, missing columns)."""


class ImportRejected(Exception):
    """The import wrote nothing: rows were rejected or the database refused the batch."""

    def __init__(self, message: str, result: ImportResult | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class RowError:
    row: int
    code: str  # masked
    reason: str


@dataclass(slots=True)
class ValidRow:
    row: int
    code: str
    first_name: str
    last_name: str
    team: Team
    status: str
    registered_on: dt.date
    status_since: dt.date
    language: str
    email: str
    phone: str
    last_interview_on: dt.date | None
    last_interview_channel: str
    plan_goal: str


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_accepted: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows_rejected: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    preview: list[dict] = field(default_factory=list)

    def reject(self, error: RowError) -> None:
        self.rows_rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_report(self) -> dict:
        return {
            "errors": [e.__dict__ for e in self.errors],
            "errors_listed": len(self.errors),
            "ignored_columns": self.ignored_columns,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "preview": self.preview,
        }


# --- Reading -----------------------------------------------------------------------------


@dataclass
class Table:
    columns: list[str]  # canonical names, or "" for an ignored column
    ignored: list[str]
    rows: Iterator[tuple[int, list]]  # (spreadsheet row number, cells)
    encoding: str = ""
    delimiter: str = ""


def _canonical(header: str) -> str:
    name = str(header or "").strip().lstrip("\ufeff").lower().replace(" ", "_")
    return HEADER_ALIASES.get(name, name)


def _columns(header: list) -> tuple[list[str], list[str]]:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    columns, ignored, seen = [], [], set()
    for cell in header:
        name = _canonical(cell)
        if name in known and name not in seen:
            columns.append(name)
            seen.add(name)
        else:
            columns.append("")
            if str(cell or "").strip():
                ignored.append(str(cell).strip())
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise ImportFileError(
            _("The file has no column for: %(missing)s. The first row must name the columns.")
            % {"missing": ", ".join(missing)}
        )
    return columns, ignored


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether `content` is text in `encoding`, decoded a megabyte at a time and thrown away
    (rows are decoded again as they are read), so the whole text is never in memory."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start : start + (1 << 20)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _encoding(content: bytes) -> str:
    """UTF-8 (with or without a BOM) or, failing that, Windows-1252 (Finnish Excel's ANSI)."""
    if content.startswith(codecs.BOM_UTF8):
        if not _decodes(content, "utf-8-sig"):
            raise ImportFileError(
                _("The file starts as UTF-8 but is not valid UTF-8. Save it again as CSV UTF-8.")
            ) from None
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            _("The file is UTF-16 text. Save it as CSV UTF-8 (comma or semicolon separated).")
        )
    for encoding in ("utf-8", "cp1252"):
        if _decodes(content, encoding):
            return encoding
    raise ImportFileError(
        _("The file's character encoding is not UTF-8 or Windows-1252. Save it as CSV UTF-8.")
    )


def _read_csv(content: bytes) -> Table:
    encoding = _encoding(content)
    stream = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
    first_line = stream.readline()
    if "\x00" in first_line:
        raise ImportFileError(_("This is not a text (CSV) file."))
    delimiter = max((";", ",", "\t"), key=first_line.count)
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise ImportFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from None
    columns, ignored = _columns(header)

    def rows() -> Iterator[tuple[int, list]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            raise ImportFileError(
                _("The file is not valid CSV near line %(line)d: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from None

    names = {"utf-8-sig": "utf-8 (BOM)", "utf-8": "utf-8", "cp1252": "windows-1252"}
    return Table(
        columns, ignored, rows(), names[encoding], {";": ";", ",": ",", "\t": "tab"}[delimiter]
    )


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx).")) from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    try:
        header = list(next(cells))
    except StopIteration:
        raise ImportFileError(_("The workbook's first sheet is empty.")) from None
    columns, ignored = _columns(header)

    def rows() -> Iterator[tuple[int, list]]:
        for number, values in enumerate(cells, start=2):
            yield number, list(values)
        book.close()

    return Table(columns, ignored, rows(), "xlsx", "")


def read_table(content: bytes, file_name: str) -> Table:
    if not content:
        raise ImportFileError(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("The file is larger than 50 MB. Split it into several files."))
    name = file_name.lower()
    if content.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise ImportFileError(
            _("Old Excel files (.xls) are not supported. Save the sheet as .xlsx or CSV.")
        )
    return _read_csv(content)


# --- Validating one row ------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if value.__class__ is str:  # every CSV cell: the common case first
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@functools.lru_cache(maxsize=4096)
def _date_from_text(text: str) -> dt.date | None:
    """A date written as 2024-03-01 or 1.3.2024; None if it is not one. Cached: a file
    repeats the same few thousand dates."""
    try:
        if "." in text:  # Finnish: 1.3.2024
            day, month, year = (int(p) for p in text.split("."))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date(value, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    day = _date_from_text(text)
    if day is None:
        raise ValidationError(
            _("%(column)s: “%(value)s” is not a date (use 2024-03-01 or 1.3.2024).")
            % {"column": column, "value": text[:20]}
        )
    return day


def _lookup(choices, aliases: dict) -> tuple[dict[str, str], str]:
    """Values, labels (in the current language) and aliases, lower-cased, to a value."""
    table = {str(label).lower(): str(v) for v, label in choices.choices}
    table.update({k: str(v) for k, v in aliases.items()})
    table.update({v.lower(): str(v) for v in choices.values})
    return table, ", ".join(choices.values)


def _choice(value: str, lookup: tuple[dict[str, str], str], column: str) -> str:
    found = lookup[0].get(value.strip().lower())
    if not found:
        raise ValidationError(
            _("%(column)s: “%(value)s” is not one of %(allowed)s.")
            % {"column": column, "value": value[:30], "allowed": lookup[1]}
        )
    return found


COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


class RowValidator:
    """Validates rows against the teams the importing user may see (loaded once)."""

    def __init__(self, user: AbstractBaseUser, today: dt.date):
        from plans.models import Goal

        self.statuses = _lookup(Status, STATUS_ALIASES)
        self.channels = _lookup(Channel, CHANNEL_ALIASES)
        self.goals = _lookup(Goal, GOAL_ALIASES)
        self.languages = _lookup(Language, {"suomi": "fi", "ruotsi": "sv", "svenska": "sv"})
        self.today = today
        self.teams_by_id: dict[str, Team] = {}
        self.teams_by_name: dict[str, list[Team]] = {}
        for team in policy.teams_visible_to(user):  # with service_line__office
            self.teams_by_id[str(team.pk)] = team
            self.teams_by_name.setdefault(team.name.strip().lower(), []).append(team)

    def team(self, value: str) -> Team:
        if not value:
            raise ValidationError(_("team is missing."))
        found = self.teams_by_name.get(value.lower(), [])
        if len(found) > 1:
            raise ValidationError(
                _("team: more than one team is called “%(value)s”; use the team's number.")
                % {"value": value}
            )
        team = found[0] if found else self.teams_by_id.get(value)
        if team is None:
            raise ValidationError(
                _("team: “%(value)s” is not a team you can import into.") % {"value": value[:50]}
            )
        return team

    def validate(self, row_number: int, columns: list[str], cells: list) -> ValidRow | RowError:
        """One row: a ValidRow, or a RowError with every problem found in it."""
        raw = dict.fromkeys(COLUMNS)
        for name, cell in zip(columns, cells, strict=False):
            if name:
                raw[name] = cell
        code = identity.normalize(_text(raw["personal_identity_code"]))
        masked = identity.mask(code) if len(code) == 11 else ""
        problems: list[str] = []

        def check(fn, *args):
            try:
                return fn(*args)
            except ValidationError as exc:
                problems.extend(exc.messages)
                return None

        if not code:
            problems.append(_("personal identity code is missing."))
        elif not identity.is_valid_hetu(code):
            check(identity.validate_hetu, code)  # for the reason
        first_name = _text(raw["first_name"])[:101]
        last_name = _text(raw["last_name"])[:101]
        if not first_name or not last_name:
            problems.append(_("first and last name are required."))
        elif len(first_name) > 100 or len(last_name) > 100:
            problems.append(_("a name is longer than 100 characters."))
        team = check(self.team, _text(raw["team"]))
        status_text = _text(raw["status"])
        status = check(_choice, status_text, self.statuses, "status") if status_text else None
        if not status_text:
            problems.append(_("status is missing."))
        registered_on = check(_date, raw["registered_on"], "registered_on")
        if registered_on is None and not any(p.startswith("registered_on") for p in problems):
            problems.append(_("registered_on is missing."))
        status_since = check(_date, raw["status_since"], "status_since") or registered_on
        for name, day in (("registered_on", registered_on), ("status_since", status_since)):
            if day and day > self.today:
                problems.append(_("%(column)s is in the future.") % {"column": name})
        if registered_on and status_since and status_since < registered_on:
            problems.append(_("status_since is before registered_on."))
        language_text = _text(raw["language"])
        language = (
            check(_choice, language_text, self.languages, "language")
            if language_text
            else Language.FI
        )
        email = _text(raw["email"])
        if email:
            try:
                if len(email) > EMAIL_MAX_LENGTH:  # the database would refuse the import
                    raise ValidationError("")
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("email: “%(value)s” is not an e-mail address.") % {"value": email[:60]}
                )
        phone = _text(raw["phone"])
        if len(phone) > 32:
            problems.append(_("phone is longer than 32 characters."))
        last_on = check(_date, raw["last_interview_on"], "last_interview_on")
        channel_text = _text(raw["last_interview_channel"])
        channel = (
            check(_choice, channel_text, self.channels, "last_interview_channel")
            if channel_text
            else ""
        )
        if last_on and last_on > self.today:
            problems.append(_("last_interview_on is in the future."))
        if last_on and not channel_text:
            problems.append(_("last_interview_channel is required with last_interview_on."))
        if channel_text and not last_on:
            problems.append(_("last_interview_channel is given without last_interview_on."))
        goal_text = _text(raw["plan_goal"])
        goal = check(_choice, goal_text, self.goals, "plan_goal") if goal_text else ""
        if problems:
            return RowError(row_number, masked, " ".join(str(p) for p in problems))
        return ValidRow(
            row=row_number,
            code=code,
            first_name=first_name,
            last_name=last_name,
            team=team,
            status=status,
            registered_on=registered_on,
            status_since=status_since,
            language=language,
            email=email,
            phone=phone,
            last_interview_on=last_on,
            last_interview_channel=channel or "",
            plan_goal=goal or "",
        )


# --- The import --------------------------------------------------------------------------
#
# Valid rows go, as they are read, into a temporary table (the stage: PostgreSQL's COPY, a
# chunk at a time); everything after that is a handful of set-based statements between the
# stage and the real tables, whatever the number of rows.

STAGE = "clients_import_stage"
# The stage's own columns, after the new client's row (clients.rows.CLIENT_COLUMNS).
STAGE_EXTRA = ["row_number", "held_at", "plan_goal"]
# Filled in the database: the existing client with this code, and the new rows' ids.
STAGE_LATER = ["existing_id", "existing_team_id", "interview_id", "plan_id"]


def _is_blank(cells: list) -> bool:
    return all(_text(c) == "" for c in cells)


def _valid_rows(table: Table, validator: RowValidator, result: ImportResult):
    """Yield every valid row; record every rejected one. (Duplicates are found in the stage.)"""
    for number, cells in table.rows:
        if _is_blank(cells):
            continue
        result.rows_total += 1
        row = validator.validate(number, table.columns, cells)
        if isinstance(row, RowError):
            result.reject(row)
            continue
        yield row


def _stage_create(cursor) -> None:
    """The stage, in this transaction only (dropped at its end, or rolled back with it)."""
    from interviews.models import Interview

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
            responsible_adviser_id=None,
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


def _stage_rows(
    table: Table,
    validator: RowValidator,
    result: ImportResult,
    cursor,
    *,
    today: dt.date,
    now: dt.datetime,
    write: bool,
) -> None:
    """Validate every row and put the valid ones in the stage, BATCH_SIZE at a time: what
    the dry run needs (CHECK_COLUMNS), or all an import writes (WRITE_COLUMNS)."""
    valid_rows = _valid_rows(table, validator, result)
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


def _stage_check(cursor, validator: RowValidator, result: ImportResult) -> None:
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


def _stage_write(cursor, *, user: AbstractBaseUser, now: dt.datetime, result: ImportResult):
    """Update the agreed fields of existing clients; insert the new clients with their
    status change, last interview and first plan version."""
    from interviews.models import Interview
    from plans.models import EmploymentPlan, PlanVersion

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
            InterviewKind.PERIODIC.value,
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
        f"applications_per_month, follow_up, strengths, needs, author_id, created_at, "
        f"interview_id) SELECT plan_id, 1, plan_goal, '', 4, '', '', '', %s, %s, interview_id "
        f"FROM {STAGE} WHERE plan_id IS NOT NULL",
        [user.pk, stamp],
    )
    # The new clients' history starts in the past: kept coverage figures from then on are stale.
    days = [
        d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
        for d in (first_since, first_held)
        if d
    ]
    history_changed.send(sender=Client, since=min(days))  # SQLite's raw cursor returns ISO text


def _require_manager(user: AbstractBaseUser) -> None:
    if not policy.is_manager(user):
        raise PermissionDenied(_("Only managers may import clients."))


def clients_import_process(
    *,
    user: AbstractBaseUser,
    content: bytes,
    file_name: str,
    write: bool,
    today: dt.date | None = None,
) -> ImportResult:
    """Validate every row of the file and, with write=True, import it all or nothing.

    1. Read the file (file-level problems raise ImportFileError).
    2. Stream rows, validate each (identity code, names, team the user can see, status,
       dates, optional last interview and plan goal) and collect rejected rows; put the
       valid ones, with the new client's derived fields, in a temporary table.
    3. One statement finds the clients that already exist; those in teams the user cannot
       see are rejected too.
    4. write=False (the dry run): roll back, so nothing at all is left behind.
    5. write=True: any rejected row raises ImportRejected; else, in the same transaction,
       update the agreed fields of existing clients and insert the new ones with their event
       rows, set-based. The database refusing a row rolls everything back (ImportRejected).
    """
    _require_manager(user)
    today = today or timezone.localdate()
    now = timezone.now()
    table = read_table(content, file_name)
    result = ImportResult(
        ignored_columns=table.ignored, encoding=table.encoding, delimiter=table.delimiter
    )
    validator = RowValidator(user, today)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _stage_create(cursor)
            _stage_rows(table, validator, result, cursor, today=today, now=now, write=write)
            _stage_check(cursor, validator, result)
            if not write:
                transaction.set_rollback(True)  # the stage goes with it
                return result
            if result.rows_rejected:
                raise ImportRejected(
                    _("%(count)d rows were rejected; nothing was imported.")
                    % {"count": result.rows_rejected},
                    result,
                )
            if result.rows_total == 0:
                raise ImportRejected(_("The file has no rows to import."), result)
            _stage_write(cursor, user=user, now=now, result=result)
            cursor.execute(f"DROP TABLE {STAGE}")
    except IntegrityError as exc:
        logger.warning("client import refused by the database: %s", type(exc).__name__)
        raise ImportRejected(
            _(
                "The database refused the import (another import or change may have added "
                "the same clients meanwhile); nothing was imported. Check the file again."
            ),
            result,
        ) from None
    return result


def _file_facts(content: bytes) -> dict:
    return {"file_sha256": hashlib.sha256(content).hexdigest(), "file_size": len(content)}


def _keep(content: bytes) -> bytes:
    """The file's bytes as kept between check and import: compressed (CSV to about a fifth),
    because writing a bytea costs the web process several times its size in memory."""
    return zlib.compress(content, 1)


def _kept(stored: bytes) -> bytes:
    try:
        return zlib.decompress(stored)
    except zlib.error:  # kept uncompressed, before _keep() compressed
        return stored


def import_check(
    *, user: AbstractBaseUser, content: bytes, file_name: str, source: str
) -> ImportRecord:
    """The dry run: validate the whole file, write nothing but the record of the check."""
    _require_manager(user)
    t0 = time.perf_counter()
    # Abandoned dry runs keep no personal data for longer than a day.
    ImportRecord.objects.filter(
        state=ImportRecord.State.CHECKED, created_at__lt=timezone.now() - dt.timedelta(days=1)
    ).exclude(content=b"").update(content=b"")
    record = ImportRecord(
        created_by=user, source=source, file_name=file_name[:255], **_file_facts(content)
    )
    try:
        result = clients_import_process(
            user=user, content=content, file_name=file_name, write=False
        )
    except ImportFileError as exc:
        record.state = ImportRecord.State.REJECTED
        record.report = {"file_error": str(exc)}
    else:
        record.rows_total = result.rows_total
        record.rows_accepted = result.rows_accepted
        record.rows_rejected = result.rows_rejected
        record.report = result.as_report()
        if result.rows_total == 0:
            record.state = ImportRecord.State.REJECTED
            record.report["file_error"] = _("The file has no rows to import.")
        elif not result.rows_rejected:
            record.content = _keep(content)
    record.duration_ms = round((time.perf_counter() - t0) * 1000)
    record.save()
    logger.info(
        "client import checked: record %s, %d rows, %d accepted, %d rejected in %d ms",
        record.pk,
        record.rows_total,
        record.rows_accepted,
        record.rows_rejected,
        record.duration_ms,
    )
    return record


def import_run(*, record: ImportRecord, user: AbstractBaseUser) -> ImportRecord:
    """The real import of a checked file, all or nothing; re-validates every row.

    Raises ImportRejected (and marks the record rejected) if anything is refused.
    """
    _require_manager(user)
    if record.created_by_id != user.pk:
        raise PermissionDenied(_("This import was checked by someone else."))
    if record.state != ImportRecord.State.CHECKED or not record.content:
        raise ImportRejected(_("This file was already imported or was rejected. Check it again."))
    t0 = time.perf_counter()
    content = _kept(bytes(record.content))
    try:
        result = clients_import_process(
            user=user, content=content, file_name=record.file_name, write=True
        )
    except (ImportRejected, ImportFileError) as exc:
        record.state = ImportRecord.State.REJECTED
        record.content = b""
        record.report = {
            **(exc.result.as_report() if getattr(exc, "result", None) else {}),
            "file_error": str(exc),
        }
        record.duration_ms = round((time.perf_counter() - t0) * 1000)
        record.save(update_fields=["state", "content", "report", "duration_ms"])
        raise ImportRejected(str(exc), getattr(exc, "result", None)) from None
    record.state = ImportRecord.State.IMPORTED
    record.imported_at = timezone.now()
    record.content = b""
    record.rows_total = result.rows_total
    record.rows_accepted = result.rows_accepted
    record.rows_rejected = result.rows_rejected
    record.created_count = result.created
    record.updated_count = result.updated
    record.unchanged_count = result.unchanged
    record.duration_ms = round((time.perf_counter() - t0) * 1000)
    record.save()
    logger.info(
        "client import done: record %s, %d rows, %d created, %d updated, %d unchanged in %d ms",
        record.pk,
        record.rows_total,
        record.created_count,
        record.updated_count,
        record.unchanged_count,
        record.duration_ms,
    )
    return record
