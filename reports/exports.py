"""The report and the client-level list as CSV and XLSX, streamed in flat memory.

CSV is written row by row into the response. XLSX is built with openpyxl's write-only
workbook (rows go to disk as they are appended) into an anonymous temporary file, which is
then streamed in chunks. Aggregate exports carry no personal data about clients; the
client-level export carries no names and no identity codes (birth year only).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO

from django.db import connections
from django.db.models import Case, CharField, F, Func, QuerySet, Value, When
from django.db.models.functions import ExtractYear
from django.db.models.sql.constants import MULTI
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from clients.models import Status
from interviews.choices import Channel, DueState
from teoffice import l10n

from .cells import spreadsheet_safe, spreadsheet_safe_sql
from .columns import LEVEL_LABELS, Column, columns
from .selectors.goals import ReportGoals
from .selectors.report import Report
from .xlsx import DATE_FORMAT, DAYS_FORMAT, INT_FORMAT, PCT_FORMAT, xlsx_table_write

CHUNK = 64 * 1024
CSV_BATCH = 500
CSV_LINE_END = "\n"  # as PostgreSQL's COPY writes it
CHUNK_ROWS = 5000  # rows per fetch from the server-side cursor


# --- The aggregate report ---------------------------------------------------------------


def report_headers(report: Report) -> list[str]:
    cols = columns()
    first = [str(LEVEL_LABELS[report.level]), _("Belongs to")]
    return first + [_csv_header(c) for c in cols[1:]]


def _csv_header(column: Column) -> str:
    return f"{column.header} (%)" if column.kind == "pct" else column.header


def report_rows(report: Report) -> Iterator[list]:
    """Each row's raw values (shares as 0–1 fractions), then the total row."""
    cols = columns()[1:]
    for row in [*report.rows, report.total]:
        values = row.values()
        yield [row.label, row.parent] + [values[c.key] for c in cols]


def _csv_value(value, kind: str, style: l10n.CsvStyle):
    if value is None:
        return ""
    if kind == "text":
        return spreadsheet_safe(value)
    if kind == "pct":
        return l10n.csv_decimal(100 * value, 1, style)
    if kind == "days":
        return l10n.csv_decimal(value, 1, style)
    return value


class _Line(io.StringIO):
    """A csv.writer target that hands back what one writerow wrote."""

    def take(self) -> str:
        value = self.getvalue()
        self.seek(0)
        self.truncate()
        return value


def report_csv(report: Report) -> Iterator[str]:
    """The report as CSV in the active language's style (teoffice.l10n.csv_style: `;`, decimal
    comma and a byte-order mark for fi and sv, so Excel splits the columns)."""
    style = l10n.csv_style()
    kinds = ["text", "text"] + [c.kind for c in columns()[1:]]
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=style.delimiter)
    writer.writerow(report_headers(report))
    yield style.bom + buffer.take()
    for values in report_rows(report):
        writer.writerow([_csv_value(v, k, style) for v, k in zip(values, kinds, strict=True)])
        yield buffer.take()


def _cell(sheet, value, kind: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=spreadsheet_safe(value))
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula
    if kind == "pct":
        cell.number_format = PCT_FORMAT
    elif kind == "int":
        cell.number_format = INT_FORMAT
    elif kind == "days":
        cell.number_format = DAYS_FORMAT
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _report_sheet(workbook: Workbook, title: str, report: Report) -> None:
    sheet = workbook.create_sheet(title[:31])
    kinds = ["text", "text"] + [c.kind for c in columns()[1:]]
    headers = report_headers(report)
    headers = headers[:2] + [c.header for c in columns()[1:]]
    sheet.append([_cell(sheet, h, "text", bold=True) for h in headers])
    count = len(report.rows)
    for index, values in enumerate(report_rows(report)):
        bold = index == count  # the total row
        sheet.append([_cell(sheet, v, k, bold=bold) for v, k in zip(values, kinds, strict=True)])


def _series_sheet(workbook: Workbook, title: str, report: Report) -> None:
    sheet = workbook.create_sheet(title[:31])
    sheet.append(
        [
            _cell(sheet, h, "text", bold=True)
            for h in (_("Month end"), _("Must be interviewed"), _("Covered on time"), _("Coverage"))
        ]
    )
    for day, figures in report.series_total:
        sheet.append(
            [
                _cell(sheet, day, "date"),
                _cell(sheet, figures.required, "int"),
                _cell(sheet, figures.covered, "int"),
                _cell(sheet, figures.coverage, "pct"),
            ]
        )


def _definitions_sheet(workbook: Workbook, reports: list[tuple[str, Report]]) -> None:
    sheet = workbook.create_sheet(_("Definitions"))
    sheet.append([_cell(sheet, h, "text", bold=True) for h in (_("Figure"), _("Definition"))])
    first = reports[0][1]
    lines = [(_("Period"), f"{first.start:%Y-%m-%d} – {first.end:%Y-%m-%d}")]
    lines += [(column.header, column.definition) for column in columns()[1:]]
    lines.append(
        (
            _("Rows"),
            _(
                "Clients are placed by their team and responsible adviser on the last day of "
                "the period; what happened to them counts in the row of the team and adviser "
                "they had at the end of that month (or of the period, if it ends first)."
            ),
        )
    )
    for line in lines:
        sheet.append([_cell(sheet, text, "text") for text in line])


def _goals_sheet(workbook: Workbook, goals: ReportGoals) -> None:
    """Each row's coverage goal and whether it met it, and how many did."""
    sheet = workbook.create_sheet(_("Coverage goals")[:31])
    headers = (_("Name"), _("Coverage goal"), _("Coverage"), _("Met the goal"))
    sheet.append([_cell(sheet, h, "text", bold=True) for h in headers])
    for row in goals.rows.values():
        met = "" if row.met is None else (_("yes") if row.met else _("no"))
        sheet.append(
            [
                _cell(sheet, row.label, "text"),
                _cell(sheet, None if row.goal is None else float(row.goal.percent) / 100, "pct"),
                _cell(sheet, None if row.coverage_pct is None else row.coverage_pct / 100, "pct"),
                _cell(sheet, met, "text"),
            ]
        )
    summary = _("Met the coverage goal: %(met)d of %(measured)d") % {
        "met": goals.met,
        "measured": goals.measured,
    }
    sheet.append([_cell(sheet, summary, "text", bold=True)])


def report_xlsx_write(
    reports: list[tuple[str, Report]], target: IO[bytes], *, goals: ReportGoals | None = None
) -> None:
    """One sheet per (title, report), the monthly coverage series of the first, the rows'
    coverage goals (when given), definitions."""
    workbook = Workbook(write_only=True)
    for title, report in reports:
        _report_sheet(workbook, title, report)
    _series_sheet(workbook, _("Coverage by month"), reports[0][1])
    if goals is not None:
        _goals_sheet(workbook, goals)
    _definitions_sheet(workbook, reports)
    workbook.save(target)


def report_xlsx_file(report: Report) -> IO[bytes]:
    """The report as XLSX in an anonymous temporary file, rewound."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    report_xlsx_write([(_("Coverage"), report)], target)
    target.seek(0)
    return target


def report_file_name(report: Report, extension: str) -> str:
    """E.g. kattavuus_tiimi_2026-11.csv, täckning_team_2026-11.csv, coverage_team_2026-11.csv."""
    words = (_("Coverage"), LEVEL_LABELS[report.level])
    stem = "_".join(slugify(str(word), allow_unicode=True).replace("-", "_") for word in words)
    return f"{stem}_{report.period.file_label}.{extension}"


def client_file_name(stamp: str, extension: str) -> str:
    """E.g. asiakkaat_20261201-0930.csv, kunder_…, clients_… ."""
    return f"{slugify(_('Clients'), allow_unicode=True)}_{stamp}.{extension}"


def attachment(name: str) -> str:
    """A Content-Disposition for a file name that may hold ä or å (RFC 6266 filename*)."""
    return content_disposition_header(True, name)


def file_chunks(
    source: IO[bytes], on_done: Callable[[bool], None] | None = None
) -> Iterator[bytes]:
    """A file's bytes in chunks; closes it; tells on_done whether every chunk went out."""
    completed = False
    try:
        while chunk := source.read(CHUNK):
            yield chunk
        completed = True
    finally:
        source.close()
        if on_done is not None:
            on_done(completed)


# --- The client-level list --------------------------------------------------------------


def client_columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Client id")),
        ("birth_year", _("Birth year")),
        ("status", _("Job-seeker status")),
        ("status_since", _("Status since")),
        ("team", _("Team")),
        ("adviser", _("Responsible adviser")),
        ("last_held_on", _("Last interview held on")),
        ("last_channel", _("Channel of last interview")),
        ("next_due_date", _("Next interview due")),
        ("due_state", _("Due state")),
    ]


CLIENT_KINDS = ["int", "int", "text", "date", "text", "text", "date", "text", "date", "text"]


def _labelled(field: str, choices) -> Case:
    """A choice column as its label in the active language (NULL stays NULL)."""
    return Case(
        *[When(**{field: key}, then=Value(str(label))) for key, label in choices],
        default=F(field),
        output_field=CharField(),
    )


def client_rows(clients: QuerySet) -> QuerySet:
    """The export's columns, in client_columns() order, ordered by id (the primary key's
    index serves it): labels are translated by the database from literals of the active
    language, the adviser's name is joined there, and an absent value is NULL. The names
    (team, adviser) are made spreadsheet-safe there too, so the COPY-written CSV is."""
    return (
        clients.order_by("pk")
        .annotate(
            export_birth_year=ExtractYear("birth_date"),
            export_status=_labelled("status", Status.choices),
            export_team=spreadsheet_safe_sql(F("team__name")),
            export_adviser=spreadsheet_safe_sql(
                Case(
                    When(responsible_adviser__isnull=True, then=Value(None)),
                    # TRIM(first || ' ' || last): one expression, not Concat's nested
                    # COALESCEs (a tenth of the export's time at a million rows).
                    default=Func(
                        F("responsible_adviser__first_name"),
                        F("responsible_adviser__last_name"),
                        template="TRIM(COALESCE(%(expressions)s, ''))",
                        arg_joiner=", '') || ' ' || COALESCE(",
                        output_field=CharField(),
                    ),
                    output_field=CharField(),
                )
            ),
            export_channel=_labelled("last_channel", Channel.choices),
            export_state=_labelled("due_state", DueState.choices),
        )
        .values_list(
            "pk",
            "export_birth_year",
            "export_status",
            "status_since",
            "export_team",
            "export_adviser",
            "last_held_on",
            "export_channel",
            "next_due_date",
            "export_state",
        )
    )


def client_values(clients: QuerySet) -> Iterator[tuple]:
    """One tuple per client (client_rows()), fetched in chunks from a server-side cursor."""
    return _raw_rows(client_rows(clients))


def _raw_rows(query: QuerySet) -> Iterator[tuple]:
    """The rows of a values_list query from a server-side cursor, in chunks.

    On PostgreSQL the driver already returns ints, strings and dates, so Django's per-row
    converters (a third of the export's time) are skipped; other databases keep them.
    """
    if query.db and connections[query.db].vendor != "postgresql":
        yield from query.iterator(chunk_size=CHUNK_ROWS)
        return
    compiler = query.query.get_compiler(using=query.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK_ROWS)
    for chunk in chunks or ():
        yield from chunk


def client_csv(values: Iterable[Sequence], counted: Callable[[int, bool], None]) -> Iterator[str]:
    """CSV text in batches of rows; `counted(rows, completed)` is called once at the end.

    In the active language's style (teoffice.l10n.csv_style): fi/sv `;`-separated with a
    byte-order mark and dates as 01.12.2026, en `,` and ISO 8601 dates; None is an empty field
    (csv.writer's own rules).
    """
    style = l10n.csv_style()
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator=CSV_LINE_END)
    buffer.write(style.bom)
    writer.writerow([header for _key, header in client_columns()])
    rows = 0
    completed = False
    dated = style.datestyle is not None
    try:
        for batch in itertools.batched(values, CSV_BATCH):
            if dated:
                batch = [_dates_formatted(row, style.date_format) for row in batch]
            writer.writerows(batch)
            rows += len(batch)
            yield buffer.take()
        if rows == 0:
            yield buffer.take()
        completed = True
    finally:
        counted(rows, completed)


def _dates_formatted(row: Sequence, date_format: str) -> list:
    return [v.strftime(date_format) if isinstance(v, dt.date) else v for v in row]


def client_csv_file(clients: QuerySet) -> tuple[IO[bytes], int]:
    """The list as UTF-8 CSV in an anonymous temporary file (rewound), and its row count.

    On PostgreSQL the rows are written by the server's own `COPY (client_rows) TO STDOUT`
    (csv rules, NULL as an empty field): no row passes through Python objects. Elsewhere
    client_csv() writes them. Either way the header comes from client_columns()."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    query = client_rows(clients)
    connection = connections[query.db]
    if connection.vendor != "postgresql":
        rows = 0

        def counted(n: int, _completed: bool) -> None:
            nonlocal rows
            rows = n

        for text in client_csv(_raw_rows(query), counted):
            target.write(text.encode())
    else:
        style = l10n.csv_style()
        header = _Line()
        header.write(style.bom)
        csv.writer(header, delimiter=style.delimiter, lineterminator=CSV_LINE_END).writerow(
            [title for _key, title in client_columns()]
        )
        target.write(header.take().encode())
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            copy = cursor.mogrify(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, DELIMITER %s)",
                [*params, style.delimiter],
            )
            if style.datestyle:  # the server writes 01.12.2026 itself: no per-row cost
                cursor.execute("SET DateStyle = %s", [style.datestyle])
            try:
                cursor.copy_expert(copy.decode(), target, CHUNK)
                rows = cursor.rowcount
            finally:
                if style.datestyle:
                    cursor.execute("RESET DateStyle")
    target.seek(0)
    return target, rows


def client_xlsx_file(values: Iterable[Sequence]) -> tuple[IO[bytes], int]:
    """The list as XLSX in an anonymous temporary file (rewound), and its row count."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    headers = [header for _key, header in client_columns()]
    rows = xlsx_table_write(target, _("Clients"), headers, CLIENT_KINDS, values)
    target.seek(0)
    return target, rows
