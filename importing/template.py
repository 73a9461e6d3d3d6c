"""The downloadable import template: the header row in the user's language (CSV or XLSX),
and the page's table of columns (what each holds, required or not)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from teoffice import l10n

from .parsing import LOCAL_HEADERS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, template_headers


@dataclass(frozen=True)
class ImportColumn:
    name: str  # as in the template of the user's language
    canonical: str  # the English name, always accepted
    required: bool
    description: str


def _descriptions() -> dict[str, str]:
    return {
        "personal_identity_code": _("The client's personal identity code (checked in full)."),
        "first_name": _("First name."),
        "last_name": _("Last name."),
        "team": _("The team's name or number; a team you follow."),
        "status": _("Job-seeker status, e.g. unemployed, laid off, part-time."),
        "registered_on": _("Registered as a job seeker on (1.3.2026 or 2026-03-01)."),
        "status_since": _("The status applies from (default: registered on)."),
        "language": _("fi, sv or en (default: fi)."),
        "email": _("E-mail address."),
        "phone": _("Phone number."),
        "last_interview_on": _("The day of the last held interview."),
        "last_interview_channel": _("Its channel: phone, face to face or video."),
        "plan_goal": _("The employment plan's goal: work, training, business, rehabilitation."),
        "adviser": _(
            "The responsible adviser's username or full name, a member of the row's team "
            "(new clients only; empty: none)."
        ),
    }


def import_columns(language: str) -> list[ImportColumn]:
    names = LOCAL_HEADERS.get(language, {})
    text = _descriptions()
    return [
        ImportColumn(names.get(c, c), c, c in REQUIRED_COLUMNS, text[c])
        for c in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    ]


def template_csv(language: str) -> str:
    """The header row as CSV in the language's style (fi/sv: `;` and a byte-order mark)."""
    style = l10n.csv_style(language)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=style.delimiter).writerow(template_headers(language))
    return style.bom + buffer.getvalue()


def template_xlsx(language: str) -> bytes:
    """A workbook: the header row on the first sheet (which the import reads), and the
    columns explained on a second."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Clients")[:31]
    sheet.append(template_headers(language))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = workbook.create_sheet(_("Columns")[:31])
    help_sheet.append([_("Column"), _("Required"), _("What it holds")])
    for column in import_columns(language):
        help_sheet.append(
            [column.name, _("yes") if column.required else _("no"), column.description]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
