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
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from clients.models import Status
from interviews.choices import Channel, DueState

from .services import LEVEL_LABELS, Column, Report, columns

PCT_FORMAT = "0.0 %"
INT_FORMAT = "#,##0"  # Excel shows the reader's grouping: 1 234 in Finnish
DAYS_FORMAT = "0.0"
DATE_FORMAT = "d.m.yyyy"  # as in the UI (fi, sv)
CHUNK = 64 * 1024
CSV_BATCH = 500


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


def _csv_value(value, kind: str):
    if value is None:
        return ""
    if kind == "pct":
        return f"{100 * value:.1f}"
    if kind == "days":
        return f"{value:.1f}"
    return value


class _Line(io.StringIO):
    """A csv.writer target that hands back what one writerow wrote."""

    def take(self) -> str:
        value = self.getvalue()
        self.seek(0)
        self.truncate()
        return value


def report_csv(report: Report) -> Iterator[str]:
    kinds = ["text", "text"] + [c.kind for c in columns()[1:]]
    buffer = _Line()
    writer = csv.writer(buffer)
    writer.writerow(report_headers(report))
    yield buffer.take()
    for values in report_rows(report):
        writer.writerow([_csv_value(v, k) for v, k in zip(values, kinds, strict=True)])
        yield buffer.take()


def _cell(sheet, value, kind: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
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
    sheet.append([_("Period"), f"{first.start:%Y-%m-%d} – {first.end:%Y-%m-%d}"])
    for column in columns()[1:]:
        sheet.append([column.header, column.definition])
    sheet.append(
        [
            _("Rows"),
            _(
                "Clients are placed by their team and responsible adviser on the last day of "
                "the period; what happened to them in the period counts in that row."
            ),
        ]
    )


def report_xlsx_write(reports: list[tuple[str, Report]], target: IO[bytes]) -> None:
    """One sheet per (title, report), the monthly coverage series of the first, definitions."""
    workbook = Workbook(write_only=True)
    for title, report in reports:
        _report_sheet(workbook, title, report)
    _series_sheet(workbook, _("Coverage by month"), reports[0][1])
    _definitions_sheet(workbook, reports)
    workbook.save(target)


def report_xlsx_file(report: Report) -> IO[bytes]:
    """The report as XLSX in an anonymous temporary file, rewound."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    report_xlsx_write([(_("Coverage"), report)], target)
    target.seek(0)
    return target


def report_file_name(report: Report, extension: str) -> str:
    label = report.period.label.replace(" – ", "_")
    return f"coverage_{report.level}_{label}.{extension}"


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


def client_values(clients: QuerySet) -> Iterator[list]:
    """One list per client, fetched in chunks from a server-side cursor."""
    statuses, channels, states = dict(Status.choices), dict(Channel.choices), dict(DueState.choices)
    rows = (
        clients.order_by("team__name", "next_due_date", "pk")
        .annotate(birth_year=ExtractYear("birth_date"))
        .values_list(
            "pk",
            "birth_year",
            "status",
            "status_since",
            "team__name",
            "responsible_adviser__first_name",
            "responsible_adviser__last_name",
            "last_held_on",
            "last_channel",
            "next_due_date",
            "due_state",
        )
        .iterator(chunk_size=2000)
    )
    for pk, year, status, since, team, first, last, held, channel, due, state in rows:
        adviser = f"{first} {last}".strip() if first is not None else ""
        yield [
            pk,
            year,
            str(statuses.get(status, status)),
            since,
            team,
            adviser,
            held,
            str(channels.get(channel, channel)) if channel else "",
            due,
            str(states.get(state, state)),
        ]


def _date_text(value) -> object:
    return value.isoformat() if isinstance(value, dt.date) else ("" if value is None else value)


def client_csv(values: Iterable[list], counted: Callable[[int, bool], None]) -> Iterator[str]:
    """CSV text in batches of rows; `counted(rows, completed)` is called once at the end."""
    buffer = _Line()
    writer = csv.writer(buffer)
    writer.writerow([header for _key, header in client_columns()])
    rows = 0
    completed = False
    try:
        for values_ in values:
            writer.writerow([_date_text(v) for v in values_])
            rows += 1
            if rows % CSV_BATCH == 0:
                yield buffer.take()
        yield buffer.take()
        completed = True
    finally:
        counted(rows, completed)


def client_xlsx_file(values: Iterable[list]) -> tuple[IO[bytes], int]:
    """The list as XLSX in an anonymous temporary file (rewound), and its row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Clients"))
    sheet.append([_cell(sheet, header, "text", bold=True) for _key, header in client_columns()])
    rows = 0
    for values_ in values:
        sheet.append([_cell(sheet, v, k) for v, k in zip(values_, CLIENT_KINDS, strict=True)])
        rows += 1
    target = tempfile.TemporaryFile()  # noqa: SIM115 - the response streams and closes it
    workbook.save(target)
    target.seek(0)
    return target, rows
