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
plan version with the goal; its derived due fields come from interviews.rules.

Reading is streamed row by row and rows are validated and written in batches, so memory does
not grow with the file (except a set of the file's identity codes, to find duplicates).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interviews import rules
from interviews.choices import Channel, InterviewKind, Outcome
from teams import policy
from teams.models import Team

from . import identity
from .models import Client, ImportRecord, Language, Status, StatusChange

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 1000  # every rejected row is counted; the first 1,000 are listed
MAX_FILE_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 20

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


@dataclass
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


def _encoding(content: bytes) -> str:
    """UTF-8 (with or without a BOM) or, failing that, Windows-1252 (Finnish Excel's ANSI).

    The trial decodes are thrown away at once: rows are decoded again as they are read.
    """
    if content.startswith(codecs.BOM_UTF8):
        try:
            codecs.decode(content, "utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file starts as UTF-8 but is not valid UTF-8. Save it again as CSV UTF-8.")
            ) from None
        return "utf-8-sig"
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(
            _("The file is UTF-16 text. Save it as CSV UTF-8 (comma or semicolon separated).")
        )
    for encoding in ("utf-8", "cp1252"):
        try:
            codecs.decode(content, encoding)
        except UnicodeDecodeError:
            continue
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value, column: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        if "." in text:  # Finnish: 1.3.2024
            day, month, year = (int(p) for p in text.split("."))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("%(column)s: “%(value)s” is not a date (use 2024-03-01 or 1.3.2024).")
            % {"column": column, "value": text[:20]}
        ) from None


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
        for team in policy.teams_visible_to(user):
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
        raw = {name: cells[i] if i < len(cells) else None for i, name in enumerate(columns) if name}
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
        else:
            check(identity.validate_hetu, code)
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
        status_since = check(_date, raw.get("status_since"), "status_since") or registered_on
        for name, day in (("registered_on", registered_on), ("status_since", status_since)):
            if day and day > self.today:
                problems.append(_("%(column)s is in the future.") % {"column": name})
        if registered_on and status_since and status_since < registered_on:
            problems.append(_("status_since is before registered_on."))
        language_text = _text(raw.get("language"))
        language = (
            check(_choice, language_text, self.languages, "language")
            if language_text
            else Language.FI
        )
        email = _text(raw.get("email"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("email: “%(value)s” is not an e-mail address.") % {"value": email[:60]}
                )
        phone = _text(raw.get("phone"))
        if len(phone) > 32:
            problems.append(_("phone is longer than 32 characters."))
        last_on = check(_date, raw.get("last_interview_on"), "last_interview_on")
        channel_text = _text(raw.get("last_interview_channel"))
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
        goal_text = _text(raw.get("plan_goal"))
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


def _is_blank(cells: list) -> bool:
    return all(_text(c) == "" for c in cells)


def _batches(table: Table, validator: RowValidator, result: ImportResult):
    """Yield lists of valid rows, BATCH_SIZE at a time; record every rejected row."""
    seen: set[str] = set()
    batch: list[ValidRow] = []
    for number, cells in table.rows:
        if _is_blank(cells):
            continue
        result.rows_total += 1
        row = validator.validate(number, table.columns, cells)
        if isinstance(row, ValidRow) and row.code in seen:
            row = RowError(
                number,
                identity.mask(row.code),
                _("the same personal identity code is on an earlier row."),
            )
        if isinstance(row, RowError):
            result.reject(row)
            continue
        seen.add(row.code)
        batch.append(row)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _existing(batch: list[ValidRow]) -> dict[str, Client]:
    return {
        c.personal_identity_code: c
        for c in Client.objects.filter(personal_identity_code__in=[r.code for r in batch]).only(
            "pk", "personal_identity_code", "team_id", *UPDATE_FIELDS
        )
    }


def _check_batch(
    batch: list[ValidRow], visible_team_ids: set[int], result: ImportResult
) -> tuple[list[ValidRow], dict[str, Client]]:
    """Drop (and report) rows whose client exists in a team the user cannot see."""
    existing = _existing(batch)
    accepted = []
    for row in batch:
        client = existing.get(row.code)
        if client is not None and client.team_id not in visible_team_ids:
            result.reject(
                RowError(
                    row.row,
                    identity.mask(row.code),
                    _("a client with this identity code belongs to a team you cannot see."),
                )
            )
            continue
        accepted.append(row)
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(
                {
                    "row": row.row,
                    "code": identity.mask(row.code),
                    "team": row.team.name,
                    "status": str(Status(row.status).label),
                    "action": "update" if client is not None else "create",
                }
            )
    result.rows_accepted += len(accepted)
    return accepted, existing


def _write_batch(
    batch: list[ValidRow],
    existing: dict[str, Client],
    *,
    user: AbstractBaseUser,
    today: dt.date,
    now: dt.datetime,
    result: ImportResult,
) -> None:
    from interviews.models import Interview
    from plans.models import EmploymentPlan, PlanVersion

    new_rows = [r for r in batch if r.code not in existing]
    changed: list[Client] = []
    for row in batch:
        client = existing.get(row.code)
        if client is None:
            continue
        values = {f: getattr(row, f) for f in UPDATE_FIELDS}
        if all(getattr(client, f) == v for f, v in values.items()):
            result.unchanged += 1
            continue
        for f, v in values.items():
            setattr(client, f, v)
        client.updated_at = now
        changed.append(client)
    if changed:
        Client.objects.bulk_update(changed, [*UPDATE_FIELDS, "updated_at"])
        result.updated += len(changed)
    if not new_rows:
        return

    client_ids = _allocate_ids(Client, len(new_rows))
    client_rows, status_rows, interview_rows, plan_rows, version_rows = [], [], [], [], []
    with_interview = [r for r in new_rows if r.last_interview_on]
    interview_ids = iter(_allocate_ids(Interview, len(with_interview)))
    with_goal = [r for r in new_rows if r.plan_goal]
    plan_ids = iter(_allocate_ids(EmploymentPlan, len(with_goal)))
    noon = dt.time(12, 0)
    note = _("Last interview before teoffice, from an import.")
    for pk, r in zip(client_ids, new_rows, strict=True):
        last_on = r.last_interview_on
        next_due = rules.next_due_date(
            status=r.status, status_since=r.status_since, last_held_on=last_on
        )
        client_rows.append(
            (
                pk,
                r.code,
                r.first_name,
                r.last_name,
                identity.birth_date(r.code),
                r.language,
                r.email,
                r.phone,
                "",
                r.status,
                r.status_since,
                r.registered_on,
                r.team.pk,
                None,
                last_on,
                r.last_interview_channel if last_on else "",
                next_due,
                rules.due_state(next_due, today).value,
                now,
                now,
            )
        )
        status_rows.append((pk, "", r.status, r.status_since, user.pk, now))
        interview_id = None
        if last_on:
            interview_id = next(interview_ids)
            held_at = min(now, timezone.make_aware(dt.datetime.combine(last_on, noon)))
            interview_rows.append(
                (
                    interview_id,
                    pk,
                    user.pk,
                    user.pk,
                    held_at,
                    r.last_interview_channel,
                    InterviewKind.PERIODIC.value,
                    Outcome.HELD.value,
                    note,
                    now,
                )
            )
        if r.plan_goal:
            plan_id = next(plan_ids)
            plan_rows.append((plan_id, pk, now))
            version_rows.append(
                (plan_id, 1, r.plan_goal, "", 4, "", "", "", user.pk, now, interview_id)
            )
    _insert(Client, CLIENT_COLUMNS, client_rows)
    _insert(StatusChange, STATUS_COLUMNS, status_rows)
    _insert(Interview, INTERVIEW_COLUMNS, interview_rows)
    _insert(EmploymentPlan, PLAN_COLUMNS, plan_rows)
    _insert(PlanVersion, VERSION_COLUMNS, version_rows)
    # The new clients' history starts in the past: kept coverage figures from then on are stale.
    from reports.coverage import coverage_days_invalidate

    coverage_days_invalidate(
        since=min(min(r.status_since, r.last_interview_on or r.status_since) for r in new_rows)
    )
    result.created += len(client_rows)


CLIENT_COLUMNS = [
    "id",
    "personal_identity_code",
    "first_name",
    "last_name",
    "birth_date",
    "language",
    "email",
    "phone",
    "address",
    "status",
    "status_since",
    "registered_on",
    "team",
    "responsible_adviser",
    "last_held_on",
    "last_channel",
    "next_due_date",
    "due_state",
    "created_at",
    "updated_at",
]
STATUS_COLUMNS = ["client", "old_status", "new_status", "effective_on", "changed_by", "changed_at"]
INTERVIEW_COLUMNS = [
    "id",
    "client",
    "adviser",
    "recorded_by",
    "held_at",
    "channel",
    "kind",
    "outcome",
    "notes",
    "recorded_at",
]
PLAN_COLUMNS = ["id", "client", "created_at"]
VERSION_COLUMNS = [
    "plan",
    "number",
    "goal",
    "goal_details",
    "applications_per_month",
    "follow_up",
    "strengths",
    "needs",
    "author",
    "created_at",
    "interview",
]


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for `count` new rows, so that related rows can be written alongside."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the import's transaction holds the database's write lock (IMMEDIATE mode).
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def _insert(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Insert rows: PostgreSQL's COPY (several times faster than INSERT), else bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        fields = [model._meta.get_field(c).attname for c in columns]
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], batch_size=500
        )
        return
    # CSV with every value but None quoted: PostgreSQL reads an unquoted empty field as NULL
    # and "" as an empty string; the C csv writer is much faster than formatting by hand.
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n").writerows(rows)
    buffer.seek(0)
    db_columns = ", ".join(model._meta.get_field(c).column for c in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {model._meta.db_table} ({db_columns}) FROM STDIN WITH (FORMAT csv)",
            buffer,
            1 << 20,  # positional: Django's debug cursor wrapper takes no keyword here
        )


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
       dates, optional last interview and plan goal) and collect rejected rows.
    3. Per batch, one query finds the clients that already exist.
    4. write=True: inside one transaction, insert new clients with their event rows and
       update the agreed fields of existing ones; any rejected row, or the database refusing
       a batch, rolls everything back and raises ImportRejected.
    """
    _require_manager(user)
    today = today or timezone.localdate()
    now = timezone.now()
    table = read_table(content, file_name)
    result = ImportResult(
        ignored_columns=table.ignored, encoding=table.encoding, delimiter=table.delimiter
    )
    validator = RowValidator(user, today)
    visible = {t.pk for ts in validator.teams_by_name.values() for t in ts}
    if not write:
        for batch in _batches(table, validator, result):
            _check_batch(batch, visible, result)
        return result
    try:
        with transaction.atomic():
            for batch in _batches(table, validator, result):
                accepted, existing = _check_batch(batch, visible, result)
                if not result.rows_rejected:  # once a row is rejected, only validate the rest
                    _write_batch(accepted, existing, user=user, today=today, now=now, result=result)
            if result.rows_rejected:
                raise ImportRejected(
                    _("%(count)d rows were rejected; nothing was imported.")
                    % {"count": result.rows_rejected},
                    result,
                )
            if result.rows_total == 0:
                raise ImportRejected(_("The file has no rows to import."), result)
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
            record.content = content
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
    content = bytes(record.content)
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
